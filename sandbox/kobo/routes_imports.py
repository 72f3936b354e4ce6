"""/api/v2/imports/: an XLSForm upload creates an asset or replaces one's content, in the background."""

from __future__ import annotations

import json
import re
import threading
from typing import Any

from sandbox.common.multipart import MultipartError, parse_multipart
from sandbox.kobo import assets
from sandbox.kobo.context import Context, new_uid, stamp
from sandbox.kobo.web import NOT_FOUND, Problem, Request, Response, Router, json_response
from sandbox.kobo.xlsform import ImportFailed, import_xlsform

_DESTINATION = re.compile(r"/api/v2/assets/(a[A-Za-z0-9]+)/?$")


def _run(ctx: Context, uid: str, data: bytes, filename: str, destination: str | None,
         name: str | None) -> None:
    """What KPI's celery task does: convert, then create or replace, then record the outcome."""
    messages: dict[str, Any]
    try:
        form = import_xlsform(data, filename)
    except ImportFailed as err:
        messages = {"error": str(err), "error_type": "PyXFormError"}
        status = "error"
    else:
        with ctx.store.write() as db:
            if destination is None:
                target = assets.create_asset(db, ctx, name=name or form.title,
                                             asset_type="survey", settings={})
                kind = "created"
            else:
                target, kind = destination, "updated"
            assets.replace_content(db, target, content=form.content, xlsx=data, xform=form.xform,
                                   name=name if destination else name or form.title)
        summary = {"row_count": len(form.content["survey"]), "columns": [], "labels": []}
        messages = {kind: [{"uid": target, "kind": "asset", "summary": summary,
                            "owner__username": ctx.username}]}
        status = "complete"
    with ctx.store.write() as db:
        db.execute("UPDATE imports SET status = ?, messages = ? WHERE uid = ?",
                   (status, json.dumps(messages), uid))


def register(router: Router, ctx: Context) -> None:
    def create(req: Request) -> Response:
        try:
            parts = {p.name: p for p in parse_multipart(req.headers.get("content-type", ""),
                                                       req.body)}
        except MultipartError as err:
            raise Problem.detail(400, "Multipart form parse error") from err
        upload = parts.get("file")
        if upload is None or not upload.data:
            raise Problem.invalid("file", "No file was submitted.")
        destination = None
        if "destination" in parts:
            found = _DESTINATION.search(parts["destination"].data.decode("utf-8").strip())
            if found is None:
                raise Problem.invalid("destination", "Invalid destination URL.")
            destination = assets.get_asset(ctx, found.group(1))["uid"]
        name = parts["name"].data.decode("utf-8") if "name" in parts else None
        uid = new_uid("i")
        with ctx.store.write() as db:
            db.execute("INSERT INTO imports (uid, owner, status, messages, date_created) "
                       "VALUES (?, ?, 'processing', '{}', ?)", (uid, ctx.username, stamp()))
        threading.Thread(target=_run, args=(ctx, uid, upload.data, upload.filename or "form.xlsx",
                                            destination, name),
                         daemon=True, name=f"kobo-import-{uid}").start()
        return json_response({"uid": uid, "url": f"{req.base}/api/v2/imports/{uid}/",
                              "status": "processing"}, 201)

    def retrieve(req: Request) -> Response:
        row = ctx.store.one("SELECT * FROM imports WHERE uid = ? AND owner = ?",
                            (req.params["uid"], ctx.username))
        if row is None:
            raise Problem.detail(404, NOT_FOUND)
        return json_response({"url": f"{req.base}/api/v2/imports/{row['uid']}/",
                              "status": row["status"], "messages": json.loads(row["messages"]),
                              "uid": row["uid"], "date_created": row["date_created"]})

    router.add("POST", "/api/v2/imports/", create)
    router.add("GET", r"/api/v2/imports/(?P<uid>i[A-Za-z0-9]+)/", retrieve)
