"""Accepting submissions: find the form version, parse once, store the OData row, attachments."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from sandbox.central import problems
from sandbox.central.auth import Auth, can_use_form
from sandbox.central.clock import iso
from sandbox.central.context import Context
from sandbox.central.instance import Instance, Schema, build_row
from sandbox.central.records import bump, fields_of, form_or_404
from sandbox.central.router import Request
from sandbox.common.multipart import Part


def form_for_submission(ctx: Context, project_id: int, inst: Instance,
                        xml_form_id: str | None = None) -> tuple[sqlite3.Row, sqlite3.Row]:
    """The form and published def named by the root's `id` and `version`, as Central finds it."""
    form = ctx.store.one("SELECT * FROM forms WHERE project_id = ? AND xml_form_id = ?",
                         (project_id, xml_form_id or inst.xml_form_id))
    if form is None or form["current_def_id"] is None:
        raise problems.not_found()
    defn = ctx.store.one("SELECT * FROM form_defs WHERE form_id = ? AND version = ? AND "
                         "published_at IS NOT NULL ORDER BY id DESC LIMIT 1",
                         (form["id"], inst.version))
    if defn is None:
        raise problems.form_version_not_found(inst.version)
    if form["state"] not in ("open", "closing"):
        raise problems.not_accepting_submissions()
    return form, defn


def check_can_submit(ctx: Context, auth: Auth, form: sqlite3.Row) -> None:
    if not can_use_form(ctx, auth, form["id"]):
        raise problems.insufficient_rights()


def existing(ctx: Context, form_id: int, instance_id: str) -> sqlite3.Row | None:
    return ctx.store.one("SELECT * FROM submissions WHERE form_id = ? AND draft = 0 AND "
                         "instance_id = ?", (form_id, instance_id))


def admin_submission_or_404(ctx: Context, req: Request) -> tuple[sqlite3.Row, sqlite3.Row]:
    """The form and the live submission a `…/submissions/{instanceId}` path names (admins only)."""
    assert req.auth is not None
    form = form_or_404(ctx, req.params["projectId"], req.params["xmlFormId"])
    req.auth.require_admin()
    row = existing(ctx, form["id"], req.params["instanceId"])
    if row is None or row["deleted_at"] is not None:
        raise problems.not_found()
    return form, row


def stamp(db: sqlite3.Connection, submission_id: int, form_id: int) -> None:
    """Move the submission's event stamp (what feed ETags hash) and the form's data version."""
    db.execute("UPDATE submissions SET event = (SELECT COALESCE(MAX(event), 0) + 1 FROM "
               "submissions) WHERE id = ?", (submission_id,))
    bump(db, form_id)


def _store_files(db: sqlite3.Connection, submission_id: int, def_id: int, expected: list[str],
                 files: list[Part]) -> None:
    for name in expected:
        db.execute("INSERT OR IGNORE INTO submission_attachments (submission_id, def_id, name) "
                   "VALUES (?, ?, ?)", (submission_id, def_id, name))
    for part in files:
        name = part.filename if part.filename in expected else part.name
        if name in expected:
            db.execute("UPDATE submission_attachments SET content = ?, content_type = ? "
                       "WHERE def_id = ? AND name = ?",
                       (part.data, part.content_type, def_id, name))


def _insert_def(db: sqlite3.Connection, submission_id: int, form_id: int, defn: sqlite3.Row,
                inst: Instance, auth: Auth, device_id: str | None, user_agent: str | None,
                now: str, root: bool) -> int:
    cur = db.execute(
        "INSERT INTO submission_defs (submission_id, form_id, instance_id, form_def_id, xml, "
        "instance_name, submitter_id, device_id, user_agent, created_at, root, current, "
        "local_key, enc_data_attachment_name, signature) VALUES (?,?,?,?,?,?,?,?,?,?,?,1,?,?,?)",
        (submission_id, form_id, inst.instance_id, defn["id"], inst.xml, inst.instance_name,
         auth.actor_id, device_id, user_agent, now, 1 if root else None, inst.local_key,
         inst.enc_data_attachment_name, inst.signature))
    assert cur.lastrowid is not None
    return cur.lastrowid


def _clip(text: str | None) -> str | None:
    return (text or None) and text[:255]


def any_def(ctx: Context, form_id: int, instance_id: str) -> sqlite3.Row | None:
    """Any version (current or not) of any submission with this instanceID, as Central looks."""
    return ctx.store.one("SELECT d.*, s.deleted_at FROM submission_defs d JOIN submissions s "
                         "ON s.id = d.submission_id WHERE d.form_id = ? AND d.instance_id = ? "
                         "AND s.draft = 0", (form_id, instance_id))


def _odata(defn: sqlite3.Row, inst: Instance) -> tuple[str, list[str]]:
    if inst.encrypted:
        # Central cannot read a sealed submission: its OData row is `__id` and `__system` only,
        # and it expects the sealed media named in the manifest, then the sealed XML.
        names = [*inst.media, (inst.enc_data_attachment_name or "").strip()]
        return "{}", list(dict.fromkeys(n for n in names if n))
    row, expected = build_row(Schema(fields_of(defn)), inst)
    return json.dumps(row, ensure_ascii=False, separators=(",", ":")), sorted(set(expected))


