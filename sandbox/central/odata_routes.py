"""OData routes of a form (`….svc`): pre-checks as Central's odata endpoint, then the feeds."""

from __future__ import annotations

import json
import re
import sqlite3
from typing import Any
from urllib.parse import unquote, urlsplit

from sandbox.central import problems
from sandbox.central.context import Context
from sandbox.central.odata_docs import edmx, table_names
from sandbox.central.odata_edmx import add_document_routes
from sandbox.central.odata_feed import _COLUMNS, _FROM, _shape, repeat_table, submissions_table, system_of
from sandbox.central.odata_paging import footer, js_parse_int, next_url, parse_skiptoken, service_root
from sandbox.central.odata_rows import main_row, repeat_rows
from sandbox.central.records import def_or_404, fields_of, form_or_404
from sandbox.central.router import ODATA_JSON, Request, Response, Router, json_response

SUPPORTED = {"$format", "$count", "$skip", "$top", "$filter", "$wkt", "$expand", "$select",
             "$skiptoken", "$orderby", "$search"}
_JSON_TYPE = re.compile(r"(^|,)(application/json|json)($|;|,)", re.I)
_XML_TYPE = re.compile(r"(^|,)(application/(atom(svc)?\+)?xml|atom|xml)($|;|,)", re.I)
_FORM = r"/projects/(?P<projectId>[^/]+)/forms/(?P<xmlFormId>[^/]+?)\.svc"


def precheck(req: Request, fmt: str) -> None:
    """Central's odataPreprocessor, which runs before authentication."""
    fmt_param = req.query.get("$format")
    probe = fmt_param if fmt_param else (req.header("accept") or "")
    if (fmt == "xml" and _JSON_TYPE.search(probe)) or (fmt == "json" and _XML_TYPE.search(probe)):
        allowed = ["application/json", "json"] if fmt == "json" else ["application/xml", "atom"]
        raise problems.unacceptable_format(allowed, probe)
    max_version = req.header("odata-maxversion")
    if max_version is not None:
        try:
            if float(max_version) < 4.0:
                raise problems.not_found()
        except ValueError:
            pass
    for key in req.query:
        if key not in SUPPORTED:
            raise problems.not_implemented(key)
    expand = req.query.get("$expand")
    if expand and expand != "*":
        raise problems.unsupported_expand(expand)
    if expand and req.query.get("$select"):
        raise problems.unsupported_select_expand()


def _published(ctx: Context, req: Request) -> tuple[sqlite3.Row, list[dict[str, Any]]]:
    assert req.auth is not None
    form = form_or_404(ctx, req.params["projectId"], req.params["xmlFormId"])
    defn = def_or_404(ctx, form["current_def_id"])
    req.auth.require_admin()
    return form, fields_of(defn)


def _context_parts(path: str) -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = []
    for part in path.split("/")[1:]:
        m = re.match(r"^([^(]+)\('((?:uuid:)?[a-z0-9-]+)'\)$", unquote(part), re.I)
        out.append((m.group(1), m.group(2)) if m else (part, None))
    return out


def single_record(ctx: Context, req: Request) -> Response:
    form, fields = _published(ctx, req)
    root = service_root(req.original_url)
    target = _context_parts(urlsplit(req.original_url).path[len(root):])
    table = ".".join(name for name, _ in target)
    if table not in table_names(fields) or target[0][1] is None:
        raise problems.not_found()
    row = ctx.store.one(f"SELECT {_COLUMNS} {_FROM} WHERE s.form_id = ? AND s.draft = 0 AND "
                        "s.instance_id = ?", (form["id"], target[0][1]))
    if row is None:
        raise problems.not_found()
    shape = _shape(req, fields, table)
    stored = json.loads(row["odata"])
    if table == "Submissions":
        rows = [main_row(stored, row["instance_id"], system_of(row), shape)]
    else:
        idx = max(i for i, (_, ident) in enumerate(target) if ident is not None)
        key = "__" + "-".join(name for name, _ in target[: idx + 1]) + "-id"
        rows = repeat_rows(stored, row["instance_id"], table, shape)
        if idx > 0:
            rows = [r for r in rows if r.get(key) == target[idx][1]]
    top = js_parse_int(req.query.get("$top"))
    limit = len(rows) if req.query.get("$top") is None else max(0, top or 0)
    offset = max(0, js_parse_int(req.query.get("$skip")) or 0) \
        if "$skiptoken" not in req.query else 0
    if "$skiptoken" in req.query:
        repeat_id = parse_skiptoken(req.query["$skiptoken"]).get("repeatId")
        if not repeat_id:
            raise problems.invalid_skiptoken()
        offset = next((i + 1 for i, r in enumerate(rows) if r.get("__id") == repeat_id), 0)
        if offset == 0:
            raise problems.Problem(400.34, "Record associated with the provided $skiptoken not "
                                   "found.")
    pared = rows[offset: offset + limit]
    link = None
    if pared and len(rows) - (offset + limit) > 0:
        data = {"repeatId": pared[-1].get("__id")} if table != "Submissions" \
            else {"instanceId": row["instance_id"]}
        link = next_url(req.original_url, data)
    return json_response({"value": pared, **footer(
        ctx.domain(), root, table, link, len(rows) if req.flag("$count") else None)})


def register(router: Router, ctx: Context) -> None:
    def metadata(req: Request) -> str:
        form, fields = _published(ctx, req)
        return edmx(form["xml_form_id"], fields)

    def table(req: Request) -> Response:
        form, fields = _published(ctx, req)
        name = req.params["table"]
        if name == "Submissions":
            return submissions_table(ctx, req, form, fields)
        return repeat_table(ctx, req, form, fields, name)

    add_document_routes(router, _FORM, ctx.domain, lambda req: table_names(_published(ctx, req)[1]),
                        metadata)
    router.add("GET", _FORM + r"/Submissions\((?P<uuid>[^)]*)\)(?:/.*)?",
               lambda req: single_record(ctx, req), kind=ODATA_JSON)
    router.add("GET", _FORM + r"/(?P<table>[^/]+)", table, kind=ODATA_JSON)
