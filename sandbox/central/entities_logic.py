"""Entities as Central keeps them: versions, API create and update, conflicts, JSON shapes."""

from __future__ import annotations

import json
import re
import sqlite3
import uuid as uuidlib
from typing import Any

from sandbox.central import entity_problems, problems
from sandbox.central.clock import iso
from sandbox.central.context import Context

# Central accepts only version-4 UUIDs, with or without the `uuid:` prefix (lib/data/entity.js).
_UUID = re.compile(r"^(uuid:)?([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                   r"[0-9a-f]{12})$", re.I)


def normalize_uuid(value: str | None) -> str:
    if value is None or value.strip() == "":
        raise problems.missing_parameter("uuid")
    m = _UUID.match(value)
    if m is None:
        raise entity_problems.invalid_data_type("uuid", "valid version 4 UUID")
    return m.group(2).lower()


def property_names(ctx: Context, dataset_id: int) -> list[str]:
    """Published properties in Central's order: publish time, then form field order."""
    rows = ctx.store.all(
        "SELECT p.name, MIN(p.published_at) AS at, MIN(COALESCE(f.field_order, 1e9)) AS o, "
        "p.id FROM ds_properties p LEFT JOIN ds_property_fields f ON f.property_id = p.id "
        "WHERE p.dataset_id = ? AND p.published_at IS NOT NULL GROUP BY p.id "
        "ORDER BY at, o, p.id", (dataset_id,))
    return [r["name"] for r in rows]


def touch(db: sqlite3.Connection, ctx: Context, dataset_id: int) -> None:
    """Record dataset activity; Central's entity-list ETag hashes the latest audit time."""
    db.execute("UPDATE datasets SET last_audit = ? WHERE id = ?", (ctx.now(), dataset_id))


def current_def(db: sqlite3.Connection | None, ctx: Context, entity_id: int
                ) -> sqlite3.Row:
    sql = "SELECT * FROM entity_defs WHERE entity_id = ? AND current = 1"
    row = (db.execute(sql, (entity_id,)).fetchone() if db is not None
           else ctx.store.one(sql, (entity_id,)))
    assert row is not None
    return row


def find_entity(db: sqlite3.Connection | None, ctx: Context, dataset_id: int, uuid: str,
                deleted: bool = False) -> sqlite3.Row | None:
    sql = (f"SELECT * FROM entities WHERE dataset_id = ? AND uuid = ? AND deleted_at IS "
           f"{'NOT ' if deleted else ''}NULL")
    if db is not None:
        row: sqlite3.Row | None = db.execute(sql, (dataset_id, uuid)).fetchone()
        return row
    return ctx.store.one(sql, (dataset_id, uuid))


def insert_entity(db: sqlite3.Connection, ctx: Context, dataset_id: int, uuid: str, label: str,
                  data: dict[str, str], creator_id: int | None, user_agent: str | None,
                  source: dict[str, Any], submission_id: int | None = None) -> int:
    """Central's createNew: the entity and its first version, refusing reused UUIDs."""
    taken = db.execute("SELECT deleted_at FROM entities WHERE uuid = ?", (uuid,)).fetchone()
    if taken is not None and taken["deleted_at"] is not None:
        raise entity_problems.uuid_of_deleted([uuid])
    if taken is not None:
        raise problems.uniqueness_violation(["uuid"], [uuid])
    now = ctx.now()
    cur = db.execute("INSERT INTO entities (dataset_id, uuid, creator_id, created_at) VALUES "
                     "(?, ?, ?, ?)", (dataset_id, uuid, creator_id, now))
    entity_id = cur.lastrowid
    assert entity_id is not None
    received = {**data, "label": label}
    db.execute("INSERT INTO entity_defs (entity_id, created_at, current, root, creator_id, "
               "user_agent, label, data, data_received, version, base_version, source, "
               "submission_id) VALUES (?,?,1,1,?,?,?,?,?,1,NULL,?,?)",
               (entity_id, now, creator_id, user_agent or None, label, json.dumps(data),
                json.dumps(received), json.dumps(source), submission_id))
    touch(db, ctx, dataset_id)
    return entity_id


def insert_version(db: sqlite3.Connection, ctx: Context, entity: sqlite3.Row, label: str,
                   data: dict[str, str], received: dict[str, str], base_version: int,
                   conflict: str | None, conflicting: list[str] | None,
                   creator_id: int | None, user_agent: str | None, source: dict[str, Any],
                   submission_id: int | None = None) -> None:
    """Central's createVersion: a new current def at the next version number."""
    now = ctx.now()
    version = current_def(db, ctx, entity["id"])["version"] + 1
    db.execute("UPDATE entity_defs SET current = 0 WHERE entity_id = ?", (entity["id"],))
    db.execute("INSERT INTO entity_defs (entity_id, created_at, current, root, creator_id, "
               "user_agent, label, data, data_received, version, base_version, "
               "conflicting_properties, source, submission_id) "
               "VALUES (?,?,1,0,?,?,?,?,?,?,?,?,?,?)",
               (entity["id"], now, creator_id, user_agent or None, label, json.dumps(data),
                json.dumps(received), version, base_version,
                json.dumps(conflicting) if conflicting is not None else None,
                json.dumps(source), submission_id))
    db.execute("UPDATE entities SET updated_at = ?, conflict = ? WHERE id = ?",
               (now, conflict, entity["id"]))
    touch(db, ctx, entity["dataset_id"])


