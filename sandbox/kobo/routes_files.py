"""/api/v2/assets/{uid}/files/: form media (CSV choice lists and the like) of an asset."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import mimetypes
from typing import Any

from sandbox.common.multipart import MultipartError, parse_multipart
from sandbox.kobo import assets
from sandbox.kobo.context import Context, new_uid, stamp
from sandbox.kobo.paging import page, window
from sandbox.kobo.routes_assets import UID
from sandbox.kobo.web import NOT_FOUND, Problem, Request, Response, Router, json_response

FILE_TYPES = ("map_layer", "form_media")
FILE = r"(?P<file>af[A-Za-z0-9]+)"


def _fields(req: Request) -> tuple[dict[str, Any], bytes | None]:
    """The form fields and the file content, from multipart or from JSON with base64Encoded."""
    if req.content_type.startswith("multipart/"):
        try:
            parts = parse_multipart(req.headers.get("content-type", ""), req.body)
        except MultipartError as err:
            raise Problem.detail(400, "Multipart form parse error") from err
        fields: dict[str, Any] = {p.name: p.data.decode("utf-8", "replace")
                                  for p in parts if p.name != "content"}
        content = next((p for p in parts if p.name == "content"), None)
        if content is not None and "metadata" not in fields and content.filename:
            fields["metadata"] = json.dumps({"filename": content.filename})
        return fields, content.data if content is not None else None
    body = req.json_body()
    if "base64Encoded" in body:
        try:
            encoded = str(body["base64Encoded"]).split(",")[-1]
            return body, base64.b64decode(encoded + "=" * (-len(encoded) % 4))
        except (binascii.Error, ValueError) as err:
            raise Problem.invalid("base64Encoded", "Invalid base64 content.") from err
    return body, None


def register(router: Router, ctx: Context) -> None:
    def get_file(asset_uid: str, file_uid: str) -> Any:
        row = ctx.store.one("SELECT * FROM files WHERE uid = ? AND asset_uid = ?",
                            (file_uid, asset_uid))
        if row is None:
            raise Problem.detail(404, NOT_FOUND)
        return row

    def listing(req: Request) -> Response:
        uid = assets.get_asset(ctx, req.params["uid"])["uid"]
        wanted = req.query.get("file_type")
        rows = [r for r in ctx.store.all("SELECT * FROM files WHERE asset_uid = ? "
                                         "ORDER BY date_created", (uid,))
                if wanted is None or r["file_type"] == wanted]
        start, limit = window(req)
        return json_response(page(req, len(rows), start, limit,
                                  [assets.file_json(r, req.base) for r in rows[start:start + limit]]))

    def create(req: Request) -> Response:
        uid = assets.get_asset(ctx, req.params["uid"])["uid"]
        fields, content = _fields(req)
        file_type = fields.get("file_type")
        if file_type not in FILE_TYPES:
            raise Problem.invalid("file_type", f'"{file_type}" is not a valid choice.')
        if "description" not in fields:
            raise Problem.invalid("description", "This field is required.")
        try:
            raw = fields.get("metadata") or "{}"
            metadata = json.loads(raw) if isinstance(raw, str) else raw
        except json.JSONDecodeError as err:
            raise Problem.invalid("metadata", "Value must be valid JSON.") from err
        filename = str(metadata.get("filename") or "")
        if content is None or not filename:
            raise Problem.invalid("content", "No file was submitted.")
        taken = ctx.store.one("SELECT uid FROM files WHERE asset_uid = ? AND file_type = ? "
                              "AND filename = ?", (uid, file_type, filename))
        if file_type == "form_media" and taken is not None:
            raise Problem.invalid("metadata", f"`{filename}` already exists")
        mimetype = metadata.get("mimetype") or mimetypes.guess_type(filename)[0] or \
            "application/octet-stream"
        file_uid = new_uid("af")
        with ctx.store.write() as db:
            db.execute("INSERT INTO files (uid, asset_uid, owner, file_type, description, "
                       "filename, mimetype, hash, content, date_created) VALUES "
                       "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (file_uid, uid, ctx.username, file_type, str(fields["description"]),
                        filename, mimetype, "md5:" + hashlib.md5(content).hexdigest(), content,
                        stamp()))
        return json_response(assets.file_json(get_file(uid, file_uid), req.base), 201)

    def retrieve(req: Request) -> Response:
        uid = assets.get_asset(ctx, req.params["uid"])["uid"]
        return json_response(assets.file_json(get_file(uid, req.params["file"]), req.base))

    def content(req: Request) -> Response:
        uid = assets.get_asset(ctx, req.params["uid"])["uid"]
        row = get_file(uid, req.params["file"])
        return Response(200, row["content"], [("Content-Type", row["mimetype"])])

    def destroy(req: Request) -> Response:
        uid = assets.get_asset(ctx, req.params["uid"])["uid"]
        get_file(uid, req.params["file"])
        with ctx.store.write() as db:
            db.execute("DELETE FROM files WHERE uid = ?", (req.params["file"],))
        return Response(204)

    base = f"/api/v2/assets/{UID}/files/"
    router.add("GET", base, listing)
    router.add("POST", base, create)
    router.add("GET", f"{base}{FILE}/content/", content)
    router.add("GET", f"{base}{FILE}/", retrieve)
    router.add("DELETE", f"{base}{FILE}/", destroy)
