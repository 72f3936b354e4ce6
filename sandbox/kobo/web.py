"""Kobo's Request, its error bodies and JSON responses; the route table is sandbox.common's."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sandbox.common import router
from sandbox.common.router import Response


def json_response(data: Any, status: int = 200) -> Response:
    """DRF's JSON renderer: no charset in Content-Type."""
    return router.json_response(data, status, content_type="application/json")


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


# Kobo's routes and table: the shared ones, handed Kobo's Request.
Router = router.Router[Request]
