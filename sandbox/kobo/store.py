"""SQLite state of the Kobo sandbox: schema, per-thread connections and one writer at a time."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (        -- API tokens (KPI's DRF authtoken), stored hashed
  digest TEXT PRIMARY KEY, username TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS assets (        -- one row per asset; content is the XLSForm as JSON
  uid TEXT PRIMARY KEY, name TEXT NOT NULL, asset_type TEXT NOT NULL, owner TEXT NOT NULL,
  settings TEXT NOT NULL, content TEXT NOT NULL, xlsx BLOB, xform TEXT,
  version_id TEXT NOT NULL, version_count INTEGER NOT NULL DEFAULT 1,
  content_hash TEXT NOT NULL, date_created TEXT NOT NULL, date_modified TEXT NOT NULL,
  deployed_version_id TEXT, date_deployed TEXT, deployment_active INTEGER,
  deployment_uuid TEXT, deployed_xform TEXT, deployed_versions TEXT NOT NULL DEFAULT '[]');
CREATE TABLE IF NOT EXISTS imports (       -- XLSForm imports and their outcome
  uid TEXT PRIMARY KEY, owner TEXT NOT NULL, status TEXT NOT NULL, messages TEXT NOT NULL,
  date_created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (         -- asset files: form media
  uid TEXT PRIMARY KEY, asset_uid TEXT NOT NULL, owner TEXT NOT NULL, file_type TEXT NOT NULL,
  description TEXT NOT NULL, filename TEXT NOT NULL, mimetype TEXT NOT NULL, hash TEXT NOT NULL,
  content BLOB NOT NULL, date_created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS submissions (   -- one row per submission; edits replace it in place
  id INTEGER PRIMARY KEY AUTOINCREMENT, asset_uid TEXT NOT NULL, uuid TEXT NOT NULL,
  root_uuid TEXT NOT NULL, xml BLOB NOT NULL, data TEXT NOT NULL, submitted_by TEXT,
  submission_time TEXT NOT NULL, validation_status TEXT NOT NULL DEFAULT '{}',
  UNIQUE (asset_uid, root_uuid));
CREATE INDEX IF NOT EXISTS submissions_uuid ON submissions (asset_uid, uuid);
CREATE TABLE IF NOT EXISTS attachments (   -- files that came with a submission
  uid TEXT PRIMARY KEY, submission_id INTEGER NOT NULL, filename TEXT NOT NULL,
  mimetype TEXT NOT NULL, content BLOB NOT NULL);
"""


class Store:
    """Opens one SQLite connection per thread and serialises writers with a lock."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._write_lock = threading.RLock()
        with self._write_lock:
            self._connection().executescript(SCHEMA)

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
        row: sqlite3.Row | None = self._connection().execute(sql, params).fetchone()
        return row

    def all(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        return list(self._connection().execute(sql, params).fetchall())
