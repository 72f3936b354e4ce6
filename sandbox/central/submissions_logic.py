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


def _store_files(db: sqlite3.Connection, submission_id: int, expected: list[str],
                 files: list[Part]) -> None:
    for name in expected:
        db.execute("INSERT OR IGNORE INTO submission_attachments (submission_id, name) "
                   "VALUES (?, ?)", (submission_id, name))
    for part in files:
        name = part.filename if part.filename in expected else part.name
        if name in expected:
            db.execute("UPDATE submission_attachments SET content = ?, content_type = ? "
                       "WHERE submission_id = ? AND name = ?",
                       (part.data, part.content_type, submission_id, name))


def create(ctx: Context, auth: Auth, form: sqlite3.Row, defn: sqlite3.Row, inst: Instance,
           files: list[Part], device_id: str | None, user_agent: str | None) -> int:
    """Insert a new submission with its OData row computed now, never at read time."""
    row, expected = build_row(Schema(fields_of(defn)), inst)
    with ctx.store.write() as db:
        taken = db.execute("SELECT 1 FROM submissions WHERE form_id = ? AND draft = 0 AND "
                           "instance_id = ?", (form["id"], inst.instance_id)).fetchone()
        if taken:
            raise problems.uniqueness_violation("instanceID", inst.instance_id)
        cur = db.execute(
            "INSERT INTO submissions (form_id, instance_id, form_def_id, submitter_id, "
            "device_id, user_agent, instance_name, created_at, xml, odata, "
            "attachments_expected) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (form["id"], inst.instance_id, defn["id"], auth.actor_id,
             (device_id or None) and device_id[:255], (user_agent or None) and user_agent[:255],
             inst.instance_name, ctx.now(), inst.xml,
             json.dumps(row, ensure_ascii=False, separators=(",", ":")), len(set(expected))))
        submission_id = cur.lastrowid
        assert submission_id is not None
        _store_files(db, submission_id, sorted(set(expected)), files)
        bump(db, form["id"])
    if ctx.entity_worker is not None:
        # Central's worker makes entities from the submission.create event a moment later.
        ctx.entity_worker.enqueue(submission_id, "submission.create", auth.actor_id)
    return submission_id


def add_files(ctx: Context, submission: sqlite3.Row, files: list[Part]) -> None:
    """An identical OpenRosa resubmission may bring media that was missing before."""
    expected = [r["name"] for r in ctx.store.all(
        "SELECT name FROM submission_attachments WHERE submission_id = ?", (submission["id"],))]
    with ctx.store.write() as db:
        _store_files(db, submission["id"], expected, files)
        bump(db, submission["form_id"])


def submission_json(ctx: Context, row: sqlite3.Row, extended: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "instanceId": row["instance_id"], "submitterId": row["submitter_id"],
        "deviceId": row["device_id"], "userAgent": row["user_agent"],
        "reviewState": row["review_state"], "createdAt": iso(row["created_at"]),
        "updatedAt": iso(row["updated_at"]), "deletedAt": iso(row["deleted_at"]),
        "currentVersion": {
            "instanceId": row["instance_id"], "instanceName": row["instance_name"],
            "submitterId": row["submitter_id"], "deviceId": row["device_id"],
            "userAgent": row["user_agent"], "createdAt": iso(row["created_at"]),
            "current": True}}
    if extended:
        from sandbox.central.records import actor_json

        actor = ctx.store.one("SELECT * FROM actors WHERE id = ?", (row["submitter_id"],))
        out["submitter"] = actor_json(actor) if actor else None
    return out
