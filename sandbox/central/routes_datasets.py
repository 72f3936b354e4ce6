"""Dataset (entity list) routes: list, read with metadata, approval setting, properties, CSV."""

from __future__ import annotations

import sqlite3
from typing import Any

from sandbox.central import actor_properties, entity_problems, problems
from sandbox.central.clock import iso
from sandbox.central.context import Context
from sandbox.central.entity_csv import export_csv, open_rosa_hash, with_etag
from sandbox.central.entity_forms import valid_property_name
from sandbox.central.records import project_or_404
from sandbox.central.router import Request, Response, Router, json_response, success
from sandbox.central.xforms import sanitize_odata_identifier

PROJECT = r"/projects/(?P<projectId>[^/]+)"
DATASET = PROJECT + r"/datasets/(?P<name>[^/]+?)"


def dataset_or_404(ctx: Context, req: Request) -> sqlite3.Row:
    """A published dataset by project and name; only administrators reach entity routes."""
    assert req.auth is not None
    project = project_or_404(ctx, req.params["projectId"])
    row = ctx.store.one("SELECT * FROM datasets WHERE project_id = ? AND name = ? AND "
                        "published_at IS NOT NULL", (project["id"], req.params["name"]))
    if row is None:
        raise problems.not_found()
    req.auth.require_admin()
    return row


def dataset_json(ctx: Context, row: sqlite3.Row, extended: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"name": row["name"], "createdAt": iso(row["created_at"]),
                           "projectId": row["project_id"],
                           "approvalRequired": bool(row["approval_required"]),
                           "ownerOnly": False}
    if extended:
        stats = ctx.store.one("SELECT COUNT(*) AS n, MAX(created_at) AS last, "
                              "SUM(conflict IS NOT NULL) AS c FROM entities WHERE "
                              "dataset_id = ? AND deleted_at IS NULL", (row["id"],))
        assert stats is not None
        out.update({"entities": stats["n"] or 0, "lastEntity": iso(stats["last"]),
                    "conflicts": stats["c"] or 0})
    return out


def _forms(ctx: Context, sql: str, dataset_id: int) -> list[dict[str, Any]]:
    rows = ctx.store.all(sql, (dataset_id,))
    return [{"name": r["title"] or r["xml_form_id"], "xmlFormId": r["xml_form_id"]}
            for r in rows]


def metadata_json(ctx: Context, row: sqlite3.Row) -> dict[str, Any]:
    """Central's Datasets.getMetadata for published forms."""
    linked = _forms(ctx, "SELECT DISTINCT f.xml_form_id, d.name AS title FROM "
                    "attachment_datasets a JOIN form_defs d ON d.id = a.form_def_id JOIN forms "
                    "f ON f.current_def_id = d.id WHERE a.dataset_id = ? ORDER BY 1", row["id"])
    sources = _forms(ctx, "SELECT DISTINCT f.xml_form_id, d.name AS title FROM "
                     "dataset_form_defs x JOIN form_defs d ON d.id = x.form_def_id JOIN forms f "
                     "ON f.current_def_id = d.id WHERE x.dataset_id = ? ORDER BY 1", row["id"])
    props = ctx.store.all(
        "SELECT p.id, p.name, p.published_at, MIN(COALESCE(pf.field_order, 1e9)) AS o, "
        "f.xml_form_id, d.name AS title FROM ds_properties p LEFT JOIN ds_property_fields pf "
        "ON pf.property_id = p.id LEFT JOIN forms f ON f.current_def_id = pf.form_def_id "
        "LEFT JOIN form_defs d ON d.id = f.current_def_id WHERE p.dataset_id = ? AND "
        "p.published_at IS NOT NULL GROUP BY p.id, f.id ORDER BY p.published_at, o, p.id",
        (row["id"],))
    properties: dict[str, dict[str, Any]] = {}
    for p in props:
        entry = properties.setdefault(p["name"], {
            "name": p["name"], "publishedAt": iso(p["published_at"]),
            "odataName": sanitize_odata_identifier(p["name"]), "forms": []})
        if p["xml_form_id"]:
            entry["forms"].append({"xmlFormId": p["xml_form_id"],
                                   "name": p["title"] or p["xml_form_id"]})
    out = {**dataset_json(ctx, row, False), "lastUpdate": iso(row["last_audit"]),
           "linkedForms": linked, "sourceForms": sources, "draftLinkedForms": [],
           "draftSourceForms": [], "properties": list(properties.values())}
    access = actor_properties.access_filter_json(ctx, row["id"])
    if access is not None:  # Central adds the key only when a filter is set
        out["accessFilter"] = access
    return out


