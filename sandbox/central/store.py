"""SQLite schema of the Central sandbox; connections and locking are sandbox.common.store's."""

from __future__ import annotations

from pathlib import Path

from sandbox.common import store

SCHEMA = """
CREATE TABLE IF NOT EXISTS actors (        -- users and app users, as Central's actors
  id INTEGER PRIMARY KEY, type TEXT NOT NULL, display_name TEXT NOT NULL,
  created_at TEXT NOT NULL, updated_at TEXT, deleted_at TEXT);
CREATE TABLE IF NOT EXISTS users (         -- web users who log in with a password
  actor_id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, password TEXT NOT NULL,
  last_login_at TEXT);
CREATE TABLE IF NOT EXISTS sessions (      -- bearer tokens; app users hold a never-expiring one
  token TEXT PRIMARY KEY, actor_id INTEGER NOT NULL, csrf TEXT NOT NULL,
  created_at TEXT NOT NULL, expires_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS projects (      -- one row per project
  id INTEGER PRIMARY KEY, name TEXT NOT NULL, description TEXT, archived INTEGER,
  created_at TEXT NOT NULL, updated_at TEXT);
CREATE TABLE IF NOT EXISTS field_keys (    -- app users and the project they belong to
  actor_id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL, created_by INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS site_roles (    -- site-wide role grants (the admin)
  actor_id INTEGER NOT NULL, role_id INTEGER NOT NULL, PRIMARY KEY (actor_id, role_id));
CREATE TABLE IF NOT EXISTS form_assignments ( -- form-level role grants (app users)
  form_id INTEGER NOT NULL, role_id INTEGER NOT NULL, actor_id INTEGER NOT NULL,
  PRIMARY KEY (form_id, role_id, actor_id));
CREATE TABLE IF NOT EXISTS forms (         -- a form id in a project, pointing at its defs
  id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL, xml_form_id TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'open', current_def_id INTEGER, draft_def_id INTEGER,
  created_by INTEGER, created_at TEXT NOT NULL, updated_at TEXT,
  data_version INTEGER NOT NULL DEFAULT 0, UNIQUE (project_id, xml_form_id));
CREATE TABLE IF NOT EXISTS form_defs (     -- every version (draft or published) of a form
  id INTEGER PRIMARY KEY, form_id INTEGER NOT NULL, xml TEXT NOT NULL, name TEXT,
  version TEXT NOT NULL, hash TEXT NOT NULL, sha TEXT NOT NULL, sha256 TEXT NOT NULL,
  fields TEXT NOT NULL, draft_token TEXT, published_at TEXT, created_at TEXT NOT NULL,
  excel_content_type TEXT,
  key_id INTEGER);                          -- the form's public key (base64RsaPublicKey), if any
CREATE TABLE IF NOT EXISTS keys (          -- public keys forms encrypt submissions with
  id INTEGER PRIMARY KEY, public TEXT NOT NULL UNIQUE, managed INTEGER, hint TEXT,
  created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS form_attachments ( -- media a form def expects, with any upload
  form_def_id INTEGER NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL, content BLOB,
  content_type TEXT, md5 TEXT, updated_at TEXT, PRIMARY KEY (form_def_id, name));
CREATE TABLE IF NOT EXISTS submissions (   -- one logical submission; xml/odata are its current version's
  id INTEGER PRIMARY KEY, form_id INTEGER NOT NULL, draft INTEGER NOT NULL DEFAULT 0,
  instance_id TEXT NOT NULL, form_def_id INTEGER NOT NULL, submitter_id INTEGER,
  device_id TEXT, user_agent TEXT, instance_name TEXT, review_state TEXT,
  created_at TEXT NOT NULL, updated_at TEXT, deleted_at TEXT, xml BLOB NOT NULL,
  odata TEXT NOT NULL, attachments_expected INTEGER NOT NULL DEFAULT 0,
  current_def_id INTEGER, edits INTEGER NOT NULL DEFAULT 0,
  event INTEGER,                            -- stamp moved by every change, as Central's ETags read
  UNIQUE (form_id, draft, instance_id));
CREATE INDEX IF NOT EXISTS submissions_feed ON submissions (form_id, draft, created_at, id);
-- The next event stamp (MAX(event)) and the live feed's pages and counts, each without a scan of
-- every submission; indexes only, so an older state folder gains them on open (same layout).
CREATE INDEX IF NOT EXISTS submissions_event ON submissions (event);
CREATE INDEX IF NOT EXISTS submissions_live ON submissions (form_id, draft, deleted_at, created_at, id);
CREATE INDEX IF NOT EXISTS submissions_deleted ON submissions (form_id, draft, created_at, id)
  WHERE deleted_at IS NOT NULL;            -- the delete sweep's feed, without reading every row
CREATE TABLE IF NOT EXISTS submission_defs ( -- every version of a submission; edits add one
  id INTEGER PRIMARY KEY, submission_id INTEGER NOT NULL, form_id INTEGER NOT NULL,
  instance_id TEXT NOT NULL, form_def_id INTEGER NOT NULL, xml BLOB NOT NULL,
  instance_name TEXT, submitter_id INTEGER, device_id TEXT, user_agent TEXT,
  created_at TEXT NOT NULL, root INTEGER, current INTEGER NOT NULL,
  local_key TEXT, enc_data_attachment_name TEXT, signature TEXT, -- set on encrypted envelopes
  UNIQUE (form_id, instance_id));
CREATE TABLE IF NOT EXISTS submission_attachments ( -- files a version expects, with any upload
  submission_id INTEGER NOT NULL, def_id INTEGER NOT NULL, name TEXT NOT NULL, content BLOB,
  content_type TEXT, PRIMARY KEY (def_id, name));
"""


class Store(store.Store):
    """The Central sandbox's tables, created on first open."""

    # Raise LAYOUT whenever SCHEMA changes: older state folders are then refused, clearly.
    LAYOUT = 4

    def __init__(self, path: Path) -> None:
        super().__init__(path, SCHEMA, layout=self.LAYOUT)
