"""Form routes: list, create, definition downloads, fields, drafts, versions and media."""

from __future__ import annotations

import hashlib
import sqlite3
from typing import Any

from sandbox.central import problems
from sandbox.central.auth import can_use_form
from sandbox.central.clock import iso
from sandbox.central.context import Context
from sandbox.central.entity_csv import attachment_response
from sandbox.central.forms_logic import create_form, new_draft, publish_draft
from sandbox.central.records import (
    def_or_404,
    extended_form_json,
    fields_of,
    form_json,
    form_or_404,
    project_or_404,
    shown_def,
)
from sandbox.central.router import Request, Response, Router, json_response, success, xml_response
from sandbox.central.xforms import odata_fields

_BASE = r"/projects/(?P<projectId>[^/]+)/forms/(?P<xmlFormId>[^/]+?)"
_VERSION = _BASE + r"/versions/(?P<version>[^/]+?)"


def _attachment_json(row: sqlite3.Row, linked: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"name": row["name"], "type": row["type"],
                           "exists": row["content"] is not None or linked,
                           "blobExists": row["content"] is not None, "datasetExists": linked}
    if row["md5"] is not None:
        out["hash"] = row["md5"]
    if row["updated_at"] is not None:
        out["updatedAt"] = iso(row["updated_at"])
    if row["content"] is not None:
        out["size"] = len(row["content"])
    return out


def _which(req: Request) -> str:
    """Which definition a route reads: the draft, one published version, or the current one."""
    if "version" in req.params:
        return "version"
    return req.params.get("which", "any")


