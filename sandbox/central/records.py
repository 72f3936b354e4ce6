"""Look-ups shared by the route modules: projects, forms, their defs, and JSON renderings."""

from __future__ import annotations

import json
import sqlite3
from functools import lru_cache
from typing import Any

from sandbox.central import problems
from sandbox.central.clock import iso
from sandbox.central.context import Context


def project_or_404(ctx: Context, project_id: str) -> sqlite3.Row:
    row = ctx.store.one("SELECT * FROM projects WHERE id = ?", (_int(project_id),))
    if row is None:
        raise problems.not_found()
    return row


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError as err:
        raise problems.not_found() from err


def form_or_404(ctx: Context, project_id: str, xml_form_id: str) -> sqlite3.Row:
    row = ctx.store.one("SELECT * FROM forms WHERE project_id = ? AND xml_form_id = ?",
                        (_int(project_id), xml_form_id))
    if row is None:
        raise problems.not_found()
    return row


def def_or_404(ctx: Context, def_id: int | None) -> sqlite3.Row:
    row = ctx.store.one("SELECT * FROM form_defs WHERE id = ?", (def_id,)) if def_id else None
    if row is None:
        raise problems.not_found()
    return row


@lru_cache(maxsize=256)
def _fields_of(def_id: int, raw: str) -> list[dict[str, Any]]:
    fields: list[dict[str, Any]] = json.loads(raw)
    return fields


def fields_of(defn: sqlite3.Row) -> list[dict[str, Any]]:
    """The def's field list, parsed once per def and then cached."""
    return _fields_of(defn["id"], defn["fields"])


def actor_json(row: sqlite3.Row) -> dict[str, Any]:
    return {"id": row["id"], "type": row["type"], "displayName": row["display_name"],
            "createdAt": iso(row["created_at"]), "updatedAt": iso(row["updated_at"]),
            "deletedAt": iso(row["deleted_at"])}


def project_json(row: sqlite3.Row) -> dict[str, Any]:
    return {"id": row["id"], "name": row["name"], "description": row["description"],
            "archived": bool(row["archived"]) if row["archived"] is not None else None,
            "keyId": None, "createdAt": iso(row["created_at"]),
            "updatedAt": iso(row["updated_at"]), "deletedAt": None}


def form_json(form: sqlite3.Row, defn: sqlite3.Row | None) -> dict[str, Any]:
    """Central's Form#forApi: form columns plus those of the def being shown."""
    out: dict[str, Any] = {
        "projectId": form["project_id"], "xmlFormId": form["xml_form_id"],
        "state": form["state"], "enketoId": None, "enketoOnceId": None,
        "createdAt": iso(form["created_at"]), "updatedAt": iso(form["updated_at"]),
        "webformsEnabled": False}
    if defn is not None:
        out.update({"keyId": defn["key_id"], "version": defn["version"], "hash": defn["hash"],
                    "sha": defn["sha"], "sha256": defn["sha256"],
                    "draftToken": defn["draft_token"], "publishedAt": iso(defn["published_at"]),
                    "name": defn["name"]})
    return out


def extended_form_json(ctx: Context, form: sqlite3.Row, defn: sqlite3.Row | None
                       ) -> dict[str, Any]:
    """`X-Extended-Metadata: true` adds counts, the last submission and the creator."""
    stats = ctx.store.one(
        "SELECT COUNT(*) AS n, MAX(created_at) AS last, "
        "SUM(review_state IS NULL) AS received, SUM(review_state = 'hasIssues') AS issues, "
        "SUM(review_state = 'edited') AS edited FROM submissions "
        "WHERE form_id = ? AND draft = 0 AND deleted_at IS NULL", (form["id"],))
    creator = ctx.store.one("SELECT * FROM actors WHERE id = ?", (form["created_by"],))
    out = form_json(form, defn)
    out.update({
        "submissions": stats["n"] if stats else 0,
        "reviewStates": {"received": (stats["received"] or 0) if stats else 0,
                         "hasIssues": (stats["issues"] or 0) if stats else 0,
                         "edited": (stats["edited"] or 0) if stats else 0},
        "lastSubmission": iso(stats["last"]) if stats else None,
        "createdBy": actor_json(creator) if creator else None,
        "excelContentType": defn["excel_content_type"] if defn is not None else None,
        "entityRelated": False, "publicLinks": 0})
    return out


def shown_def(ctx: Context, form: sqlite3.Row) -> sqlite3.Row | None:
    """The def Central shows for a form: the published one, else the draft."""
    def_id = form["current_def_id"] or form["draft_def_id"]
    return ctx.store.one("SELECT * FROM form_defs WHERE id = ?", (def_id,)) if def_id else None


def bump(db: sqlite3.Connection, form_id: int) -> None:
    """Mark a form's data as changed so OData ETags move."""
    db.execute("UPDATE forms SET data_version = data_version + 1 WHERE id = ?", (form_id,))
