from alembic import context
from sqlalchemy import create_engine

from bot.storage import models  # noqa: F401  (registers the tables)
from bot.storage.models import Base

try:  # the hand-off tables join the same schema once that package defines them
    import handoff.models  # noqa: F401
except ImportError:
    pass
try:  # the referent console's tables (accounts, notes, outcomes, absences)
    import handoff.accounts  # noqa: F401
    import handoff.records  # noqa: F401
except ImportError:
    pass

target_metadata = Base.metadata


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(context.config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations()
