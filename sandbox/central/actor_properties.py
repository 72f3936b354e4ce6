"""Actor properties (v2026.2): names per project, values per app user, dataset access filters.

As Central keeps them: a property name is unique per project and compared exactly (its unique
index is on project and name, case-sensitive); an app user holds at most one non-empty value per
property; a dataset's `property` access filter shows a restricted actor (an app user) only the
entities whose dataset property equals that actor's value, every rule matching.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from typing import Any

from sandbox.central import problems
from sandbox.central.clock import iso
from sandbox.central.context import Context
from sandbox.central.entity_forms import valid_property_name
from sandbox.central.store import Store

# New tables only (CREATE IF NOT EXISTS), so an older state folder gains them on open.
SCHEMA = """
CREATE TABLE IF NOT EXISTS actor_properties (      -- property names registered on a project
  id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL, name TEXT NOT NULL CHECK (length(name) > 0),
  UNIQUE (project_id, name));
CREATE TABLE IF NOT EXISTS actor_property_values ( -- one value per actor and property
  actor_id INTEGER NOT NULL, property_id INTEGER NOT NULL, value TEXT NOT NULL
  CHECK (length(value) > 0), PRIMARY KEY (actor_id, property_id));
CREATE TABLE IF NOT EXISTS dataset_access_filters ( -- dataset property = actor property rules
  dataset_id INTEGER NOT NULL, ds_property_id INTEGER NOT NULL, actor_property_id INTEGER NOT NULL,
  PRIMARY KEY (ds_property_id, actor_property_id));
"""


def install(store: Store) -> None:
    """Create the tables next to the sandbox's own (idempotent)."""
    store.read().executescript(SCHEMA)


def valid_name(name: object) -> bool:
    """Central's validateActorPropertyName: an entity property name, and not `displayName`."""
    return isinstance(name, str) and name.lower() != "displayname" and valid_property_name(name)


def names(ctx: Context, project_id: int) -> list[str]:
    return [r["name"] for r in ctx.store.all(
        "SELECT name FROM actor_properties WHERE project_id = ? ORDER BY name", (project_id,))]


def with_values(ctx: Context, project_id: int) -> list[dict[str, Any]]:
    """Each name with the distinct values in use (X-Extended-Metadata), sorted."""
    out = []
    for row in ctx.store.all("SELECT id, name FROM actor_properties WHERE project_id = ? "
                             "ORDER BY name", (project_id,)):
        values = [r["value"] for r in ctx.store.all(
            "SELECT DISTINCT value FROM actor_property_values WHERE property_id = ? "
            "ORDER BY value", (row["id"],))]
        out.append({"name": row["name"], "values": values})
    return out


def _unexpected(field: str, value: Any, reason: str) -> problems.Problem:
    """Central's Problem.user.unexpectedValue: the value rendered as JavaScript would, kept raw in
    the details (and left out of them when undefined)."""
    shown = ("undefined" if value is None else "[object Object]" if isinstance(value, dict)
             else ",".join(map(str, value)) if isinstance(value, list) else str(value))
    details: dict[str, Any] = {"field": field, "reason": reason}
    if value is not None:
        details = {"field": field, "value": value, "reason": reason}
    return problems.Problem(400.8, f"Unexpected {field} value {shown}; {reason}", details)


def create(ctx: Context, project_id: int, name: object) -> None:
    if name is None or not valid_name(name):
        raise _unexpected("name", name, "This is not a valid property name.")
    with ctx.store.write() as db:
        taken = db.execute("SELECT 1 FROM actor_properties WHERE project_id = ? AND name = ?",
                           (project_id, name)).fetchone()
        if taken is not None:
            raise problems.uniqueness_violation(["projectId", "name"], [str(project_id), name],
                                                "actor_properties")
        db.execute("INSERT INTO actor_properties (project_id, name) VALUES (?, ?)",
                   (project_id, name))


def of_actor(ctx: Context, actor_id: int) -> dict[str, str] | None:
    """The actor's values by name, or None when it has none (as Central's json_object_agg)."""
    rows = ctx.store.all("SELECT p.name, v.value FROM actor_property_values v JOIN "
                         "actor_properties p ON p.id = v.property_id WHERE v.actor_id = ? "
                         "ORDER BY v.rowid", (actor_id,))
    return {r["name"]: r["value"] for r in rows} or None


def extract(ctx: Context, project_id: int, properties: Any) -> dict[str, str | None]:
    """Central's extractActorProperties: known names only; strings or null; blank means unset."""
    if not isinstance(properties, dict):
        raise _unexpected("properties", properties, "Must be an object.")
    known = set(names(ctx, project_id))
    result: dict[str, str | None] = {}
    for name, value in properties.items():
        if name not in known:
            raise _unexpected("properties", name, "Unknown property name.")
        if value is not None and not isinstance(value, str):
            raise _unexpected(name, value, "Property values must be strings or null.")
        result[name] = None if value is None or value.strip() == "" else value.strip()
    return result


def set_values(db: sqlite3.Connection, project_id: int, actor_id: int,
               values: dict[str, str | None]) -> None:
    for name, value in values.items():
        prop = db.execute("SELECT id FROM actor_properties WHERE project_id = ? AND name = ?",
                          (project_id, name)).fetchone()
        if value is None:
            db.execute("DELETE FROM actor_property_values WHERE actor_id = ? AND property_id = ?",
                       (actor_id, prop["id"]))
        else:
            db.execute("INSERT INTO actor_property_values (actor_id, property_id, value) VALUES "
                       "(?, ?, ?) ON CONFLICT (actor_id, property_id) DO UPDATE SET "
                       "value = excluded.value", (actor_id, prop["id"], value))