def extract_body(body: Any, names: list[str], existing: tuple[str, dict[str, str]] | None
                 ) -> tuple[str | None, str, dict[str, str], dict[str, str]]:
    """Central's extractEntity: (uuid, label, merged data, data received) from a JSON body."""
    allowed = ["label", "uuid", "data"]
    if not isinstance(body, dict):
        raise entity_problems.invalid_entity("No entity data or label provided.")
    extra = [k for k in body if k not in allowed]
    if extra:
        raise entity_problems.unexpected_attributes(allowed, list(body))
    uuid = None
    if existing is None:
        if body.get("uuid") and not isinstance(body["uuid"], str):
            raise entity_problems.invalid_data_type("uuid", "string")
        uuid = normalize_uuid(body["uuid"]) if body.get("uuid") else str(uuidlib.uuid4())
    label = existing[0] if existing else None
    if body.get("label") is not None:
        if not isinstance(body["label"], str):
            raise entity_problems.invalid_data_type("label", "string")
        if body["label"].strip() == "":
            raise problems.unexpected_value("label", "(empty string)", "Label cannot be blank.")
        label = body["label"]
    elif existing is None:
        raise problems.missing_parameter("label")
    if body.get("data") is None and body.get("label") is None:
        raise entity_problems.invalid_entity("No entity data or label provided.")
    data = dict(existing[1]) if existing else {}
    for key, value in (body.get("data") or {}).items():
        if not isinstance(value, str):
            raise entity_problems.invalid_data_type(key, "string")
        if key not in names:
            raise entity_problems.invalid_entity(
                f"You specified the dataset property [{key}] which does not exist.")
        data[key] = value
    received = dict(body.get("data") or {})
    if body.get("label") is not None:
        received["label"] = body["label"]
    assert label is not None
    return uuid, label, data, received


def _actor(ctx: Context, actor_id: int | None) -> dict[str, Any] | None:
    from sandbox.central.records import actor_json

    row = ctx.store.one("SELECT * FROM actors WHERE id = ?", (actor_id,)) if actor_id else None
    return actor_json(row) if row else None


def def_json(ctx: Context, row: sqlite3.Row, with_data: bool, names: list[str] | None = None,
             extended: bool = False) -> dict[str, Any]:
    """An entity def as Entity.Def#forApi (data only where Central selects it)."""
    out: dict[str, Any] = {
        "current": bool(row["current"]), "label": row["label"], "creatorId": row["creator_id"],
        "userAgent": row["user_agent"], "version": row["version"],
        "baseVersion": row["base_version"],
        "conflictingProperties": json.loads(row["conflicting_properties"])
        if row["conflicting_properties"] else None,
        "createdAt": iso(row["created_at"]), "branchId": None, "trunkVersion": None,
        "branchBaseVersion": None}
    if with_data:
        data = json.loads(row["data"])
        out["data"] = {k: v for k, v in data.items() if names is None or k in names}
        out["dataReceived"] = json.loads(row["data_received"])
    if extended:
        out["creator"] = _actor(ctx, row["creator_id"])
    return out


def entity_json(ctx: Context, entity: sqlite3.Row, with_data: bool,
                names: list[str] | None = None, extended: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "uuid": entity["uuid"], "creatorId": entity["creator_id"],
        "conflict": entity["conflict"], "createdAt": iso(entity["created_at"]),
        "updatedAt": iso(entity["updated_at"]), "deletedAt": iso(entity["deleted_at"]),
        "currentVersion": def_json(ctx, current_def(None, ctx, entity["id"]), with_data, names,
                                   extended)}
    if extended:
        out["creator"] = _actor(ctx, entity["creator_id"])
    return out


def versions_json(ctx: Context, entity: sqlite3.Row, names: list[str], extended: bool
                  ) -> list[dict[str, Any]]:
    """Central's getWithConflictDetails for versions made without offline branches."""
    defs = ctx.store.all("SELECT * FROM entity_defs WHERE entity_id = ? ORDER BY version",
                         (entity["id"],))
    out: list[dict[str, Any]] = []
    last_good = 0
    relevant_bases: set[int] = set()

    def snapshot(d: sqlite3.Row) -> dict[str, str]:
        return {**json.loads(d["data"]), "label": d["label"]}

    for d in defs:
        v = def_json(ctx, d, True, names if d["current"] else None, extended)
        v.update({"source": json.loads(d["source"]), "conflict": None, "resolved": False,
                  "baseDiff": [], "serverDiff": [], "lastGoodVersion": False})
        if d["version"] > 1:
            received = json.loads(d["data_received"])
            base = snapshot(defs[d["base_version"] - 1]) if d["base_version"] else {}
            prev = snapshot(defs[d["version"] - 2])
            v["baseDiff"] = [k for k in received if k not in base or received[k] != base[k]]
            v["serverDiff"] = [k for k in received if k not in prev or received[k] != prev[k]]
            if d["version"] != (d["base_version"] or 0) + 1:
                v["conflict"] = "hard" if v["conflictingProperties"] else "soft"
                v["resolved"] = entity["conflict"] is None
                if not v["resolved"] and last_good == 0:
                    last_good = d["version"] - 1
                    out[d["version"] - 2]["lastGoodVersion"] = True
            if last_good > 0:
                relevant_bases.add(d["base_version"])
        out.append(v)
    for v in out:
        v["relevantToConflict"] = last_good > 0 and (v["version"] >= last_good or
                                                     v["version"] in relevant_bases)
    if last_good == 0 and out:
        out[-1]["lastGoodVersion"] = True
    return out