def register(router: Router, ctx: Context) -> None:
    def extended(req: Request) -> bool:
        return (req.header("x-extended-metadata") or "").lower() == "true"

    def readable(req: Request, which: str = "any") -> tuple[sqlite3.Row, sqlite3.Row]:
        """The form and the def a route shows, after Central's canReadForm check."""
        assert req.auth is not None
        form = form_or_404(ctx, req.params["projectId"], req.params["xmlFormId"])
        if which == "draft":
            defn = def_or_404(ctx, form["draft_def_id"])
        elif which == "version":
            # Central: /versions/{version}/… reads one published version, by its version string.
            found = ctx.store.one(
                "SELECT * FROM form_defs WHERE form_id = ? AND version = ? AND published_at IS "
                "NOT NULL ORDER BY id DESC", (form["id"], req.params["version"]))
            defn = def_or_404(ctx, found["id"] if found else None)
        else:
            found = shown_def(ctx, form)
            defn = def_or_404(ctx, found["id"] if found else None)
        if not req.auth.is_admin and (defn["published_at"] is None or
                                      not can_use_form(ctx, req.auth, form["id"])):
            raise problems.insufficient_rights()
        return form, defn

    def list_forms(req: Request) -> Response:
        assert req.auth is not None
        project = project_or_404(ctx, req.params["projectId"])
        req.auth.require_admin()
        forms = ctx.store.all("SELECT * FROM forms WHERE project_id = ? ORDER BY xml_form_id",
                              (project["id"],))
        return json_response([extended_form_json(ctx, f, shown_def(ctx, f)) if extended(req)
                              else form_json(f, shown_def(ctx, f)) for f in forms])

    def create(req: Request) -> Response:
        assert req.auth is not None
        project = project_or_404(ctx, req.params["projectId"])
        req.auth.require_admin()
        form_id = create_form(ctx, req, project["id"], req.auth.actor_id)
        form = ctx.store.one("SELECT * FROM forms WHERE id = ?", (form_id,))
        assert form is not None
        return json_response(form_json(form, shown_def(ctx, form)))

    def get_form(req: Request) -> Response:
        form, defn = readable(req)
        return json_response(extended_form_json(ctx, form, defn) if extended(req)
                             else form_json(form, defn))

    def form_xml(req: Request) -> Response:
        _, defn = readable(req, _which(req))
        return xml_response(defn["xml"])

    def fields(req: Request) -> Response:
        _, defn = readable(req, _which(req))
        found = fields_of(defn)
        return json_response(odata_fields(found) if req.flag("odata") else found)

    def get_form_version(req: Request) -> Response:
        form, defn = readable(req, "version")
        return json_response(form_json(form, defn))

    def get_draft(req: Request) -> Response:
        form, defn = readable(req, "draft")
        return json_response(extended_form_json(ctx, form, defn) if extended(req)
                             else form_json(form, defn))

    def post_draft(req: Request) -> Response:
        assert req.auth is not None
        form = form_or_404(ctx, req.params["projectId"], req.params["xmlFormId"])
        req.auth.require_admin()
        new_draft(ctx, req, form)
        return success()

    def publish(req: Request) -> Response:
        assert req.auth is not None
        form = form_or_404(ctx, req.params["projectId"], req.params["xmlFormId"])
        req.auth.require_admin()
        publish_draft(ctx, form, req.query.get("version") or None)
        return success()

    def versions(req: Request) -> Response:
        form, _ = readable(req)
        defs = ctx.store.all("SELECT * FROM form_defs WHERE form_id = ? AND published_at IS NOT "
                             "NULL ORDER BY published_at DESC, id DESC", (form["id"],))
        return json_response([form_json(form, d) for d in defs])

    def attachments(req: Request) -> Response:
        _, defn = readable(req, _which(req))
        rows = ctx.store.all("SELECT * FROM form_attachments WHERE form_def_id = ? ORDER BY "
                             "name", (defn["id"],))
        linked = {r["name"] for r in ctx.store.all(
            "SELECT name FROM attachment_datasets WHERE form_def_id = ?", (defn["id"],))}
        return json_response([_attachment_json(r, r["name"] in linked) for r in rows])

    def attachment(req: Request) -> Response:
        _, defn = readable(req, _which(req))
        row = ctx.store.one("SELECT * FROM form_attachments WHERE form_def_id = ? AND name = ?",
                            (defn["id"], req.params["name"]))
        if row is not None and row["content"] is None:
            from_list = attachment_response(ctx, req, defn["id"], row["name"])
            if from_list is not None:
                return from_list
        if row is None or row["content"] is None:
            raise problems.not_found()
        return Response(200, row["content"], [
            ("Content-Type", row["content_type"] or "application/octet-stream"),
            ("Content-Disposition", f'attachment; filename="{row["name"]}"'),
            ("ETag", f'"{row["md5"]}"')])

    def upload_attachment(req: Request) -> Response:
        assert req.auth is not None
        form = form_or_404(ctx, req.params["projectId"], req.params["xmlFormId"])
        req.auth.require_admin()
        defn = def_or_404(ctx, form["draft_def_id"])
        with ctx.store.write() as db:
            cur = db.execute("UPDATE form_attachments SET content = ?, content_type = ?, "
                             "md5 = ?, updated_at = ? WHERE form_def_id = ? AND name = ?",
                             (req.body, req.header("content-type") or "application/octet-stream",
                              hashlib.md5(req.body).hexdigest(), ctx.now(), defn["id"],
                              req.params["name"]))
            if cur.rowcount == 0:
                raise problems.not_found()
            # Central's FormAttachments.update: an uploaded file replaces any list link.
            db.execute("DELETE FROM attachment_datasets WHERE form_def_id = ? AND name = ?",
                       (defn["id"], req.params["name"]))
        return success()

    router.add("GET", r"/projects/(?P<projectId>[^/]+)/forms", list_forms)
    router.add("POST", r"/projects/(?P<projectId>[^/]+)/forms", create)
    router.add("GET", _BASE + r"/(?P<which>draft)\.xml", form_xml)
    router.add("GET", _BASE + r"\.xml", form_xml)
    router.add("GET", _BASE + r"/draft", get_draft)
    router.add("POST", _BASE + r"/draft", post_draft)
    router.add("POST", _BASE + r"/draft/publish", publish)
    router.add("GET", _BASE + r"/(?P<which>draft)/fields", fields)
    router.add("GET", _BASE + r"/(?P<which>draft)/attachments", attachments)
    router.add("GET", _BASE + r"/(?P<which>draft)/attachments/(?P<name>[^/]+)", attachment)
    router.add("POST", _BASE + r"/draft/attachments/(?P<name>[^/]+)", upload_attachment)
    router.add("GET", _VERSION + r"\.xml", form_xml)
    router.add("GET", _VERSION + r"/fields", fields)
    router.add("GET", _VERSION + r"/attachments", attachments)
    router.add("GET", _VERSION + r"/attachments/(?P<name>[^/]+)", attachment)
    router.add("GET", _VERSION, get_form_version)
    router.add("GET", _BASE + r"/fields", fields)
    router.add("GET", _BASE + r"/versions", versions)
    router.add("GET", _BASE + r"/attachments", attachments)
    router.add("GET", _BASE + r"/attachments/(?P<name>[^/]+)", attachment)
    router.add("GET", _BASE, get_form)
