"""/api/v2/assets/{uid}/data/: the submissions feed (limit ≤ 1000, `next` links), deletes, validation."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from typing import Any

from sandbox.kobo import assets
from sandbox.kobo.context import Context
from sandbox.kobo.paging import DATA_MAX_LIMIT, page, window
from sandbox.kobo.routes_assets import UID
from sandbox.kobo.web import NOT_FOUND, Problem, Request, Response, Router, json_response

VALIDATION_LABELS = {"validation_status_approved": "Approved",
                     "validation_status_not_approved": "Not approved",
                     "validation_status_on_hold": "On hold"}
_OPERATORS = {"$gt": lambda a, b: a > b, "$gte": lambda a, b: a >= b,
              "$lt": lambda a, b: a < b, "$lte": lambda a, b: a <= b,
              "$ne": lambda a, b: a != b, "$eq": lambda a, b: a == b,
              "$in": lambda a, b: a in b}


def submission_json(row: sqlite3.Row, asset: sqlite3.Row, base: str,
                    attachments: list[sqlite3.Row]) -> dict[str, Any]:
    """One result as Kobo's data API renders it: the answers plus its underscore keys."""
    data: dict[str, Any] = json.loads(row["data"])
    sub_url = f"{base}/api/v2/assets/{asset['uid']}/data/{row['id']}"
    data.update({
        "_id": row["id"], "_uuid": row["uuid"], "meta/rootUuid": "uuid:" + row["root_uuid"],
        "_xform_id_string": asset["uid"], "_submission_time": row["submission_time"],
        "_validation_status": json.loads(row["validation_status"]), "_status": "submitted_via_web",
        "_geolocation": [None, None], "_tags": [], "_notes": [],
        "_submitted_by": row["submitted_by"],
        "_attachments": [{
            "download_url": f"{sub_url}/attachments/{a['uid']}/",
            "mimetype": a["mimetype"],
            "filename": f"{asset['owner']}/attachments/{asset['deployment_uuid']}/"
                        f"{row['uuid']}/{a['filename']}",
            "media_file_basename": a["filename"], "uid": a["uid"],
            "question_xpath": next((k for k, v in data.items() if v == a["filename"]), ""),
            "is_deleted": False} for a in attachments],
    })
    return data


def _matches(value: Any, condition: Any) -> bool:
    if isinstance(condition, dict):
        return all(op in _OPERATORS and value is not None and _OPERATORS[op](value, arg)
                   for op, arg in condition.items())
    return bool(value == condition)


def _sort_key(key: str) -> Callable[[dict[str, Any]], tuple[bool, Any]]:
    def by(d: dict[str, Any]) -> tuple[bool, Any]:
        value = d.get(key)
        return (value is None, value if isinstance(value, int) else str(value or ""))
    return by


def _json_param(req: Request, name: str) -> Any:
    raw = req.query.get(name)
    if not raw:
        return None
    try:
        return json.loads(raw)
    except json.JSONDecodeError as err:
        raise Problem.detail(400, f"Invalid `{name}` param") from err


