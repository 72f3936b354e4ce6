"""Requests, responses, Kobo's error bodies and the route table of the Kobo sandbox."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote


@dataclass
class Response:
    """Status, headers and body; the server adds Content-Length."""

    status: int = 200
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)


def json_response(data: Any, status: int = 200) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(status, body, [("Content-Type", "application/json")])


class Problem(Exception):
    """An error answer in Django REST framework's shapes: {"detail": …} or {field: [msgs]}."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(json.dumps(body, ensure_ascii=False))
        self.status, self.body = status, body

    @classmethod
    def detail(cls, status: int, message: str) -> Problem:
        return cls(status, {"detail": message})

    @classmethod
    def invalid(cls, name: str, message: str) -> Problem:
        return cls(400, {name: [message]})


NOT_FOUND = "Not found."


@dataclass
class Request:
    """One HTTP request; `base` is the scheme and host the client used (DRF builds links from it)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names
    body: bytes
    base: str
    params: dict[str, str] = field(default_factory=dict)
    user: str | None = None

    @property
    def content_type(self) -> str:
        return (self.headers.get("content-type") or "").split(";")[0].strip().lower()

    def json_body(self) -> dict[str, Any]:
        if not self.body:
            return {}
        try:
            data = json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise Problem.detail(400, f"JSON parse error - {err}") from err
        if not isinstance(data, dict):
            raise Problem.invalid("non_field_errors", "Invalid data. Expected a dictionary.")
        return data

    def int_param(self, name: str, default: int) -> int:
        raw = self.query.get(name)
        if raw is None or raw == "":
            return default
        try:
            return max(0, int(raw))
        except ValueError:
            return default


Handler = Callable[[Request], Response]


@dataclass
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    anonymous: bool = False


class Router:
    """First matching route wins, so register specific patterns before general ones."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, method: str, pattern: str, handler: Handler, *, anonymous: bool = False) -> None:
        self.routes.append(Route(method, re.compile(f"^{pattern}$"), handler, anonymous))

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        lookup = "GET" if method == "HEAD" else method
        for route in self.routes:
            found = route.pattern.match(path)
            if route.method == lookup and found:
                return route, {k: unquote(v) for k, v in found.groupdict().items()}
        return None

    def allows(self, path: str) -> bool:
        return any(route.pattern.match(path) for route in self.routes)