def create(ctx: Context, auth: Auth, form: sqlite3.Row, defn: sqlite3.Row, inst: Instance,
           files: list[Part], device_id: str | None, user_agent: str | None) -> int:
    """Insert a new submission with its OData row computed now, never at read time."""
    odata, expected = _odata(defn, inst)
    now = ctx.now()
    with ctx.store.write() as db:
        taken = db.execute("SELECT 1 FROM submission_defs WHERE form_id = ? AND instance_id = ?",
                           (form["id"], inst.instance_id)).fetchone()
        if taken:
            raise problems.uniqueness_violation("instanceID", inst.instance_id)
        cur = db.execute(
            "INSERT INTO submissions (form_id, instance_id, form_def_id, submitter_id, "
            "device_id, user_agent, instance_name, created_at, xml, odata, "
            "attachments_expected) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (form["id"], inst.instance_id, defn["id"], auth.actor_id, _clip(device_id),
             _clip(user_agent), inst.instance_name, now, inst.xml, odata, len(expected)))
        submission_id = cur.lastrowid
        assert submission_id is not None
        def_id = _insert_def(db, submission_id, form["id"], defn, inst, auth,
                             _clip(device_id), _clip(user_agent), now, root=True)
        db.execute("UPDATE submissions SET current_def_id = ? WHERE id = ?",
                   (def_id, submission_id))
        _store_files(db, submission_id, def_id, expected, files)
        stamp(db, submission_id, form["id"])
    if ctx.entity_worker is not None:
        # Central's worker makes entities from the submission.create event a moment later.
        ctx.entity_worker.enqueue(submission_id, "submission.create", auth.actor_id)
    return submission_id


def create_version(ctx: Context, auth: Auth, form: sqlite3.Row, defn: sqlite3.Row,
                   deprecated: sqlite3.Row, inst: Instance, files: list[Part],
                   device_id: str | None, user_agent: str | None) -> None:
    """An edit: the deprecated version stops being current, the new one takes its place.

    As Central's createVersion: the logical submission keeps its id and its root's
    submitter, its reviewState becomes `edited` and updatedAt moves; files the new version
    expects under the same name are carried over from the deprecated version.
    """
    odata, expected = _odata(defn, inst)
    now = ctx.now()
    with ctx.store.write() as db:
        if db.execute("SELECT 1 FROM submission_defs WHERE form_id = ? AND instance_id = ?",
                      (form["id"], inst.instance_id)).fetchone():
            raise problems.uniqueness_violation("instanceID", inst.instance_id)
        sub_id = deprecated["submission_id"]
        db.execute("UPDATE submission_defs SET current = 0 WHERE submission_id = ?", (sub_id,))
        def_id = _insert_def(db, sub_id, form["id"], defn, inst, auth, _clip(device_id),
                             _clip(user_agent), now, root=False)
        db.execute("UPDATE submissions SET review_state = 'edited', updated_at = ?, xml = ?, "
                   "odata = ?, attachments_expected = ?, current_def_id = ?, edits = edits + 1 "
                   "WHERE id = ?", (now, inst.xml, odata, len(expected), def_id, sub_id))
        _store_files(db, sub_id, def_id, expected, [])
        db.execute("UPDATE submission_attachments SET content = (SELECT o.content FROM "
                   "submission_attachments o WHERE o.def_id = ? AND o.name = "
                   "submission_attachments.name), content_type = (SELECT o.content_type FROM "
                   "submission_attachments o WHERE o.def_id = ? AND o.name = "
                   "submission_attachments.name) WHERE def_id = ?",
                   (deprecated["id"], deprecated["id"], def_id))
        _store_files(db, sub_id, def_id, expected, files)
        stamp(db, sub_id, form["id"])


def add_files(ctx: Context, version: sqlite3.Row, files: list[Part]) -> None:
    """An identical OpenRosa resubmission may bring media that was missing before."""
    expected = [r["name"] for r in ctx.store.all(
        "SELECT name FROM submission_attachments WHERE def_id = ?", (version["id"],))]
    with ctx.store.write() as db:
        _store_files(db, version["submission_id"], version["id"], expected, files)
        stamp(db, version["submission_id"], version["form_id"])


def version_json(row: sqlite3.Row, form_version: str | None = None) -> dict[str, Any]:
    """One submission def as Central's SubmissionVersion."""
    out: dict[str, Any] = {
        "instanceId": row["instance_id"], "instanceName": row["instance_name"],
        "submitterId": row["submitter_id"], "deviceId": row["device_id"],
        "userAgent": row["user_agent"], "createdAt": iso(row["created_at"]),
        "current": bool(row["current"])}
    if form_version is not None:
        out["formVersion"] = form_version
    return out


def submission_json(ctx: Context, row: sqlite3.Row, extended: bool) -> dict[str, Any]:
    current = ctx.store.one("SELECT * FROM submission_defs WHERE id = ?",
                            (row["current_def_id"],))
    out: dict[str, Any] = {
        "instanceId": row["instance_id"], "submitterId": row["submitter_id"],
        "deviceId": row["device_id"], "userAgent": row["user_agent"],
        "reviewState": row["review_state"], "createdAt": iso(row["created_at"]),
        "updatedAt": iso(row["updated_at"]), "deletedAt": iso(row["deleted_at"]),
        "currentVersion": version_json(current) if current is not None else None}
    if extended:
        from sandbox.central.records import actor_json

        actor = ctx.store.one("SELECT * FROM actors WHERE id = ?", (row["submitter_id"],))
        out["submitter"] = actor_json(actor) if actor else None
    return out
