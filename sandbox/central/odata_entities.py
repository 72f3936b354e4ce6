"""OData for an entity list (`…/datasets/{name}.svc`): service document, $metadata, Entities."""

from __future__ import annotations

import json
import re
import sqlite3
from typing import Any

from sandbox.central import problems
from sandbox.central.clock import iso
from sandbox.central.context import Context
from sandbox.central.entities_logic import property_names
from sandbox.central.odata_edmx import add_document_routes
from sandbox.central.odata_entities_doc import edmx
from sandbox.central.odata_filter import _Parser
from sandbox.central.odata_paging import footer, js_parse_int, next_url, parse_skiptoken, service_root
from sandbox.central.router import ODATA_JSON, Request, Response, Router, json_response
from sandbox.central.routes_datasets import PROJECT, dataset_or_404
from sandbox.central.xforms import sanitize_odata_identifier as sanitize

SVC = PROJECT + r"/datasets/(?P<name>[^/]+?)\.svc"
# Central's odataToColumnMap for entities (lib/data/entity.js).
# Bare names, so the shared filter compiler reads the timestamps as instants; qualified below.
COLUMNS = {"__id": "uuid", "__system/createdAt": "created_at",
           "__system/updatedAt": "updated_at", "__system/deletedAt": "deleted_at",
           "__system/creatorId": "creator_id", "__system/conflict": "conflict"}
_QUALIFY = re.compile(r"\b(uuid|created_at|updated_at|deleted_at|creator_id|conflict)\b")
_FROM = ("FROM entities e JOIN entity_defs d ON d.entity_id = e.id AND d.current = 1 "
         "LEFT JOIN actors a ON a.id = e.creator_id")


def _where(ctx: Context, dataset_id: int, expr: str | None) -> tuple[str, list[Any]]:
    if expr is None:
        return "e.dataset_id = ? AND e.deleted_at IS NULL", [dataset_id]
    parser = _Parser(expr, COLUMNS, ctx.now())
    parser.params = []
    sql = _QUALIFY.sub(r"e.\1", parser.parse())
    deleted = "" if parser.mentions_deleted else " AND e.deleted_at IS NULL"
    return f"e.dataset_id = ? AND ({sql}){deleted}", [dataset_id,
                                                       *parser.params]


def _row(r: sqlite3.Row, names: list[str], selected: set[str] | None) -> dict[str, Any]:
    """Central's selectFields: `__id`, `label`, `__system`, then every property as a string."""
    out: dict[str, Any] = {}
    if selected is None or "__id" in selected:
        out["__id"] = r["uuid"]
    if selected is None or "label" in selected:
        out["label"] = r["label"]
    system = {"createdAt": iso(r["created_at"]), "creatorId": str(r["creator_id"]),
              "creatorName": r["creator_name"], "updates": r["version"] - 1,
              "updatedAt": iso(r["updated_at"]), "deletedAt": iso(r["deleted_at"]),
              "version": r["version"], "conflict": r["conflict"]}
    if selected is None or "__system" in selected:
        out["__system"] = system
    else:
        picked = {k.split("/", 1)[1]: system[k.split("/", 1)[1]] for k in selected
                  if k.startswith("__system/")}
        if picked:
            out["__system"] = picked
    data = json.loads(r["data"])
    for n in names:
        if selected is None or n in selected:
            out[sanitize(n)] = data.get(n) if data.get(n) is not None else ""
    return out


def _selected(req: Request, names: list[str]) -> set[str] | None:
    select = req.query.get("$select")
    if not select or select == "*":
        return None
    chosen = {p.strip() for p in select.split(",")}
    for p in chosen:
        if p not in ("__id", "__system") and p not in COLUMNS and p not in names:
            raise problems.property_not_found(p)
    return chosen


def entities_feed(ctx: Context, req: Request) -> Response:
    dataset = dataset_or_404(ctx, req)
    names = property_names(ctx, dataset["id"])
    q = req.query
    selected = _selected(req, names)
    top = js_parse_int(q.get("$top"))
    limit = top if top is not None else None
    token = parse_skiptoken(q["$skiptoken"]) if "$skiptoken" in q else None
    offset = 0 if token is not None else max(0, js_parse_int(q.get("$skip")) or 0)
    if q.get("$orderby") and token is not None:
        raise problems.not_implemented("using $orderby and $skiptoken together")
    where, params = _where(ctx, dataset["id"], q.get("$filter"))
    total = ctx.store.one(f"SELECT COUNT(*) AS n {_FROM} WHERE {where}", tuple(params))
    count = total["n"] if total else 0
    cursor_sql, cursor_params = "", []
    if token is not None:
        anchor = ctx.store.one("SELECT id, created_at FROM entities WHERE uuid = ?",
                               (str(token.get("uuid")),))
        # Central's cursor: rows created no later than the anchor with a smaller id.
        cursor_sql = " AND e.created_at <= ? AND e.id < ?"
        cursor_params = [anchor["created_at"], anchor["id"]] if anchor else ["", -1]
    remaining_row = ctx.store.one(f"SELECT COUNT(*) AS n {_FROM} WHERE {where}{cursor_sql}",
                                  (*params, *cursor_params))
    remaining = remaining_row["n"] if remaining_row else 0
    order = "ORDER BY e.created_at DESC, e.id DESC"
    if q.get("$orderby"):
        order = _orderby(q["$orderby"])
    page = f" LIMIT {max(0, limit)}" if limit is not None else " LIMIT -1"
    page += f" OFFSET {offset}"
    rows = ctx.store.all("SELECT e.*, d.label, d.data, d.version, a.display_name AS "
                         f"creator_name {_FROM} WHERE {where}{cursor_sql} {order}{page}",
                         (*params, *cursor_params))
    shown = [_row(r, names, selected) for r in rows]
    effective = max(0, limit) if limit is not None else None
    left = (remaining - effective if token is not None else count - (effective + offset)) \
        if effective is not None else 0
    link = next_url(req.original_url, {"uuid": rows[-1]["uuid"]}) if rows and left > 0 \
        else None
    root = service_root(req.original_url)
    return json_response({"value": shown, **footer(ctx.domain(), root, "Entities", link,
                                                   count if req.flag("$count") else None)})


def _orderby(expr: str) -> str:
    clauses = []
    for part in expr.split(","):
        words = part.strip().split()
        if not words or words[0] not in COLUMNS:
            raise problems.unsupported_odata_field(words[0] if words else part, None)
        direction = words[1].lower() if len(words) > 1 else "asc"
        clauses.append(f"e.{COLUMNS[words[0]]} {'DESC' if direction == 'desc' else 'ASC'}")
    return "ORDER BY " + ", ".join(clauses) + ", e.id"


def register(router: Router, ctx: Context) -> None:
    def sets(req: Request) -> list[str]:
        dataset_or_404(ctx, req)
        return ["Entities"]

    def metadata(req: Request) -> str:
        dataset = dataset_or_404(ctx, req)
        return edmx(dataset["name"], property_names(ctx, dataset["id"]))

    add_document_routes(router, SVC, ctx.domain, sets, metadata)
    router.add("GET", SVC + "/Entities", lambda req: entities_feed(ctx, req), kind=ODATA_JSON)
