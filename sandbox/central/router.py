"""Requests, responses and the route table that maps a method and path to a handler."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

if TYPE_CHECKING:
    from sandbox.central.auth import Auth

# Route kinds decide how errors are written and which pre-checks run, as Central's
# endpoint flavours do (plain JSON, OpenRosa XML, OData).
JSON, OPENROSA, ODATA_JSON, ODATA_XML = "json", "openrosa", "odata-json", "odata-xml"


@dataclass
class Request:
    """One HTTP request, with the /v1 and /key/{token} prefixes already taken off `path`."""

    method: str
    path: str
    original_url: str  # the path and query as sent, like Express's originalUrl
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names
    body: bytes
    field_key: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    auth: Auth | None = None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def flag(self, name: str) -> bool:
        """Central's isTrue(): only the string 'true' (any case) counts."""
        value = self.query.get(name)
        return value is not None and value.lower() == "true"

    @property
    def content_type(self) -> str:
        return (self.header("content-type") or "").split(";")[0].strip().lower()

    def json_body(self) -> Any:
        from sandbox.central import problems

        if not self.body:
            return {}
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise problems.unparseable("json", len(self.body)) from err


@dataclass
class Response:
    """Status, headers and body; the server adds Content-Length."""

    status: int = 200
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


def json_response(data: Any, status: int = 200) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(status, body, [("Content-Type", "application/json; charset=utf-8")])


def success() -> Response:
    return json_response({"success": True})


def xml_response(text: str | bytes, status: int = 200, ctype: str = "application/xml") -> Response:
    body = text.encode("utf-8") if isinstance(text, str) else text
    return Response(status, body, [("Content-Type", f"{ctype}; charset=utf-8")])


Handler = Callable[[Request], Response]


@dataclass
class Route:
    """A method, a path pattern with named groups, and how to run the handler."""

    method: str
    pattern: re.Pattern[str]
    handler: Handler
    kind: str = JSON
    anonymous: bool = False


class Router:
    """First matching route wins, so register specific patterns before general ones."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, method: str, pattern: str, handler: Handler, *, kind: str = JSON,
            anonymous: bool = False) -> None:
        self.routes.append(Route(method, re.compile(f"^{pattern}$"), handler, kind, anonymous))

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        lookup = "GET" if method == "HEAD" else method
        for route in self.routes:
            if route.method != lookup:
                continue
            found = route.pattern.match(path)
            if found:
                return route, {k: unquote(v) for k, v in found.groupdict().items()}
        return None
