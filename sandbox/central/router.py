"""Central's Request, its route kinds and response helpers; the route table is sandbox.common's."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sandbox.common import router
from sandbox.common.router import Response, json_response

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


def success() -> Response:
    return json_response({"success": True})


def xml_response(text: str | bytes, status: int = 200, ctype: str = "application/xml") -> Response:
    body = text.encode("utf-8") if isinstance(text, str) else text
    return Response(status, body, [("Content-Type", f"{ctype}; charset=utf-8")])


# Central's routes and table: the shared ones, handed Central's Request.
Router = router.Router[Request]
