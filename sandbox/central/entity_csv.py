"""Entity lists as CSV: the entities.csv export and the `<list>.csv` form attachment, with ETags."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sqlite3
from collections.abc import Iterable

from sandbox.central import actor_properties
from sandbox.central.clock import iso
from sandbox.central.context import Context
from sandbox.central.entities_logic import property_names
from sandbox.central.router import Request, Response

_ROWS = ("SELECT e.*, d.label, d.data, d.version, a.display_name AS creator_name FROM entities "
         "e JOIN entity_defs d ON d.entity_id = e.id AND d.current = 1 LEFT JOIN actors a ON "
         "a.id = e.creator_id WHERE e.dataset_id = ? AND e.deleted_at IS NULL "
         "ORDER BY e.created_at DESC, e.id DESC")


def open_rosa_hash(dataset: sqlite3.Row) -> str:
    """md5 of `{"latestAuditEntry": …}`, as Central's computeHashes for an unfiltered list."""
    entry = json.dumps(iso(dataset["last_audit"]))
    return hashlib.md5(f'{{"latestAuditEntry":{entry}}}'.encode()).hexdigest()


def _write(header: list[str], rows: Iterable[list[object]]) -> bytes:
    # csv-stringify's defaults: quote only when needed, records end in a bare \n.
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return buffer.getvalue().encode("utf-8")


def export_csv(ctx: Context, dataset_id: int) -> bytes:
    """Central's streamEntityCsv: `__id,label,<properties>,__createdAt,…,__version`."""
    names = property_names(ctx, dataset_id)
    header = ["__id", "label", *names, "__createdAt", "__creatorId", "__creatorName",
              "__updates", "__updatedAt", "__version"]

    def rows() -> Iterable[list[object]]:
        for r in ctx.store.all(_ROWS, (dataset_id,)):
            data = json.loads(r["data"])
            yield [r["uuid"], r["label"], *[data.get(n) for n in names], iso(r["created_at"]),
                   r["creator_id"], r["creator_name"], r["version"] - 1,
                   iso(r["updated_at"]), r["version"]]
    return _write(header, rows())


def attachment_csv(ctx: Context, dataset_id: int, actor_id: int | None = None) -> bytes:
    """Central's streamEntityCsvAttachment: `name,label,__version,<properties>` for Collect.

    `actor_id` is a restricted actor's (an app user's): the list's access filter then keeps only
    the entities whose filtered properties equal that actor's property values.
    """
    names = property_names(ctx, dataset_id)
    checks, filtered = actor_properties.visible(ctx, dataset_id, actor_id)

    def rows() -> Iterable[list[object]]:
        for r in ctx.store.all(_ROWS, (dataset_id,)):
            data = json.loads(r["data"])
            if filtered and not actor_properties.matches(data, checks):
                continue
            yield [r["uuid"], r["label"], r["version"], *[data.get(n) for n in names]]
    return _write(["name", "label", "__version", *names], rows())


def with_etag(req: Request, etag: str, filename: str, body: bytes | None) -> Response:
    """Central's withEtag: 304 when If-None-Match names this ETag (weak or strong)."""
    headers = [("ETag", f'"{etag}"')]
    if req.header("if-none-match") in (f'"{etag}"', f'W/"{etag}"'):
        return Response(304, b"", headers)
    return Response(200, body or b"", [
        *headers,
        ("Content-Disposition", f'attachment; filename="{filename}"; '
                                f"filename*=UTF-8''{filename}"),
        ("Content-Type", "text/csv; charset=utf-8")])


def linked_dataset(ctx: Context, def_id: int, name: str) -> sqlite3.Row | None:
    """The published list a form def's attachment is served from, if it is linked to one."""
    return ctx.store.one("SELECT d.* FROM attachment_datasets a JOIN datasets d ON "
                         "d.id = a.dataset_id WHERE a.form_def_id = ? AND a.name = ?",
                         (def_id, name))


def attachment_response(ctx: Context, req: Request, def_id: int, name: str) -> Response | None:
    """The attachment's current entity CSV, or None when it is not linked to a list."""
    dataset = linked_dataset(ctx, def_id, name)
    if dataset is None:
        return None
    actor_id = restricted_actor(req)
    etag = actor_properties.open_rosa_hash(ctx, dataset, actor_id)
    if req.header("if-none-match") in (f'"{etag}"', f'W/"{etag}"'):
        return with_etag(req, etag, name, None)
    return with_etag(req, etag, name, attachment_csv(ctx, dataset["id"], actor_id))


def restricted_actor(req: Request) -> int | None:
    """Central's filteredAccessActorId: None for an actor with `entity.list` (an
    administrator), else the actor's id, whose list the access filter then restricts."""
    assert req.auth is not None
    return None if req.auth.is_admin else req.auth.actor_id
