"""SQLite state of a sandbox: its schema, per-thread connections (WAL) and one writer at a time."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


class StateTooOld(RuntimeError):
    """The state folder was written by an older sandbox whose tables differ."""


class Store:
    """Opens one SQLite connection per thread and serialises writers with a lock.

    `layout` numbers the schema: a state file written with another layout is refused with a
    message saying what to do, instead of failing later on a missing column.
    """

    def __init__(self, path: Path, schema: str, *, layout: int = 1) -> None:
        self.path = path
        self._local = threading.local()
        self._write_lock = threading.RLock()
        with self._write_lock:
            conn = self._connection()
            found = conn.execute("PRAGMA user_version").fetchone()[0]
            has_tables = conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                                      ).fetchone()[0]
            if has_tables and found != layout:
                conn.close()
                self._local.conn = None
                raise StateTooOld(
                    f"The local server's state in {path.parent} was written by another version of "
                    f"odksync (layout {found}, this one needs {layout}). It holds only simulated "
                    f"data: move the folder aside or delete it, and run the command again.")
            conn.executescript(schema)  # executescript commits on its own
            conn.execute(f"PRAGMA user_version = {int(layout)}")

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                   timeout=30)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    def read(self) -> sqlite3.Connection:
        """A connection for reads; each statement sees committed data."""
        return self._connection()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One transaction, committed on success and rolled back on any error."""
        conn = self._connection()
        with self._write_lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def one(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.read().execute(sql, params).fetchone()
        return row

    def all(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        return list(self.read().execute(sql, params).fetchall())

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
