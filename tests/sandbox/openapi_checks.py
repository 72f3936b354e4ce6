"""Load a published OpenAPI description, inline its `$ref`s and check sandbox answers against it."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

SPECS = Path(__file__).resolve().parents[2] / ".." / "shared" / "specs"


class OpenApi:
    """One API description: `spec()` loads it once (skips, or fails under CI, when absent).

    `drop` lists keys that are not JSON Schema and are removed while resolving; `adjust`
    rewrites each resolved schema object to match how the real server answers.
    """

    def __init__(self, path: Path, who: str, *, drop: tuple[str, ...],
                 adjust: Callable[[dict[str, Any]], None]) -> None:
        self.path, self.who, self.drop, self.adjust = path, who, drop, adjust
        self._loaded: dict[str, Any] | None = None

    def spec(self) -> dict[str, Any]:
        if self._loaded is None:
            if not self.path.exists():
                if os.environ.get("CI") == "true":
                    pytest.fail(f"{self.who}'s OpenAPI description is missing at {self.path}")
                pytest.skip(f"{self.who}'s OpenAPI description is not present at {self.path}")
            self._loaded = yaml.safe_load(self.path.read_text(encoding="utf-8"))
        return self._loaded

    def resolve(self, node: Any, depth: int = 0) -> Any:
        """Inline `$ref`s (cycles cut at depth 40) and read the result as JSON Schema."""
        if depth > 40:
            return {}
        if isinstance(node, list):
            return [self.resolve(n, depth + 1) for n in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            target: Any = self.spec()
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            return self.resolve(target, depth + 1)
        out = {k: self.resolve(v, depth + 1) for k, v in node.items() if k not in self.drop}
        self.adjust(out)
        return out

    def operation(self, path: str, method: str) -> dict[str, Any]:
        found: dict[str, Any] = self.spec()["paths"][path][method.lower()]
        return found

    def check(self, response: Any, path: str, method: str = "get") -> None:
        """The status is documented for the operation and a JSON body fits its schema."""
        operation = self.operation(path, method)
        status = str(response.status_code)
        assert status in operation["responses"], f"{status} is not documented for {method} {path}"
        content = operation["responses"][status].get("content", {})
        media = next((m for m in content if "json" in m), None)
        if media is None or "schema" not in content[media]:
            return
        schema = self.resolve(content[media]["schema"])
        jsonschema.validate(response.json(), schema)

    def check_schema(self, body: Any, name: str) -> None:
        """The body fits the named schema of `components/schemas`."""
        jsonschema.validate(body, self.resolve({"$ref": f"#/components/schemas/{name}"}))
