"""DRF's limit/start pagination as KPI configures it: `next`/`previous` links from the request."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from sandbox.kobo.web import Request

DEFAULT_LIMIT = 100
DATA_MAX_LIMIT = 1000  # KPI's SUBMISSION_LIST_LIMIT: a larger limit is cut to this, silently


def window(req: Request, *, max_limit: int | None = None,
           default: int = DEFAULT_LIMIT) -> tuple[int, int]:
    """(start, limit) from the query; `offset` is KPI's deprecated alias of `start`."""
    start = req.int_param("start", req.int_param("offset", 0))
    limit = req.int_param("limit", default) or default
    if max_limit is not None:
        limit = min(limit, max_limit)
    return start, limit


def _link(req: Request, start: int, limit: int) -> str:
    query = {k: v for k, v in req.query.items() if k not in ("start", "offset", "limit")}
    query["limit"] = str(limit)
    if start > 0:
        query["start"] = str(start)
    return f"{req.base}{req.path}?{urlencode(query)}"


def page(req: Request, total: int, start: int, limit: int, results: list[Any]) -> dict[str, Any]:
    nxt = _link(req, start + limit, limit) if start + limit < total else None
    prev = _link(req, max(0, start - limit), limit) if start > 0 else None
    return {"count": total, "next": nxt, "previous": prev, "results": results}