# Dataset access filters.

def rules(ctx: Context, dataset_id: int) -> list[dict[str, str]]:
    """Central's getAccessFilter: the rules by dataset property name."""
    rows = ctx.store.all(
        "SELECT d.name AS ds, p.name AS actor FROM dataset_access_filters f JOIN ds_properties d "
        "ON d.id = f.ds_property_id JOIN actor_properties p ON p.id = f.actor_property_id "
        "WHERE f.dataset_id = ? ORDER BY d.name", (dataset_id,))
    return [{"datasetProperty": r["ds"], "actorProperty": r["actor"]} for r in rows]


def access_filter_json(ctx: Context, dataset_id: int) -> dict[str, Any] | None:
    found = rules(ctx, dataset_id)
    return {"type": "property", "rules": found} if found else None


def replace_rules(db: sqlite3.Connection, dataset_id: int, project_id: int,
                  wanted: list[dict[str, str]]) -> None:
    """Central's setAccessFilters: delete every rule, then add each whose two names exist
    (a published dataset property, a project actor property); others are passed over."""
    db.execute("DELETE FROM dataset_access_filters WHERE dataset_id = ?", (dataset_id,))
    for rule in wanted:
        ds = db.execute("SELECT id FROM ds_properties WHERE dataset_id = ? AND name = ? AND "
                        "published_at IS NOT NULL", (dataset_id, rule["datasetProperty"])).fetchone()
        actor = db.execute("SELECT id FROM actor_properties WHERE project_id = ? AND name = ?",
                           (project_id, rule["actorProperty"])).fetchone()
        if ds is not None and actor is not None:
            db.execute("INSERT OR IGNORE INTO dataset_access_filters (dataset_id, ds_property_id, "
                       "actor_property_id) VALUES (?, ?, ?)", (dataset_id, ds["id"], actor["id"]))


def clear_rules(db: sqlite3.Connection, dataset_id: int) -> None:
    db.execute("DELETE FROM dataset_access_filters WHERE dataset_id = ?", (dataset_id,))


def parse_access_filter(body: dict[str, Any]) -> list[dict[str, str]] | None:
    """The rules a PATCH body's `accessFilter` asks for ([] to clear), as Central validates it."""
    value = body["accessFilter"]
    if value is None:
        return []
    kind = value.get("type") if isinstance(value, dict) else None
    if kind == "ownerOnly":
        raise problems.not_implemented("the ownerOnly access filter")
    if kind != "property":
        raise _unexpected("accessFilter.type", kind, "type must be ownerOnly or property.")
    wanted = value.get("rules")
    if not isinstance(wanted, list) or not wanted:
        raise _unexpected("accessFilter.rules", wanted, "rules must be a non-empty array.")
    out = []
    for rule in wanted:
        if not isinstance(rule, dict) or not rule.get("datasetProperty") or \
                not rule.get("actorProperty"):
            raise _unexpected("accessFilter.rules", rule,
                              "Each rule must have datasetProperty and actorProperty.")
        out.append({"datasetProperty": str(rule["datasetProperty"]),
                    "actorProperty": str(rule["actorProperty"])})
    return out


def visible(ctx: Context, dataset_id: int, actor_id: int | None
            ) -> tuple[list[tuple[str, str | None]], bool]:
    """(dataset property, the actor's value) per rule, and whether the actor is filtered at all.

    `actor_id` None means an actor with `entity.list` (an administrator): nothing is filtered.
    """
    if actor_id is None:
        return [], False
    rows = ctx.store.all(
        "SELECT d.name AS ds, v.value FROM dataset_access_filters f JOIN ds_properties d ON "
        "d.id = f.ds_property_id LEFT JOIN actor_property_values v ON v.property_id = "
        "f.actor_property_id AND v.actor_id = ? WHERE f.dataset_id = ?", (actor_id, dataset_id))
    return [(r["ds"], r["value"]) for r in rows], bool(rows)


def matches(data: dict[str, Any], checks: list[tuple[str, str | None]]) -> bool:
    """Every rule holds: the entity's property equals the actor's value (no value sees nothing)."""
    return all(value is not None and data.get(prop) == value for prop, value in checks)


def open_rosa_hash(ctx: Context, dataset: sqlite3.Row, actor_id: int | None) -> str:
    """Central's _computeHashResult: per actor and its filter values when the list is filtered
    for it, else the latest audit entry alone."""
    latest = iso(dataset["last_audit"])
    if actor_id is not None:
        rows = ctx.store.all(
            "SELECT d.name AS ds, p.name AS actor, v.value FROM dataset_access_filters f JOIN "
            "ds_properties d ON d.id = f.ds_property_id JOIN actor_properties p ON p.id = "
            "f.actor_property_id LEFT JOIN actor_property_values v ON v.property_id = p.id AND "
            "v.actor_id = ? WHERE f.dataset_id = ? ORDER BY d.name, p.name, v.value",
            (actor_id, dataset["id"]))
        if rows:
            # jsonb_build_object orders keys by length, then bytes: value, actorProperty, datasetProperty.
            rules_json = [{"value": r["value"], "actorProperty": r["actor"],
                           "datasetProperty": r["ds"]} for r in rows]
            text = json.dumps({"owner": actor_id, "filterRules": rules_json,
                               "latestAuditEntry": latest}, separators=(",", ":"),
                              ensure_ascii=False)
            return hashlib.md5(text.encode("utf-8")).hexdigest()
    text = json.dumps({"latestAuditEntry": latest}, separators=(",", ":"))
    return hashlib.md5(text.encode("utf-8")).hexdigest()
