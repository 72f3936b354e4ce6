"""The entity worker: a moment after a submission is accepted, make or update its entities."""

from __future__ import annotations

import json
import sqlite3
import threading
from typing import Any

from sandbox.central import entity_problems, problems
from sandbox.central.context import Context
from sandbox.central.entities_logic import (
    current_def,
    find_entity,
    insert_entity,
    insert_version,
    normalize_uuid,
)
from sandbox.common.xml_safety import children, local, parse_xml

TRUE = ("1", "true")  # Central's test for the create and update attributes


class EntityWorker:
    """Runs queued submission events on a thread after `delay` seconds, as Central's worker."""

    def __init__(self, ctx: Context, delay: float = 0.2) -> None:
        self.ctx, self.delay = ctx, delay
        self._lock = threading.Lock()  # one event runs at a time, worker or drain
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def enqueue(self, submission_id: int, action: str, actor_id: int | None,
                review_state: str | None = None) -> None:
        with self.ctx.store.write() as db:
            db.execute("INSERT INTO entity_queue (submission_id, action, review_state, "
                       "actor_id, created_at) VALUES (?, ?, ?, ?, ?)",
                       (submission_id, action, review_state, actor_id, self.ctx.now()))
        self._wake.set()

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="entity-worker")
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(timeout=1.0)
            self._wake.clear()
            if self._stop.wait(self.delay):  # Central's worker picks events up a moment later
                return
            self.drain()

    def drain(self) -> int:
        """Run every queued event now; returns how many ran."""
        ran = 0
        with self._lock:
            while True:
                event = self.ctx.store.one("SELECT * FROM entity_queue WHERE processed_at IS "
                                           "NULL ORDER BY id LIMIT 1")
                if event is None:
                    return ran
                self._run(event)
                ran += 1

    def _run(self, event: sqlite3.Row) -> None:
        try:
            with self.ctx.store.write() as db:
                process(db, self.ctx, event)
                db.execute("UPDATE entity_queue SET processed_at = ? WHERE id = ?",
                           (self.ctx.now(), event["id"]))
        except problems.Problem as err:
            # Central rolls the event's work back and logs an entity.error audit instead.
            with self.ctx.store.write() as db:
                db.execute("INSERT INTO entity_errors (submission_id, message, code, details, "
                           "logged_at) VALUES (?,?,?,?,?)",
                           (event["submission_id"], err.message, err.code,
                            json.dumps(err.details), self.ctx.now()))
                db.execute("UPDATE entity_queue SET processed_at = ? WHERE id = ?",
                           (self.ctx.now(), event["id"]))


def _entity_data(xml: bytes, decl: sqlite3.Row, props: list[sqlite3.Row]
                 ) -> list[dict[str, Any]]:
    """Central's submissionXmlToEntityData: attributes, label and saved values per entity."""
    root = parse_xml(xml)
    if root is None:
        return []
    scopes = [root]
    for part in [p for p in decl["path"].split("/") if p]:
        scopes = [c for s in scopes for c in children(s) if local(c) == part]
    prefix = decl["path"].rstrip("/")
    out = []
    for scope in scopes:
        meta = next((c for c in children(scope) if local(c) == "meta"), None)
        entity = next((c for c in children(meta) if local(c) == "entity"), None) \
            if meta is not None else None
        if entity is None:
            continue
        system = {str(k).split("}")[-1]: v for k, v in entity.attrib.items()}
        label_el = next((c for c in children(entity) if local(c) == "label"), None)
        system["label"] = "".join(label_el.itertext()) if label_el is not None else None
        data: dict[str, str] = {}
        for prop in props:
            node: Any = scope
            for part in prop["path"][len(prefix):].strip("/").split("/"):
                node = next((c for c in children(node) if local(c) == part), None)
                if node is None:
                    break
            if node is not None:
                data[prop["name"]] = "".join(node.itertext())
        out.append({"system": system, "data": data})
    return out


def process(db: sqlite3.Connection, ctx: Context, event: sqlite3.Row) -> None:
    """Central's _processSubmissionEvent for one queued event."""
    sub = db.execute("SELECT * FROM submissions WHERE id = ?", (event["submission_id"],)
                     ).fetchone()
    if sub is None or sub["draft"] or sub["deleted_at"] is not None:
        return
    if db.execute("SELECT 1 FROM entity_defs WHERE submission_id = ?", (sub["id"],)).fetchone():
        return  # this submission already made or changed an entity
    decls = db.execute("SELECT f.*, d.name, d.approval_required, d.project_id FROM "
                       "dataset_form_defs f JOIN datasets d ON d.id = f.dataset_id WHERE "
                       "f.form_def_id = ? AND d.published_at IS NOT NULL",
                       (sub["form_def_id"],)).fetchall()
    for decl in decls:
        props = db.execute("SELECT p.name, f.path FROM ds_property_fields f JOIN ds_properties "
                           "p ON p.id = f.property_id WHERE f.form_def_id = ? AND "
                           "p.dataset_id = ?", (sub["form_def_id"], decl["dataset_id"])
                           ).fetchall()
        for item in _entity_data(bytes(sub["xml"]), decl, props):
            _apply(db, ctx, event, sub, decl, item)


