"""SQLite schema of the Kobo sandbox; connections and locking are sandbox.common.store's."""

from __future__ import annotations

from pathlib import Path

from sandbox.common import store

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


class Store(store.Store):
    """The Kobo sandbox's tables, created on first open."""

    # Raise LAYOUT whenever SCHEMA changes: older state folders are then refused, clearly.
    LAYOUT = 1

    def __init__(self, path: Path) -> None:
        super().__init__(path, SCHEMA, layout=self.LAYOUT)
