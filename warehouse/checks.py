"""Flag raw submissions that do not match their form: pure, no I/O."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Literal, Protocol

from pydantic import BaseModel

Severity = Literal["error", "warning"]

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Annotations the OData feed adds beside the form's own fields.
_ODATA_KEYS = ("__id", "__system")


class FieldLike(Protocol):
    """What a form field looks like for these checks (a source's field description)."""

    path: str
    type: str


class Issue(BaseModel):
    """One way a submission does not match its form, written for a data manager to act on."""

    code: str
    severity: Severity
    field: str | None = None
    found: str | None = None
    expected: str | None = None
    message: str


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_datetime(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


# What a well-formed value of each XForm type looks like once the source has rendered it as JSON.
_TYPE_CHECKS: dict[str, Any] = {
    "int": _is_int,
    "decimal": lambda v: _is_int(v) or isinstance(v, float),
    "date": lambda v: isinstance(v, str) and bool(_DATE.match(v)),
    "dateTime": _is_datetime,
    "string": lambda v: isinstance(v, str),
    "geopoint": lambda v: isinstance(v, dict) and "coordinates" in v,
    "boolean": lambda v: isinstance(v, bool),
}


def _lookup(data: Mapping[str, Any], path: str) -> tuple[bool, Any]:
    """(present, value) for a `/group/field` path in nested objects."""
    node: Any = data
    for part in path.strip("/").split("/"):
        if not isinstance(node, Mapping) or part not in node:
            return False, None
        node = node[part]
    return True, node


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_submission(
    data: Mapping[str, Any], fields: Sequence[FieldLike] | None, *, instance_path: str = "/meta/instanceID"
) -> list[Issue]:
    """Every mismatch between a submission's data and its form's fields (None: form unknown)."""
    issues: list[Issue] = []
    present, instance_id = _lookup(data, instance_path)
    if not present or not instance_id:
        issues.append(Issue(
            code="missing_instance_id", severity="error", field=instance_path,
            message="The submission has no meta/instanceID, so its versions cannot be told apart; "
            "ask the enumerator to resend it from ODK Collect or fix the form's metadata.",
        ))
    if fields is None:
        return issues
    repeat_paths = [f.path for f in fields if f.type == "repeat"]
    known = {f.path for f in fields}
    for field in fields:
        if field.type in ("structure", "repeat") or any(
            field.path.startswith(r + "/") for r in repeat_paths
        ):
            continue
        found, value = _lookup(data, field.path)
        check = _TYPE_CHECKS.get(field.type)
        if found and value is not None and check is not None and not check(value):
            issues.append(Issue(
                code="wrong_type", severity="error", field=field.path, found=_short(value),
                expected=field.type,
                message=f"Field {field.path} holds {_short(value)} where the form expects a "
                f"{field.type}; correct it at the source (edit the submission) and sync again.",
            ))
    for path in _leaf_paths(data, prefix=""):
        if path not in known and not any(path.startswith(r + "/") for r in repeat_paths):
            issues.append(Issue(
                code="unknown_field", severity="warning", field=path,
                message=f"Field {path} is not in this version of the form; it is kept as received "
                "but nothing downstream reads it.",
            ))
    return issues


def _leaf_paths(data: Mapping[str, Any], prefix: str) -> Iterable[str]:
    for key, value in data.items():
        if key in _ODATA_KEYS or "@odata" in key:
            continue
        path = f"{prefix}/{key}"
        if isinstance(value, Mapping) and "coordinates" not in value:
            yield from _leaf_paths(value, path)
        elif not isinstance(value, list):
            yield path
