"""One sync per form at a time: a lock the database or the OS releases when its holder dies."""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text


class SyncInProgress(RuntimeError):
    """Another sync of the same form holds the lock; this one changed nothing."""


def _lock_id(name: str) -> int:
    """A stable signed 64-bit id for PostgreSQL's advisory locks."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@contextmanager
def exclusive(engine: Engine, name: str) -> Iterator[None]:
    """Hold the lock `name` for the block, or raise SyncInProgress at once if someone else holds it.

    PostgreSQL: a session-level advisory lock on a connection of its own (released if the process
    dies, because the connection does). SQLite: an flock on a file beside the database (released
    by the kernel when the process dies). Either way a SIGKILLed sync never leaves a stale lock.
    """
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            # Advisory locks are server-wide: name the warehouse (database and schema) in the key
            # so that two warehouses on one server never block each other.
            where = connection.execute(text("SELECT current_database() || '.' || current_schema()"))
            key = _lock_id(f"{where.scalar()} {name}")
            got = connection.execute(text("SELECT pg_try_advisory_lock(:id)"), {"id": key}).scalar()
            connection.commit()
            if not got:
                raise SyncInProgress(_busy(name))
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": key})
                connection.commit()
        return
    database = engine.url.database
    if not database or database == ":memory:":
        yield  # a private in-memory database has no second writer
        return
    path = Path(f"{database}.locks") / f"{hashlib.sha256(name.encode()).hexdigest()[:24]}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SyncInProgress(_busy(name)) from None
        yield
    finally:
        os.close(handle)  # closing releases the flock


def _busy(name: str) -> str:
    return (f"another odksync sync of {name} is running right now; this one stopped without "
            "changing anything — run it again when the other has finished")
