"""Responses and the route table that maps a method and path to a handler, for either sandbox."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import unquote

RequestT = TypeVar("RequestT")


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


def json_response(data: Any, status: int = 200, *,
                  content_type: str = "application/json; charset=utf-8") -> Response:
    """Compact UTF-8 JSON; Central names the charset in Content-Type, Kobo (DRF) does not."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(status, body, [("Content-Type", content_type)])


@dataclass
class Route(Generic[RequestT]):
    """A method, a path pattern with named groups, and how to run the handler.

    `kind` is the endpoint flavour a dispatcher may read (Central: json, openrosa, odata).
    """

    method: str
    pattern: re.Pattern[str]
    handler: Callable[[RequestT], Response]
    kind: str = "json"
    anonymous: bool = False


class Router(Generic[RequestT]):
    """First matching route wins, so register specific patterns before general ones."""

    def __init__(self) -> None:
        self.routes: list[Route[RequestT]] = []

    def add(self, method: str, pattern: str, handler: Callable[[RequestT], Response], *,
            kind: str = "json", anonymous: bool = False) -> None:
        self.routes.append(Route(method, re.compile(f"^{pattern}$"), handler, kind, anonymous))

    def match(self, method: str, path: str) -> tuple[Route[RequestT], dict[str, str]] | None:
        """The route and its unquoted path parameters; HEAD is answered by the GET route."""
        lookup = "GET" if method == "HEAD" else method
        for route in self.routes:
            if route.method != lookup:
                continue
            found = route.pattern.match(path)
            if found:
                return route, {k: unquote(v) for k, v in found.groupdict().items()}
        return None

    def allows(self, path: str) -> bool:
        """Some route, of any method, matches the path (a 405 rather than a 404)."""
        return any(route.pattern.match(path) for route in self.routes)
