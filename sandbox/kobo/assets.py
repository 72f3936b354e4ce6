"""Asset rows and their JSON as KPI's AssetSerializer renders them."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from typing import Any

from sandbox.kobo.context import Context, new_uid, stamp
from sandbox.kobo.web import NOT_FOUND, Problem

ASSET_TYPES = ("text", "empty", "question", "block", "survey", "template", "collection")


def content_hash(content: dict[str, Any]) -> str:
    return hashlib.sha1(json.dumps(content, sort_keys=True).encode("utf-8")).hexdigest()


def get_asset(ctx: Context, uid: str) -> sqlite3.Row:
    row = ctx.store.one("SELECT * FROM assets WHERE uid = ? AND owner = ?", (uid, ctx.username))
    if row is None:
        raise Problem.detail(404, NOT_FOUND)
    return row


def create_asset(db: sqlite3.Connection, ctx: Context, *, name: str, asset_type: str,
                 settings: dict[str, Any], content: dict[str, Any] | None = None) -> str:
    uid, now = new_uid("a"), stamp()
    body = content or {"schema": "1", "survey": [], "settings": {}}
    db.execute(
        "INSERT INTO assets (uid, name, asset_type, owner, settings, content, version_id, "
        "content_hash, date_created, date_modified) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (uid, name, asset_type, ctx.username, json.dumps(settings), json.dumps(body),
         new_uid("v"), content_hash(body), now, now))
    return uid


def replace_content(db: sqlite3.Connection, uid: str, *, content: dict[str, Any],
                    xlsx: bytes | None, xform: str | None, name: str | None) -> None:
    """Every content change is a new asset version, as KPI's reversion does."""
    db.execute(
        "UPDATE assets SET content = ?, xlsx = ?, xform = ?, name = COALESCE(?, name), "
        "version_id = ?, version_count = version_count + 1, content_hash = ?, "
        "date_modified = ? WHERE uid = ?",
        (json.dumps(content), xlsx, xform, name, new_uid("v"), content_hash(content), stamp(), uid))


def _summary(content: dict[str, Any]) -> dict[str, Any]:
    survey = content.get("survey") or []
    columns = sorted({key for row in survey for key in row})
    languages = sorted({key.split("::", 1)[1] for key in columns if "::" in key})
    return {"geo": any(row.get("type") in ("geopoint", "geotrace", "geoshape") for row in survey),
            "labels": [str(row.get("label", row.get("name", ""))) for row in survey[:5]],
            "columns": columns, "lock_all": False, "lock_any": False, "languages": languages,
            "row_count": len(survey),
            "default_translation": languages[0] if languages else None}


def file_json(row: sqlite3.Row, base: str) -> dict[str, Any]:
    asset = f"{base}/api/v2/assets/{row['asset_uid']}/"
    return {"uid": row["uid"], "url": f"{asset}files/{row['uid']}/", "asset": asset,
            "user": f"{base}/api/v2/users/{row['owner']}/", "user__username": row["owner"],
            "file_type": row["file_type"], "description": row["description"],
            "date_created": row["date_created"], "content": f"{asset}files/{row['uid']}/content/",
            "metadata": {"hash": row["hash"], "filename": row["filename"],
                         "mimetype": row["mimetype"]}}


def asset_json(ctx: Context, row: sqlite3.Row, base: str) -> dict[str, Any]:
    uid, url = row["uid"], f"{base}/api/v2/assets/{row['uid']}/"
    content = json.loads(row["content"])
    deployed = row["deployed_version_id"] is not None
    count = ctx.store.one("SELECT COUNT(*) AS n, MAX(submission_time) AS last FROM submissions "
                          "WHERE asset_uid = ?", (uid,))
    files = ctx.store.all("SELECT uid, asset_uid, owner, file_type, description, filename, "
                          "mimetype, hash, date_created FROM files WHERE asset_uid = ? "
                          "ORDER BY date_created", (uid,))
    versions = [{**v, "url": f"{url}versions/{v['uid']}/"}
                for v in json.loads(row["deployed_versions"])]
    status = ("deployed" if row["deployment_active"] else "archived") if deployed else "draft"
    links = ({"url": f"{base}/x/{uid}", "offline_url": f"{base}/x/{uid}"} if deployed else {})
    owner = f"{base}/api/v2/users/{row['owner']}/"
    return {
        "url": url, "owner": owner, "owner__username": row["owner"], "parent": None,
        "settings": json.loads(row["settings"]), "asset_type": row["asset_type"],
        "files": [file_json(f, base) for f in files], "summary": _summary(content),
        "date_created": row["date_created"], "date_modified": row["date_modified"],
        "date_deployed": row["date_deployed"], "version_id": row["version_id"],
        "version__content_hash": row["content_hash"], "version_count": row["version_count"],
        "has_deployment": deployed, "deployed_version_id": row["deployed_version_id"],
        "deployed_versions": {"count": len(versions), "next": None, "previous": None,
                              "results": versions},
        "deployment__links": links, "deployment__active": bool(row["deployment_active"]),
        "deployment__data_download_links": {
            kind: f"{base}/api/v2/assets/{uid}/exports/?format={kind}"
            for kind in ("csv", "csv_legacy", "xls", "xls_legacy", "zip_legacy", "geojson")},
        "deployment__submission_count": count["n"] if count else 0,
        "deployment__last_submission_time": count["last"] if count else None,
        "deployment__encrypted": False, "deployment__uuid": row["deployment_uuid"],
        "deployment_status": status, "content": content, "downloads": [], "embeds": [],
        "analysis_form_json": {"additional_fields": []}, "xform_link": f"{url}xform/",
        "hooks_link": f"{url}hooks/", "tag_string": "", "uid": uid, "kind": "asset",
        "xls_link": f"{base}/api/v2/assets/{uid}.xls", "name": row["name"],
        "assignable_permissions": [], "permissions": [], "effective_permissions": [],
        "exports": f"{url}exports/", "export_settings": [], "data": f"{url}data/",
        "children": {"count": 0}, "subscribers_count": 0, "status": "private",
        "access_types": None, "data_sharing": {}, "paired_data": f"{url}paired-data/",
        "project_ownership": None, "owner_label": row["owner"], "last_modified_by": row["owner"],
        "created_by": row["owner"],
    }