def pending_submissions(ctx: Context, dataset_id: int) -> list[sqlite3.Row]:
    """Submissions of source forms still waiting for approval to make an entity."""
    return ctx.store.all(
        "SELECT s.* FROM submissions s JOIN dataset_form_defs x ON x.form_def_id = "
        "s.form_def_id WHERE x.dataset_id = ? AND s.draft = 0 AND s.deleted_at IS NULL AND "
        "(s.review_state IS NULL OR s.review_state IN ('edited', 'hasIssues')) AND NOT EXISTS "
        "(SELECT 1 FROM entity_defs d WHERE d.submission_id = s.id) AND NOT EXISTS "
        "(SELECT 1 FROM entity_errors e WHERE e.submission_id = s.id) ORDER BY s.id",
        (dataset_id,))


def register(router: Router, ctx: Context) -> None:
    def extended(req: Request) -> bool:
        return (req.header("x-extended-metadata") or "").lower() == "true"

    def list_datasets(req: Request) -> Response:
        assert req.auth is not None
        project = project_or_404(ctx, req.params["projectId"])
        req.auth.require_admin()
        rows = ctx.store.all("SELECT * FROM datasets WHERE project_id = ? AND published_at IS "
                             "NOT NULL ORDER BY name", (project["id"],))
        return json_response([dataset_json(ctx, r, extended(req)) for r in rows])

    def get_dataset(req: Request) -> Response:
        return json_response(metadata_json(ctx, dataset_or_404(ctx, req)))

    def patch_dataset(req: Request) -> Response:
        row = dataset_or_404(ctx, req)
        body = req.json_body()
        convert = req.query.get("convert")
        if convert is not None and convert not in ("true", "false"):
            raise problems.Problem(400.8, f"Unexpected convert value {convert}; undefined",
                                   {"field": "convert", "value": convert})
        approval = body.get("approvalRequired") if isinstance(body, dict) else None
        pending = pending_submissions(ctx, row["id"]) if approval is False else []
        if approval is False and convert is None and pending:
            raise entity_problems.pending_submissions(len(pending))
        wanted = (actor_properties.parse_access_filter(body)
                  if isinstance(body, dict) and "accessFilter" in body else None)
        if wanted is not None:
            with ctx.store.write() as db:
                if wanted:
                    actor_properties.replace_rules(db, row["id"], row["project_id"], wanted)
                else:
                    actor_properties.clear_rules(db, row["id"])
                if not isinstance(approval, bool):  # Central's dataset.update audit entry
                    db.execute("UPDATE datasets SET last_audit = ? WHERE id = ?",
                               (ctx.now(), row["id"]))
        if isinstance(approval, bool):
            with ctx.store.write() as db:
                db.execute("UPDATE datasets SET approval_required = ?, last_audit = ? WHERE "
                           "id = ?", (int(approval), ctx.now(), row["id"]))
            worker = ctx.entity_worker
            if approval is False and convert == "true" and worker is not None:
                for sub in pending:  # Central converts them at once, as approvals
                    worker.enqueue(sub["id"], "submission.create", sub["submitter_id"])
                worker.drain()
        fresh = ctx.store.one("SELECT * FROM datasets WHERE id = ?", (row["id"],))
        assert fresh is not None
        return json_response(metadata_json(ctx, fresh))

    def add_property(req: Request) -> Response:
        row = dataset_or_404(ctx, req)
        body = req.json_body()
        name = body.get("name") if isinstance(body, dict) else None
        if name is None or not isinstance(name, str) or not valid_property_name(name):
            raise problems.unexpected_value("name", str(name) if name is not None
                                            else "undefined", "This is not a valid property "
                                            "name.")
        with ctx.store.write() as db:
            same = db.execute("SELECT name, published_at FROM ds_properties WHERE "
                              "dataset_id = ? AND lower(name) = lower(?)",
                              (row["id"], name)).fetchone()
            if same is not None and (same["published_at"] is not None or same["name"] != name):
                raise problems.uniqueness_violation(["name", "datasetId"],
                                                    [same["name"], row["id"]], "ds_properties")
            db.execute("INSERT INTO ds_properties (dataset_id, name, published_at) VALUES "
                       "(?, ?, ?) ON CONFLICT (dataset_id, name) DO UPDATE SET "
                       "published_at = excluded.published_at", (row["id"], name, ctx.now()))
            db.execute("UPDATE datasets SET last_audit = ? WHERE id = ?", (ctx.now(),
                                                                          row["id"]))
        return success()

    def entities_csv(req: Request) -> Response:
        row = dataset_or_404(ctx, req)
        return with_etag(req, open_rosa_hash(row), f"{row['name']}.csv",
                         export_csv(ctx, row["id"]))

    router.add("GET", PROJECT + "/datasets", list_datasets)
    router.add("GET", DATASET + r"/entities\.csv", entities_csv)
    router.add("POST", DATASET + "/properties", add_property)
    router.add("GET", DATASET, get_dataset)
    router.add("PATCH", DATASET, patch_dataset)
