"""OData submission feeds: the Submissions table by indexed seek, repeat tables, single rows."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Iterator
from typing import Any

from sandbox.central import problems
from sandbox.central.clock import iso
from sandbox.central.context import Context
from sandbox.central.odata_docs import table_names
from sandbox.central.odata_filter import compile_filter, compile_orderby
from sandbox.central.odata_paging import footer, js_parse_int, next_url, parse_skiptoken, service_root
from sandbox.central.odata_rows import Shape, main_row, metadata_names, repeat_rows, select_paths
from sandbox.central.router import Request, Response, json_response

_COLUMNS = ("s.id, s.instance_id, s.created_at, s.updated_at, s.submitter_id, s.device_id, "
            "s.review_state, s.deleted_at, s.odata, s.attachments_expected, s.edits, "
            "a.display_name AS submitter_name, d.version AS form_version, "
            "(SELECT COUNT(*) FROM submission_attachments x WHERE x.def_id = s.current_def_id "
            "AND x.content IS NOT NULL) AS present, "
            # Central's status: null unless sealed; sealed without its XML file yet, the
            # envelope alone arrived (missingEncryptedFormData).
            "(SELECT CASE WHEN c.local_key IS NULL THEN NULL WHEN EXISTS (SELECT 1 FROM "
            "submission_attachments y WHERE y.def_id = c.id AND y.name = "
            "c.enc_data_attachment_name AND y.content IS NOT NULL) THEN 'notDecrypted' ELSE "
            "'missingEncryptedFormData' END FROM submission_defs c WHERE c.id = s.current_def_id"
            ") AS status")
_FROM = ("FROM submissions s LEFT JOIN actors a ON a.id = s.submitter_id "
         "JOIN form_defs d ON d.id = s.form_def_id")
_DEFAULT_ORDER = "ORDER BY s.created_at DESC, s.id DESC"


def system_of(row: sqlite3.Row) -> dict[str, Any]:
    """`__system` exactly as submissionToOData builds it."""
    return {"submissionDate": iso(row["created_at"]), "updatedAt": iso(row["updated_at"]),
            "submitterId": None if row["submitter_id"] is None else str(row["submitter_id"]),
            "submitterName": row["submitter_name"] or None,
            "attachmentsPresent": row["present"] or 0,
            "attachmentsExpected": row["attachments_expected"] or 0, "status": row["status"],
            "reviewState": row["review_state"] or None, "deviceId": row["device_id"] or None,
            "edits": row["edits"], "formVersion": row["form_version"], "deletedAt": iso(row["deleted_at"])}


def _shape(req: Request, fields: list[dict[str, Any]], table: str) -> Shape:
    select = req.query.get("$select")
    return Shape(expand=req.query.get("$expand") == "*", wkt=req.flag("$wkt"),
                 metadata=metadata_names(select), selected=select_paths(fields, select, table))


def selection_etag(db: sqlite3.Connection, where: str, params: list[Any], tail: str = "") -> str:
    """Central's getODataSelectionEtag: a hash of the event stamps of the rows selected.

    It depends on the filter, order and page, not on the URL: `$select`, `$expand` or
    `$count` leave it alone, and it moves when any selected submission is created, edited,
    reviewed, deleted or restored (each of which stamps the row with a new event).
    """
    digest = hashlib.md5()
    for (event,) in db.execute(f"SELECT s.event FROM submissions s WHERE {where} {tail}",
                               params):
        digest.update(f"{event},".encode("ascii"))
    return "eventhash:" + digest.hexdigest()


def not_modified(req: Request, tag: str) -> Response | None:
    if req.header("if-none-match") in (f'"{tag}"', f'W/"{tag}"'):
        return Response(304, b"", [("ETag", f'W/"{tag}"')])
    return None


def _where(ctx: Context, form_id: int, req: Request, subtable: bool) -> tuple[str, list[Any]]:
    compiled = compile_filter(req.query.get("$filter"), ctx.now(), subtable)
    sql = f"s.form_id = ? AND s.draft = 0 AND ({_qualify(compiled.sql)})"
    if not compiled.mentions_deleted:
        sql += " AND s.deleted_at IS NULL"
    return sql, [form_id, *compiled.params]


def _qualify(sql: str) -> str:
    return re.sub(r"\b(instance_id|created_at|updated_at|submitter_id|review_state|deleted_at)\b",
                  r"s.\1", sql)


def submissions_table(ctx: Context, req: Request, form: sqlite3.Row,
                      fields: list[dict[str, Any]]) -> Response:
    q = req.query
    domain, root = ctx.domain(), service_root(req.original_url)
    top = js_parse_int(q.get("$top"))
    limit = None if q.get("$top") is None else max(0, top if top is not None else 0)
    token = parse_skiptoken(q["$skiptoken"]) if "$skiptoken" in q else None
    offset = None if token is not None or q.get("$skip") is None else \
        max(0, js_parse_int(q.get("$skip")) or 0)
    if q.get("$orderby") and token is not None:
        raise problems.not_implemented("using $orderby and $skiptoken together")
    where, params = _where(ctx, form["id"], req, subtable=False)
    order = compile_orderby(q["$orderby"])[0].replace("ORDER BY ", "ORDER BY s.") \
        .replace(", ", ", s.") if q.get("$orderby") else _DEFAULT_ORDER
    if limit == 0 and not req.flag("$count"):
        return json_response({"value": [], **footer(domain, root, "Submissions", None, None)})
    db = ctx.store.read()
    if limit == 0:
        total = db.execute(f"SELECT COUNT(*) FROM submissions s WHERE {where}", params)
        return json_response({"value": [], **footer(domain, root, "Submissions", None,
                                                   total.fetchone()[0])})
    cursor_sql, cursor_params = "", []
    if token is not None and token.get("repeatId") is None:
        anchor = db.execute("SELECT created_at, id FROM submissions WHERE form_id = ? AND "
                            "draft = 0 AND instance_id IS ?",
                            (form["id"], token.get("instanceId"))).fetchone()
        cursor_sql = " AND (s.created_at < ? OR (s.created_at = ? AND s.id < ?))"
        cursor_params = [anchor[0], anchor[0], anchor[1]] if anchor else [None, None, None]
    page = f" LIMIT {limit if limit is not None else -1} OFFSET {offset or 0}"
    tag = selection_etag(db, where + cursor_sql, [*params, *cursor_params], order + page)
    if (unchanged := not_modified(req, tag)) is not None:
        return unchanged
    # One row past the page tells whether another page follows, without counting the rest.
    probe = f" LIMIT {limit + 1 if limit is not None else -1} OFFSET {offset or 0}"
    rows = db.execute(f"SELECT {_COLUMNS} {_FROM} WHERE {where}{cursor_sql} {order}{probe}",
                      [*params, *cursor_params]).fetchall()
    more = limit is not None and len(rows) > limit
    rows = rows[:limit] if limit is not None else rows
    shape = _shape(req, fields, "Submissions")
    values = [main_row(json.loads(r["odata"]), r["instance_id"], system_of(r), shape)
              for r in rows]
    if not req.flag("$count"):
        count = None
    elif limit is not None or offset is not None or token is not None:
        count = db.execute(f"SELECT COUNT(*) FROM submissions s WHERE {where}",
                           params).fetchone()[0]
    else:
        count = len(values)
    last = rows[-1]["instance_id"] if rows else None
    link = next_url(req.original_url, {"instanceId": last}) if more else None
    body = {"value": values, **footer(domain, root, "Submissions", link, count)}
    response = json_response(body)
    response.headers.append(("ETag", f'W/"{tag}"'))
    return response


def _all_submissions(ctx: Context, where: str, params: list[Any]) -> Iterator[sqlite3.Row]:
    cur = ctx.store.read().execute(f"SELECT {_COLUMNS} {_FROM} WHERE {where} {_DEFAULT_ORDER}",
                                   params)
    while batch := cur.fetchmany(500):
        yield from batch


def repeat_table(ctx: Context, req: Request, form: sqlite3.Row, fields: list[dict[str, Any]],
                 table: str) -> Response:
    """A `Submissions.<repeat>` table, paged in memory as Central pages it."""
    q = req.query
    if table not in table_names(fields):
        raise problems.not_found()
    top = js_parse_int(q.get("$top"))
    limit = None if q.get("$top") is None else max(0, top if top is not None else 0)
    token = parse_skiptoken(q["$skiptoken"]) if "$skiptoken" in q else None
    offset = 0 if token is not None else max(0, js_parse_int(q.get("$skip")) or 0)
    where, params = _where(ctx, form["id"], req, subtable=True)
    if limit == 0 and not req.flag("$count"):
        return json_response({"value": [], **footer(ctx.domain(), service_root(
            req.original_url), table, None, None)})
    tag = selection_etag(ctx.store.read(), where, params)
    if limit != 0 and (unchanged := not_modified(req, tag)) is not None:
        return unchanged
    shape = _shape(req, fields, table)
    parent_key = None
    values: list[dict[str, Any]] = []
    counted = remaining = 0
    matched = token is None
    last_id = None
    for sub in _all_submissions(ctx, where, params):
        for row in repeat_rows(json.loads(sub["odata"]), sub["instance_id"], table, shape):
            parent_key = parent_key or next((k for k in row if k.endswith("-id")), None)
            if limit is not None and len(values) == limit:
                remaining += 1
            elif counted >= offset and matched:
                values.append(row)
                last_id = row.get("__id")
            matched = matched or (token is not None and token.get("repeatId") == row.get("__id"))
            counted += 1
    if not matched:
        raise problems.Problem(400.34, "Record associated with the provided $skiptoken not "
                               "found.")
    link = next_url(req.original_url, {"repeatId": last_id}) if remaining > 0 else None
    body = {"value": values, **footer(ctx.domain(), service_root(req.original_url), table, link,
                                      counted if req.flag("$count") else None)}
    response = json_response(body)
    if limit != 0:
        response.headers.append(("ETag", f'W/"{tag}"'))
    return response
