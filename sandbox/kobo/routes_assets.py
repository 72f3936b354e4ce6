"""/api/v2/assets/: list, create, read, update and delete assets, and their deployment."""

from __future__ import annotations

import json
import re
from typing import Any

from sandbox.kobo import assets
from sandbox.kobo.context import Context, new_uid, stamp
from sandbox.kobo.paging import page, window
from sandbox.kobo.web import Problem, Request, Response, Router, json_response
from sandbox.kobo.xlsform import deployable_xform

UID = r"(?P<uid>a[A-Za-z0-9]+)"
_TERM = re.compile(r"(\w+):(\"[^\"]*\"|\S+)")
_QUERY_FIELDS = {"asset_type": "asset_type", "uid": "uid", "name": "name",
                 "name__icontains": "name", "_deployment_status": "status"}


def _filters(q: str) -> list[tuple[str, str, bool]]:
    """KPI's `q` subset: `field:value` terms joined by AND (`__icontains` for substrings)."""
    terms = []
    for field, value in _TERM.findall(q):
        if field not in _QUERY_FIELDS:
            raise Problem.detail(400, f"Unsupported search field: {field}")
        terms.append((_QUERY_FIELDS[field], value.strip('"'), field.endswith("__icontains")))
    return terms


def register(router: Router, ctx: Context) -> None:
    def listing(req: Request) -> Response:
        rows = ctx.store.all("SELECT * FROM assets WHERE owner = ? ORDER BY date_modified DESC",
                             (ctx.username,))
        found = []
        for row in rows:
            data = assets.asset_json(ctx, row, req.base)
            if all((v.lower() in str(data.get(k, "")).lower()) if sub else str(data.get(k)) == v
                   for k, v, sub in _filters(req.query.get("q", ""))):
                found.append(data)
        start, limit = window(req)
        return json_response(page(req, len(found), start, limit, found[start:start + limit]))

    def create(req: Request) -> Response:
        body = req.json_body()
        asset_type = body.get("asset_type")
        if asset_type not in assets.ASSET_TYPES:
            raise Problem.invalid("asset_type", f'"{asset_type}" is not a valid choice.')
        if not isinstance(body.get("name", ""), str):
            raise Problem.invalid("name", "Not a valid string.")
        settings = body.get("settings") or {}
        if not isinstance(settings, dict):
            raise Problem.invalid("settings", "Value must be valid JSON.")
        with ctx.store.write() as db:
            uid = assets.create_asset(db, ctx, name=body.get("name") or "", asset_type=asset_type,
                                      settings=settings)
        return json_response(assets.asset_json(ctx, assets.get_asset(ctx, uid), req.base), 201)

    def retrieve(req: Request) -> Response:
        return json_response(assets.asset_json(ctx, assets.get_asset(ctx, req.params["uid"]),
                                               req.base))

    def update(req: Request) -> Response:
        row = assets.get_asset(ctx, req.params["uid"])
        body = req.json_body()
        changes: dict[str, Any] = {}
        if "name" in body:
            changes["name"] = str(body["name"])
        if "settings" in body:
            if not isinstance(body["settings"], dict):
                raise Problem.invalid("settings", "Value must be valid JSON.")
            changes["settings"] = json.dumps(body["settings"])
        with ctx.store.write() as db:
            if changes:
                sets = ", ".join(f"{key} = ?" for key in changes)
                db.execute(f"UPDATE assets SET {sets}, date_modified = ? WHERE uid = ?",
                           (*changes.values(), stamp(), row["uid"]))
            if "content" in body:
                content = body["content"]
                content = json.loads(content) if isinstance(content, str) else content
                assets.replace_content(db, row["uid"], content=content, xlsx=None, xform=None,
                                       name=None)
        return retrieve(req)

    def destroy(req: Request) -> Response:
        row = assets.get_asset(ctx, req.params["uid"])
        with ctx.store.write() as db:
            for table, key in (("assets", "uid"), ("files", "asset_uid"),
                               ("submissions", "asset_uid")):
                db.execute(f"DELETE FROM {table} WHERE {key} = ?", (row["uid"],))
        return Response(204)

    def deployment_json(req: Request, uid: str) -> dict[str, Any]:
        row = assets.get_asset(ctx, uid)
        return {"backend": "openrosa", "active": bool(row["deployment_active"]),
                "version_id": row["deployed_version_id"],
                "asset": assets.asset_json(ctx, row, req.base)}

    def deploy(uid: str, active: bool) -> None:
        """Deploy the asset's current version: its XForm becomes what KoboCollect downloads."""
        row = assets.get_asset(ctx, uid)
        if not row["xform"]:
            raise Problem.detail(400, "The asset has no form content to deploy.")
        formhub_uuid = row["deployment_uuid"] or new_uid("", 32).lower()
        now = stamp()
        versions = [v for v in json.loads(row["deployed_versions"])
                    if v["uid"] != row["version_id"]]
        versions.insert(0, {"uid": row["version_id"], "url": None,
                            "content_hash": row["content_hash"], "date_deployed": now,
                            "date_modified": row["date_modified"]})
        xform = deployable_xform(row["xform"], asset_uid=uid, version_id=row["version_id"],
                                 formhub_uuid=formhub_uuid)
        with ctx.store.write() as db:
            db.execute("UPDATE assets SET deployed_version_id = ?, date_deployed = ?, "
                       "deployment_active = ?, deployment_uuid = ?, deployed_xform = ?, "
                       "deployed_versions = ? WHERE uid = ?",
                       (row["version_id"], now, int(active), formhub_uuid, xform,
                        json.dumps(versions), uid))

    def check_version(uid: str, body: dict[str, Any]) -> None:
        if "version_id" in body and body["version_id"] != assets.get_asset(ctx, uid)["version_id"]:
            # KPI raises NotImplementedError here, which Django answers with a 500.
            raise Problem.detail(500, "Only the current version_id can be deployed")

    def deployment_get(req: Request) -> Response:
        row = assets.get_asset(ctx, req.params["uid"])
        if row["deployed_version_id"] is None:
            raise Problem.detail(404, "The specified asset has not been deployed")
        return json_response(deployment_json(req, row["uid"]))

    def deployment_create(req: Request) -> Response:
        body = req.json_body()
        if "active" not in body:
            raise Problem.invalid("active", "This field is required.")
        check_version(req.params["uid"], body)
        deploy(req.params["uid"], bool(body["active"]))
        return json_response(deployment_json(req, req.params["uid"]))

    def deployment_update(req: Request) -> Response:
        """Only `active` archives or unarchives; anything else redeploys the current version
        unconditionally (KPI: "they may have a good reason, e.g. updating form media files")."""
        uid = req.params["uid"]
        row = assets.get_asset(ctx, uid)
        if row["deployed_version_id"] is None:
            raise Problem.detail(400, "The specified asset has not been deployed")
        body = req.json_body()
        if set(body) == {"active"}:
            with ctx.store.write() as db:
                db.execute("UPDATE assets SET deployment_active = ? WHERE uid = ?",
                           (int(bool(body["active"])), uid))
        else:
            check_version(uid, body)
            deploy(uid, bool(body.get("active", row["deployment_active"])))
        return json_response(deployment_json(req, uid))

    def xform(req: Request) -> Response:
        row = assets.get_asset(ctx, req.params["uid"])
        text = row["deployed_xform"] or row["xform"] or ""
        return Response(200, text.encode("utf-8"), [("Content-Type", "text/xml; charset=utf-8")])

    router.add("GET", "/api/v2/assets/", listing)
    router.add("POST", "/api/v2/assets/", create)
    router.add("GET", f"/api/v2/assets/{UID}/deployment/", deployment_get)
    router.add("POST", f"/api/v2/assets/{UID}/deployment/", deployment_create)
    router.add("PATCH", f"/api/v2/assets/{UID}/deployment/", deployment_update)
    router.add("GET", f"/api/v2/assets/{UID}/xform/", xform)
    router.add("GET", f"/api/v2/assets/{UID}/", retrieve)
    router.add("PATCH", f"/api/v2/assets/{UID}/", update)
    router.add("DELETE", f"/api/v2/assets/{UID}/", destroy)
