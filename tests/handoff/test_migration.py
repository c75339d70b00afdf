"""The 0002 migration matches the models, on SQLite and PostgreSQL."""

from alembic import command
from sqlalchemy import inspect

from storage.db import alembic_config


def test_migration_creates_the_handoff_tables_and_matches_the_models(any_db):
    inspector = inspect(any_db.engine)
    assert {"handoff", "appointment", "appointment_unit"} <= set(inspector.get_table_names())
    indexes = {i["name"]: i for i in inspector.get_indexes("appointment")}
    assert indexes["uq_appointment_booked_referent_start"]["unique"]
    config = alembic_config(any_db.engine.url.render_as_string(hide_password=False))
    with any_db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.check(config)  # raises if autogenerate would find a difference
