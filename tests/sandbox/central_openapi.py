"""Check sandbox answers against ODK Central's published OpenAPI description."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

SPEC = Path(__file__).resolve().parents[2] / ".." / "shared" / "specs" / "odk-central-api.yaml"


@lru_cache(maxsize=1)
def spec() -> dict[str, Any]:
    if not SPEC.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"ODK Central's OpenAPI description is missing at {SPEC}")
        pytest.skip(f"ODK Central's OpenAPI description is not present at {SPEC}")
    loaded: dict[str, Any] = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    return loaded


def _resolve(node: Any, depth: int = 0) -> Any:
    """Inline `$ref`s and read OpenAPI 3.0 types as JSON Schema that also admits null.

    Central answers null for many properties its description leaves without `nullable`
    (`updatedAt`, `deletedAt`, `publishedAt`…), so null is accepted everywhere; required
    keys and the types of present values are still checked.
    """
    if depth > 40:
        return {}
    if isinstance(node, list):
        return [_resolve(n, depth + 1) for n in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        target: Any = spec()
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        return _resolve(target, depth + 1)
    out = {k: _resolve(v, depth + 1) for k, v in node.items()
           if k not in ("example", "examples", "nullable")}
    if isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    if isinstance(out.get("enum"), list) and "null" in out["enum"]:
        out["enum"] = [*out["enum"], None]  # the spec writes JSON null as the string 'null'
    return out


def documented_statuses(path: str, method: str) -> set[str]:
    return set(spec()["paths"][path][method.lower()]["responses"])


def check(response: Any, path: str, method: str = "get") -> None:
    """The status is documented for the operation and a JSON body fits its schema."""
    operation = spec()["paths"][path][method.lower()]
    status = str(response.status_code)
    assert status in operation["responses"], f"{status} is not documented for {method} {path}"
    content = operation["responses"][status].get("content", {})
    media = next((m for m in content if "json" in m), None)
    if media is None or "schema" not in content[media]:
        return
    schema = _resolve(content[media]["schema"])
    jsonschema.validate(response.json(), schema)


def check_error(response: Any) -> None:
    """An error body fits the spec's `Error<status>` schema and its code is a JSON number."""
    name = f"Error{response.status_code}"
    schema = _resolve({"$ref": f"#/components/schemas/{name}"})
    body = response.json()
    jsonschema.validate(body, schema)
    assert isinstance(body["code"], float) and int(body["code"]) == response.status_code