def _apply(db: sqlite3.Connection, ctx: Context, event: sqlite3.Row, sub: sqlite3.Row,
           decl: sqlite3.Row, item: dict[str, Any]) -> None:
    system = item["system"]
    name = (system.get("dataset") or "").strip()
    if not name:
        raise problems.missing_parameter("dataset")
    if name != decl["name"]:
        raise entity_problems.dataset_not_found(name)
    permitted = json.loads(decl["actions"])
    for action in ("create", "update"):
        if system.get(action) in TRUE and action not in permitted:
            raise entity_problems.action_not_permitted(action, permitted)
    wants_create = system.get("create") in TRUE
    if system.get("update") in TRUE:
        try:
            _update(db, ctx, event, sub, decl, item)
        except problems.Problem as err:
            retry = err.code == 404.8 or (err.code == 400.2 and isinstance(err.details, dict)
                                          and err.details.get("field") == "baseVersion")
            if not (retry and wants_create):
                raise
            _create(db, ctx, event, sub, decl, item)
    elif wants_create:
        _create(db, ctx, event, sub, decl, item)


def _source(sub: sqlite3.Row) -> dict[str, Any]:
    return {"submission": {"instanceId": sub["instance_id"]}}


def _create(db: sqlite3.Connection, ctx: Context, event: sqlite3.Row, sub: sqlite3.Row,
            decl: sqlite3.Row, item: dict[str, Any]) -> None:
    approved = event["review_state"] == "approved"
    if (decl["approval_required"] and not approved) or \
            (not decl["approval_required"] and event["action"] == "submission.update"):
        return
    uuid = normalize_uuid(item["system"].get("id"))
    label = item["system"].get("label")
    if not label or not label.strip():
        raise problems.missing_parameter("label")
    if find_entity(db, ctx, decl["dataset_id"], uuid) is not None:
        raise problems.uniqueness_violation(["uuid"], [uuid])
    insert_entity(db, ctx, decl["dataset_id"], uuid, label, item["data"], sub["submitter_id"],
                  sub["user_agent"], _source(sub), sub["id"])


def _update(db: sqlite3.Connection, ctx: Context, event: sqlite3.Row, sub: sqlite3.Row,
            decl: sqlite3.Row, item: dict[str, Any]) -> None:
    if event["action"] != "submission.create":
        return
    system, data = item["system"], item["data"]
    uuid = normalize_uuid(system.get("id"))
    label = system.get("label") if (system.get("label") or "").strip() else None
    base_text = (system.get("baseVersion") or "").strip()
    if not base_text:
        raise problems.missing_parameter("baseVersion")
    if not base_text.isdigit():
        raise entity_problems.invalid_data_type("baseVersion", "integer")
    base_version = int(base_text)
    entity = find_entity(db, ctx, decl["dataset_id"], uuid)
    if entity is None:
        if find_entity(db, ctx, decl["dataset_id"], uuid, deleted=True) is not None:
            raise entity_problems.entity_deleted(uuid)
        raise entity_problems.entity_not_found(uuid, decl["name"])
    base = db.execute("SELECT * FROM entity_defs WHERE entity_id = ? AND version = ?",
                      (entity["id"], base_version)).fetchone()
    if base is None:
        raise entity_problems.version_not_found(base_version, uuid, decl["name"])
    server = current_def(db, ctx, entity["id"])
    received = {**data, **({"label": label} if label else {})}
    conflict, conflicting = entity["conflict"], None
    if base["version"] != server["version"]:
        # What changed on the server since the base, compared with what this submission sets.
        server_data, base_data = json.loads(server["data"]), json.loads(base["data"])
        diff = {k: v for k, v in server_data.items() if k not in base_data or
                base_data[k] != v}
        if server["label"] != base["label"]:
            diff["label"] = server["label"]
        conflicting = [k for k in received if k in diff and received[k] != diff[k]]
        if conflict != "hard":
            conflict = "hard" if conflicting else "soft"
    merged = {**json.loads(server["data"]), **data}
    insert_version(db, ctx, entity, label or server["label"], merged, received,
                   base["version"], conflict, conflicting, sub["submitter_id"],
                   sub["user_agent"], _source(sub), sub["id"])
