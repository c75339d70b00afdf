"""Alembic's entry point: every table of storage/ joins one metadata.

Each table module is imported by name: a broken import must fail the migration loudly,
never drop its tables from the metadata.
"""

from alembic import context
from sqlalchemy import create_engine

from storage import accounts, ambassadors, campaigns, handoff, models, records
from storage.types import Base

# Registered on Base.metadata by import.
TABLE_MODULES = (accounts, ambassadors, campaigns, handoff, models, records)
target_metadata = Base.metadata


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(context.config.get_main_option("sqlalchemy.url"),
                           hide_parameters=True)
    with engine.connect() as connection:
        _run(connection)


run_migrations()
