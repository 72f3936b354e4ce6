"""Central's paging vocabulary: `$top`/`$skip` parsing, opaque skiptokens and nextLink URLs."""

from __future__ import annotations

import base64
import json
import re
from typing import Any
from urllib.parse import parse_qsl, quote_plus, urlsplit

from sandbox.central import problems


def js_parse_int(text: str | None) -> int | None:
    """JavaScript's parseInt; None stands for NaN."""
    if text is None:
        return None
    m = re.match(r"^\s*([+-]?\d+)", text)
    return int(m.group(1)) if m else None


def make_skiptoken(data: dict[str, Any]) -> str:
    """'01' (the scheme version) + base64 of compact JSON, as QueryOptions.getSkiptoken."""
    raw = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return "01" + base64.b64encode(raw).decode("ascii")


def parse_skiptoken(token: str) -> dict[str, Any]:
    if not token.startswith("01"):
        raise problems.invalid_skiptoken()
    try:
        parsed = json.loads(base64.b64decode(token[2:] + "=" * (-len(token[2:]) % 4)))
    except (ValueError, UnicodeDecodeError) as err:
        raise problems.invalid_skiptoken() from err
    if not isinstance(parsed, dict):
        raise problems.invalid_skiptoken()
    return parsed


def _form_encode(text: str) -> str:
    """application/x-www-form-urlencoded as WHATWG URLSearchParams writes it."""
    return quote_plus(text, safe="*").replace("~", "%7E")


def next_url(original_url: str, token_data: dict[str, Any]) -> str:
    """Central's urlWithQueryParams(originalUrl, {$skip: null, $skiptoken}): path + query."""
    parts = urlsplit(original_url)
    pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "$skip"]
    token = make_skiptoken(token_data)
    if any(k == "$skiptoken" for k, _ in pairs):
        first = next(i for i, (k, _) in enumerate(pairs) if k == "$skiptoken")
        pairs = [p for i, p in enumerate(pairs) if p[0] != "$skiptoken" or i == first]
        pairs[first] = ("$skiptoken", token)
    else:
        pairs.append(("$skiptoken", token))
    query = "&".join(f"{_form_encode(k)}={_form_encode(v)}" for k, v in pairs)
    return f"{parts.path}?{query}" if query else parts.path


def service_root(original_url: str) -> str:
    """The request path up to and including `.svc`."""
    path = urlsplit(original_url).path
    idx = path.find(".svc")
    return path[: idx + 4] if idx >= 0 else path


def footer(domain: str, root: str, table: str, next_link: str | None,
           count: int | None) -> dict[str, Any]:
    out: dict[str, Any] = {"@odata.context": f"{domain}{root}/$metadata#{table}"}
    if next_link is not None:
        out["@odata.nextLink"] = f"{domain}{next_link}"
    if count is not None:
        out["@odata.count"] = count
    return out