def register(router: Router, ctx: Context) -> None:
    def rendered(asset: sqlite3.Row, rows: list[sqlite3.Row], base: str) -> list[dict[str, Any]]:
        ids = [r["id"] for r in rows]
        found: dict[int, list[sqlite3.Row]] = {}
        if ids:
            marks = ",".join("?" * len(ids))
            for a in ctx.store.all(f"SELECT * FROM attachments WHERE submission_id IN ({marks})",
                                   tuple(ids)):
                found.setdefault(a["submission_id"], []).append(a)
        return [submission_json(r, asset, base, found.get(r["id"], [])) for r in rows]

    def listing(req: Request) -> Response:
        asset = assets.get_asset(ctx, req.params["uid"])
        start, limit = window(req, max_limit=DATA_MAX_LIMIT)
        query, sort, fields = (_json_param(req, n) for n in ("query", "sort", "fields"))
        if query is None and sort is None:
            total = ctx.store.one("SELECT COUNT(*) AS n FROM submissions WHERE asset_uid = ?",
                                  (asset["uid"],))
            rows = ctx.store.all("SELECT * FROM submissions WHERE asset_uid = ? ORDER BY id "
                                 "LIMIT ? OFFSET ?", (asset["uid"], limit, start))
            results, count = rendered(asset, rows, req.base), int(total["n"] if total else 0)
        else:
            everything = rendered(asset, ctx.store.all(
                "SELECT * FROM submissions WHERE asset_uid = ? ORDER BY id", (asset["uid"],)),
                req.base)
            if isinstance(query, dict):
                everything = [d for d in everything
                              if all(_matches(d.get(k), c) for k, c in query.items())]
            for key, direction in reversed(list((sort or {}).items())):
                everything.sort(key=_sort_key(key), reverse=direction == -1)
            count, results = len(everything), everything[start:start + limit]
        if isinstance(fields, list):
            results = [{k: v for k, v in d.items() if k in fields} for d in results]
        return json_response(page(req, count, start, limit, results))

    def get_row(asset_uid: str, ident: str) -> sqlite3.Row:
        column = "id" if ident.isdigit() else "root_uuid"
        row = ctx.store.one(f"SELECT * FROM submissions WHERE asset_uid = ? AND {column} = ?",
                            (asset_uid, ident.removeprefix("uuid:")))
        if row is None:
            raise Problem.detail(404, NOT_FOUND)
        return row

    def retrieve(req: Request) -> Response:
        asset = assets.get_asset(ctx, req.params["uid"])
        return json_response(rendered(asset, [get_row(asset["uid"], req.params["id"])],
                                      req.base)[0])

    def destroy(req: Request) -> Response:
        asset = assets.get_asset(ctx, req.params["uid"])
        row = get_row(asset["uid"], req.params["id"])
        with ctx.store.write() as db:
            db.execute("DELETE FROM attachments WHERE submission_id = ?", (row["id"],))
            db.execute("DELETE FROM submissions WHERE id = ?", (row["id"],))
        return Response(204)

    def status_value(uid: Any) -> str:
        if uid not in VALIDATION_LABELS:
            raise Problem.invalid("validation_status.uid", f'"{uid}" is not a valid choice.')
        return json.dumps({"timestamp": int(time.time()), "uid": uid, "by_whom": ctx.username,
                           "label": VALIDATION_LABELS[uid]})

    def bulk_status(req: Request) -> Response:
        asset = assets.get_asset(ctx, req.params["uid"])
        payload = req.json_body().get("payload")
        if not isinstance(payload, dict):
            raise Problem.invalid("payload", "This field is required.")
        value = status_value(payload.get("validation_status.uid"))
        ids = payload.get("submission_ids") or []
        with ctx.store.write() as db:
            if payload.get("confirm") is True and not ids:
                updated = db.execute("UPDATE submissions SET validation_status = ? WHERE "
                                     "asset_uid = ?", (value, asset["uid"])).rowcount
            else:
                updated = sum(db.execute("UPDATE submissions SET validation_status = ? WHERE "
                                         "asset_uid = ? AND id = ?",
                                         (value, asset["uid"], int(i))).rowcount for i in ids)
        return json_response({"detail": f"{updated} submissions have been updated"})

    def one_status(req: Request) -> Response:
        asset = assets.get_asset(ctx, req.params["uid"])
        row = get_row(asset["uid"], req.params["id"])
        value = status_value(req.json_body().get("validation_status.uid"))
        with ctx.store.write() as db:
            db.execute("UPDATE submissions SET validation_status = ? WHERE id = ?",
                       (value, row["id"]))
        return json_response(json.loads(value))

    base = f"/api/v2/assets/{UID}/data/"
    ident = r"(?P<id>\d+|(?:uuid:)?[0-9a-fA-F-]{8,})"
    router.add("GET", base, listing)
    router.add("PATCH", f"{base}validation_statuses/", bulk_status)
    router.add("PATCH", f"{base}{ident}/validation_status/", one_status)
    router.add("GET", f"{base}{ident}/", retrieve)
    router.add("DELETE", f"{base}{ident}/", destroy)
