"""Check sandbox answers against ODK Central's published OpenAPI description."""

from __future__ import annotations

from typing import Any

import jsonschema

from tests.sandbox.openapi_checks import SPECS, OpenApi

SPEC = SPECS / "odk-central-api.yaml"


def _nullable(schema: dict[str, Any]) -> None:
    """Read OpenAPI 3.0 types as JSON Schema that also admits null.

    Central answers null for many properties its description leaves without `nullable`
    (`updatedAt`, `deletedAt`, `publishedAt`…), so null is accepted everywhere; required
    keys and the types of present values are still checked.
    """
    if isinstance(schema.get("allOf"), list):
        # `reviewState` is written as allOf[enum, {type: object, properties: {}}], which no
        # string could satisfy; the empty object part is an artefact of the description.
        schema["allOf"] = [s for s in schema["allOf"]
                           if s.get("properties") != {} or s.get("type") != ["object", "null"]]
    if isinstance(schema.get("type"), str):
        schema["type"] = [schema["type"], "null"]
    if isinstance(schema.get("enum"), list) and "null" in schema["enum"]:
        schema["enum"] = [*schema["enum"], None]  # the spec writes JSON null as the string 'null'


_API = OpenApi(SPEC, "ODK Central", drop=("example", "examples", "nullable"), adjust=_nullable)
spec, _resolve, check = _API.spec, _API.resolve, _API.check


def documented_statuses(path: str, method: str) -> set[str]:
    return set(_API.operation(path, method)["responses"])


def check_error(response: Any) -> None:
    """An error body fits the spec's `Error<status>` schema and its code is a JSON number."""
    schema = _resolve({"$ref": f"#/components/schemas/Error{response.status_code}"})
    body = response.json()
    jsonschema.validate(body, schema)
    assert isinstance(body["code"], float) and int(body["code"]) == response.status_code

