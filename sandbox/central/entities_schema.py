"""SQLite tables for entity lists (Central's datasets), entities, their versions and the queue."""

from __future__ import annotations

from sandbox.central.store import Store

SCHEMA = """
CREATE TABLE IF NOT EXISTS datasets (        -- entity lists; unpublished until a form publishes
  id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL, name TEXT NOT NULL,
  created_at TEXT NOT NULL, published_at TEXT, approval_required INTEGER NOT NULL DEFAULT 0,
  last_audit TEXT, UNIQUE (project_id, name));
CREATE TABLE IF NOT EXISTS ds_properties (   -- properties, published with their first form
  id INTEGER PRIMARY KEY, dataset_id INTEGER NOT NULL, name TEXT NOT NULL,
  published_at TEXT, UNIQUE (dataset_id, name));
CREATE TABLE IF NOT EXISTS ds_property_fields ( -- which form def field saves to which property
  property_id INTEGER NOT NULL, form_def_id INTEGER NOT NULL, path TEXT NOT NULL,
  field_order INTEGER NOT NULL, PRIMARY KEY (property_id, form_def_id, path));
CREATE TABLE IF NOT EXISTS dataset_form_defs ( -- form defs that declare an entity list
  dataset_id INTEGER NOT NULL, form_def_id INTEGER NOT NULL, actions TEXT NOT NULL,
  path TEXT NOT NULL, is_repeat INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (dataset_id, form_def_id));
CREATE TABLE IF NOT EXISTS attachment_datasets ( -- form attachments served from an entity list
  form_def_id INTEGER NOT NULL, name TEXT NOT NULL, dataset_id INTEGER NOT NULL,
  PRIMARY KEY (form_def_id, name));
CREATE TABLE IF NOT EXISTS entities (        -- one row per entity; soft-deleted by deleted_at
  id INTEGER PRIMARY KEY, dataset_id INTEGER NOT NULL, uuid TEXT NOT NULL UNIQUE,
  creator_id INTEGER, created_at TEXT NOT NULL, updated_at TEXT, deleted_at TEXT,
  conflict TEXT);
CREATE INDEX IF NOT EXISTS entities_feed ON entities (dataset_id, created_at, id);
CREATE TABLE IF NOT EXISTS entity_defs (     -- every version of every entity
  id INTEGER PRIMARY KEY, entity_id INTEGER NOT NULL, created_at TEXT NOT NULL,
  current INTEGER NOT NULL, root INTEGER NOT NULL, creator_id INTEGER, user_agent TEXT,
  label TEXT NOT NULL, data TEXT NOT NULL, data_received TEXT NOT NULL,
  version INTEGER NOT NULL, base_version INTEGER, conflicting_properties TEXT,
  source TEXT NOT NULL, submission_id INTEGER);
CREATE INDEX IF NOT EXISTS entity_defs_entity ON entity_defs (entity_id, version);
CREATE TABLE IF NOT EXISTS entity_queue (    -- submission events the entity worker has yet to run
  id INTEGER PRIMARY KEY, submission_id INTEGER NOT NULL, action TEXT NOT NULL,
  review_state TEXT, actor_id INTEGER, created_at TEXT NOT NULL, processed_at TEXT);
CREATE TABLE IF NOT EXISTS entity_errors (   -- Central's entity.error audit events
  id INTEGER PRIMARY KEY, submission_id INTEGER NOT NULL, message TEXT NOT NULL,
  code REAL, details TEXT, logged_at TEXT NOT NULL);
"""


def install(store: Store) -> None:
    """Create the entity tables next to the sandbox's own (idempotent)."""
    # Runs once while the sandbox is built, before any request thread exists.
    store.read().executescript(SCHEMA)
