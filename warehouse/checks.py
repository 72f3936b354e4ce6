"""Flag raw submissions that do not match their form: pure, no I/O."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Literal, Protocol

from pydantic import BaseModel

Severity = Literal["error", "warning"]

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Annotations the OData feed adds beside the form's own fields.
_ODATA_KEYS = ("__id", "__system")


class FieldLike(Protocol):
    """What a form field looks like for these checks (a source's field description)."""

    @property
    def path(self) -> str: ...

    @property
    def type(self) -> str: ...


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


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class FormChecker:
    """A form version's fields compiled once, so each row is checked in one walk of its data."""

    def __init__(self, fields: Sequence[FieldLike], *, instance_path: str = "/meta/instanceID") -> None:
        self.instance_path = instance_path
        self.repeats = tuple(f.path for f in fields if f.type == "repeat")
        self.structures = {f.path for f in fields if f.type == "structure"}
        self.checks = {f.path: (f.type, _TYPE_CHECKS.get(f.type)) for f in fields
                       if f.type not in ("structure", "repeat")}

    def check(self, data: Mapping[str, Any]) -> list[Issue]:
        issues = _instance_issues(data, self.instance_path)
        for path, value in _leaves(data, "", self.structures):
            typed = self.checks.get(path)
            if typed is None:
                if path not in self.repeats and path not in self.structures:
                    issues.append(Issue(
                        code="unknown_field", severity="warning", field=path,
                        message=f"Field {path} is not in this version of the form; it is kept as "
                        "received but nothing downstream reads it.",
                    ))
                continue
            kind, check = typed
            if value is not None and check is not None and not check(value):
                issues.append(Issue(
                    code="wrong_type", severity="error", field=path, found=_short(value),
                    expected=kind,
                    message=f"Field {path} holds {_short(value)} where the form expects a {kind}; "
                    "correct it at the source (edit the submission) and sync again.",
                ))
        return issues


def check_submission(
    data: Mapping[str, Any], fields: Sequence[FieldLike] | None, *, instance_path: str = "/meta/instanceID"
) -> list[Issue]:
    """Every mismatch between a submission's data and its form's fields (None: form unknown)."""
    if fields is None:
        return _instance_issues(data, instance_path)
    return FormChecker(fields, instance_path=instance_path).check(data)


def _instance_issues(data: Mapping[str, Any], instance_path: str) -> list[Issue]:
    node: Any = data
    for part in instance_path.strip("/").split("/"):
        node = node.get(part) if isinstance(node, Mapping) else None
    if node:
        return []
    return [Issue(
        code="missing_instance_id", severity="error", field=instance_path,
        message="The submission has no meta/instanceID, so its versions cannot be told apart; "
        "ask the enumerator to resend it from ODK Collect or fix the form's metadata.",
    )]


def _leaves(data: Mapping[str, Any], prefix: str, structures: set[str]) -> list[tuple[str, Any]]:
    """(path, value) of every value outside repeats; a group's keys are walked, not reported."""
    # Hot path (every row of every sync): plain dicts from JSON, an explicit stack, no generators.
    found: list[tuple[str, Any]] = []
    stack: list[tuple[str, Mapping[str, Any]]] = [(prefix, data)]
    while stack:
        base, node = stack.pop()
        for key, value in node.items():
            if key in _ODATA_KEYS or "@odata" in key:
                continue
            path = f"{base}/{key}"
            if type(value) is dict and (path in structures or "coordinates" not in value):
                stack.append((path, value))
            else:
                found.append((path, value))  # a list is a repeat, checked by its own table's schema
    return found
