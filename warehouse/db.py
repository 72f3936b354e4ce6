"""Engines, sessions and schema migrations for the warehouse (SQLite or PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, event, inspect
from sqlmodel import Session, create_engine

from warehouse.canonical import dump_json

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class SchemaOutOfDate(RuntimeError):
    """The database was made by an older odksync: it needs `odksync db upgrade`."""


def make_engine(database_url: str) -> Engine:
    """An engine for the URL; SQLite files get their folder, WAL and foreign keys."""
    if database_url.startswith("sqlite"):
        path = database_url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(database_url, connect_args={"timeout": 30}, json_serializer=dump_json)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(database_url, pool_pre_ping=True, json_serializer=dump_json)


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def alembic_config(engine: Engine) -> Config:
    """Alembic configuration pointing at the packaged migrations and this engine."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str | None:
    return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> tuple[str | None, str | None]:
    """Apply every pending migration; returns (revision before, revision after)."""
    before = current_revision(engine)
    command.upgrade(alembic_config(engine), "head")
    return before, current_revision(engine)


def ensure_schema(engine: Engine) -> None:
    """Create the schema in an empty database; refuse to run on an out-of-date one."""
    current = current_revision(engine)
    if current == head_revision():
        return
    if current is None and not _has_warehouse_tables(engine):
        upgrade(engine)
        return
    raise SchemaOutOfDate(
        f"The warehouse at {engine.url.render_as_string(hide_password=True)} is at schema "
        f"revision {current or 'none'} but this odksync needs {head_revision()}: "
        "run `odksync db upgrade` first."
    )


def _has_warehouse_tables(engine: Engine) -> bool:
    return inspect(engine).has_table("raw_submission")


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session whose caller commits; rolled back if the block raises."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
