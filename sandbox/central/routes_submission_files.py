"""A submission's media: list, download (ETag, `If-None-Match`), upload and clear, per version."""

from __future__ import annotations

import hashlib
import mimetypes
import sqlite3
from urllib.parse import quote

from sandbox.central import problems
from sandbox.central.context import Context
from sandbox.central.router import Request, Response, Router, json_response, success
from sandbox.central.submissions_logic import admin_submission_or_404, stamp

_INLINE = ("image/jpeg", "image/png", "image/gif")


def _attachment(ctx: Context, def_id: int, name: str) -> sqlite3.Row:
    row = ctx.store.one("SELECT * FROM submission_attachments WHERE def_id = ? AND name = ?",
                        (def_id, name))
    if row is None:
        raise problems.not_found()
    return row


def _blob(req: Request, row: sqlite3.Row) -> Response:
    """Central's blobResponse for a database blob: strong md5 ETag, no Range support."""
    if row["content"] is None:
        raise problems.not_found()
    content = bytes(row["content"])
    tag = hashlib.md5(content).hexdigest()
    headers = [("ETag", f'"{tag}"')]
    if req.header("if-none-match") in (f'"{tag}"', f'W/"{tag}"'):
        return Response(304, b"", headers)
    ctype = row["content_type"] or "application/octet-stream"
    disposition = "inline" if ctype in _INLINE else "attachment"
    name = row["name"]
    headers += [("Content-Type", ctype),
                ("Content-Disposition", f'{disposition}; filename="{name}"; '
                 f"filename*=UTF-8''{quote(name, safe='')}")]
    return Response(200, content, headers)


def register(router: Router, ctx: Context) -> None:
    def listing(req: Request) -> Response:
        _, sub = admin_submission_or_404(ctx, req)
        rows = ctx.store.all("SELECT name, content IS NOT NULL AS present FROM "
                             "submission_attachments WHERE def_id = ? ORDER BY name",
                             (sub["current_def_id"],))
        return json_response([{"name": r["name"], "exists": bool(r["present"])} for r in rows])

    def download(req: Request) -> Response:
        _, sub = admin_submission_or_404(ctx, req)
        return _blob(req, _attachment(ctx, sub["current_def_id"], req.params["name"]))

    def upload(req: Request) -> Response:
        form, sub = admin_submission_or_404(ctx, req)
        name = req.params["name"]
        _attachment(ctx, sub["current_def_id"], name)
        ctype = req.header("content-type") or mimetypes.guess_type(name)[0] or \
            "application/octet-stream"
        with ctx.store.write() as db:
            db.execute("UPDATE submission_attachments SET content = ?, content_type = ? WHERE "
                       "def_id = ? AND name = ?", (req.body, ctype, sub["current_def_id"], name))
            stamp(db, sub["id"], form["id"])
        return success()

    def clear(req: Request) -> Response:
        form, sub = admin_submission_or_404(ctx, req)
        name = req.params["name"]
        _attachment(ctx, sub["current_def_id"], name)
        with ctx.store.write() as db:
            db.execute("UPDATE submission_attachments SET content = NULL, content_type = NULL "
                       "WHERE def_id = ? AND name = ?", (sub["current_def_id"], name))
            stamp(db, sub["id"], form["id"])
        return success()

    def version_listing(req: Request) -> Response:
        version = _version(req)
        rows = ctx.store.all("SELECT name, content IS NOT NULL AS present FROM "
                             "submission_attachments WHERE def_id = ? ORDER BY name",
                             (version["id"],))
        return json_response([{"name": r["name"], "exists": bool(r["present"])} for r in rows])

    def version_download(req: Request) -> Response:
        return _blob(req, _attachment(ctx, _version(req)["id"], req.params["name"]))

    def _version(req: Request) -> sqlite3.Row:
        _, sub = admin_submission_or_404(ctx, req)
        found = ctx.store.one("SELECT * FROM submission_defs WHERE submission_id = ? AND "
                              "instance_id = ?", (sub["id"], req.params["versionId"]))
        if found is None:
            raise problems.not_found()
        return found

    base = (r"/projects/(?P<projectId>[^/]+)/forms/(?P<xmlFormId>[^/]+)/submissions/"
            r"(?P<instanceId>[^/]+)")
    router.add("GET", base + "/attachments", listing)
    router.add("GET", base + r"/attachments/(?P<name>[^/]+)", download)
    router.add("POST", base + r"/attachments/(?P<name>[^/]+)", upload)
    router.add("DELETE", base + r"/attachments/(?P<name>[^/]+)", clear)
    router.add("GET", base + r"/versions/(?P<versionId>[^/]+)/attachments", version_listing)
    router.add("GET", base + r"/versions/(?P<versionId>[^/]+)/attachments/(?P<name>[^/]+)",
               version_download)
