"""Engine, sessions and migrations: the only place that knows the database URL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, insert, text
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Taken by every process that migrates a PostgreSQL database (any constant the application
# owns; "passerelle" in ASCII). N app processes start together: one migrates, the others wait
# for it, then find the schema at head and do nothing.
MIGRATION_LOCK = 0x7061737365726C6C


def make_engine(url: str) -> Engine:
    """The engine for `url`. hide_parameters: a database error's message (logged, shown in
    a traceback) would otherwise quote every bound value, message texts and numbers."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # A turn keeps its connection while its eligibility check is computed (~2-3 s): with
        # SQLAlchemy's default 5 + 10 connections, a burst of checks would go 15 at a time.
        # SQLite connections are cheap; as many as the web server has threads (bot/web/app.py).
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               pool_size=20, max_overflow=256, hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            # Cascading erasure relies on foreign keys, which SQLite leaves off by default;
            # WAL lets the web chat read while a check is being written.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            # Deleted rows (an erased person, a blanked outbox body) are overwritten with
            # zeros instead of lingering in free pages; many builds leave this off.
            cursor.execute("PRAGMA secure_delete=ON")
            cursor.close()

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the latest revision (run at every start)."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Held until this transaction ends: two upgrades at once would both try to create
            # the same tables and one process would fail to start.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                               {"key": MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


class Database:
    def __init__(self, url: str):
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        event.listen(self.sessions, "before_commit", _insert_queued)

    def migrate(self) -> None:
        migrate(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back on error."""
        with self.sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise


# Rows a transaction writes and never reads back (a turn's transcript lines, its anonymous
# counts): queued, then written when it commits, one statement per table for all of them.
# As ORM objects, each was tracked by the unit of work and written by a multi-row INSERT ...
# RETURNING whose text (kilobytes, its placeholders) psycopg parsed again at every turn: a
# check turn's ~10 counts and ~15 transcript lines cost more of the app's time than its
# other statements (`python -m bench burst`).
_QUEUED = "insert_at_commit"


def insert_at_commit(session: Session, model: type, row: dict) -> dict:
    """Queue `row` (column values) for `model`'s table, written when `session` commits
    (nothing is written if it rolls back). Returns the row, which may still change until
    then."""
    session.info.setdefault(_QUEUED, {}).setdefault(model.__table__, []).append(row)
    return row


def queued_rows(session: Session, model: type) -> list[dict]:
    """The rows of `model` queued in this transaction and not written yet."""
    return session.info.get(_QUEUED, {}).get(model.__table__, [])


def _insert_queued(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint's release, not the commit: a rollback to it would lose them
    queued = session.info.pop(_QUEUED, None)
    for table, rows in (queued or {}).items():
        if rows:
            session.execute(insert(table), rows)
