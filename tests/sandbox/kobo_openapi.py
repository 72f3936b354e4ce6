"""Check Kobo sandbox answers against KoboToolbox KPI's published OpenAPI description."""

from __future__ import annotations

from typing import Any

from tests.sandbox.openapi_checks import SPECS, OpenApi

SPEC = SPECS / "kobotoolbox-kpi-api-v2.yaml"


def _dedupe_types(schema: dict[str, Any]) -> None:
    if isinstance(schema.get("type"), list):  # KPI writes e.g. ["array", "null", "null"]
        schema["type"] = list(dict.fromkeys(schema["type"]))


# Examples and KPI's non-standard `additional_properties` are not JSON Schema.
_API = OpenApi(SPEC, "KoboToolbox", drop=("example", "examples", "nullable", "additional_properties"),
               adjust=_dedupe_types)
spec, check, check_schema = _API.spec, _API.check, _API.check_schema
