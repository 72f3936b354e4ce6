"""Flag raw submissions that do not match their form: pure, no I/O."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
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
# Value types each check passes whatever the value: looked up before the check is called.
_ACCEPTED: dict[str, frozenset[type]] = {
    "int": frozenset({int}), "decimal": frozenset({int, float}), "string": frozenset({str}),
    "boolean": frozenset({bool}),
}


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _unknown_field(path: str) -> Issue:
    return Issue(code="unknown_field", severity="warning", field=path,
                 message=f"Field {path} is not in this version of the form; it is kept as "
                 "received but nothing downstream reads it.")


def _wrong_type(path: str, kind: str, value: Any) -> Issue:
    return Issue(code="wrong_type", severity="error", field=path, found=_short(value), expected=kind,
                 message=f"Field {path} holds {_short(value)} where the form expects a {kind}; "
                 "correct it at the source (edit the submission) and sync again.")


# The walk of rows of one shape, planned once (see FormChecker.issues): per object met, in the order
# `check` meets them, the chain of keys reaching it, its keys in order, and a step per value:
# (key, path, type, check or None, types passing it unchecked, fixed issue or None).
_Step = tuple[str, str, str, Callable[[Any], bool] | None, frozenset[type], dict[str, Any] | None]
_Plan = list[tuple[tuple[str, ...], tuple[str, ...], list[_Step]]]
_MAX_PLANS = 512  # per form version; rows of further shapes are walked in full
_PLANS_PER_KEYS = 4  # shapes kept that share the same top-level keys


class FormChecker:
    """A form version's fields compiled once, so each row is checked in one walk of its data."""

    def __init__(self, fields: Sequence[FieldLike], *, instance_path: str = "/meta/instanceID") -> None:
        self.instance_path = instance_path
        self.repeats = tuple(f.path for f in fields if f.type == "repeat")
        self.structures = {f.path for f in fields if f.type == "structure"}
        self.checks = {f.path: (f.type, _TYPE_CHECKS.get(f.type)) for f in fields
                       if f.type not in ("structure", "repeat")}
        self._instance_keys = tuple(instance_path.strip("/").split("/"))
        self._plans: dict[tuple[str, ...], list[_Plan]] = {}
        self._planned = 0

    def check(self, data: Mapping[str, Any]) -> list[Issue]:
        issues = _instance_issues(data, self.instance_path)
        for path, value in _leaves(data, "", self.structures):
            typed = self.checks.get(path)
            if typed is None:
                if path not in self.repeats and path not in self.structures:
                    issues.append(_unknown_field(path))
                continue
            kind, check = typed
            if value is not None and check is not None and not check(value):
                issues.append(_wrong_type(path, kind, value))
        return issues

    def issues(self, data: Mapping[str, Any]) -> list[dict[str, Any]]:
        """`check` as stored (each issue's non-empty fields), its walk planned once per row shape.

        A plan made from one row serves every row with the same keys at every level: only the
        values the form types are looked at, and a value whose kind would change the walk (an
        object where the plan met none) sends the row to the full walk instead.
        """
        node: Any = data
        for key in self._instance_keys:
            node = node.get(key) if isinstance(node, Mapping) else None
        found = [] if node else [_instance_issues(data, self.instance_path)[0].model_dump(
            exclude_none=True)]
        top = tuple(data)
        plans = self._plans.get(top)
        for plan in plans or ():
            planned = self._run(plan, data)
            if planned is not None:
                return found + planned
        if self._planned < _MAX_PLANS and len(plans or ()) < _PLANS_PER_KEYS:
            self._plans.setdefault(top, []).append(self._plan(data))
            self._planned += 1
        return [i.model_dump(exclude_none=True) for i in self.check(data)]

    def _run(self, plan: _Plan, data: Mapping[str, Any]) -> list[dict[str, Any]] | None:
        """The issues of a row by `plan`; None when the row is not of the plan's shape."""
        found: list[dict[str, Any]] = []
        structures = self.structures
        for chain, keys, steps in plan:
            node: Any = data
            for key in chain:
                node = node.get(key) if type(node) is dict else None
            if type(node) is not dict or tuple(node) != keys:
                return None
            for name, path, kind, valid, accepted, fixed in steps:
                value = node[name]
                if value is None or type(value) in accepted:
                    pass
                elif type(value) is dict and (path in structures or "coordinates" not in value):
                    return None  # an object the plan's row did not have: walked otherwise
                elif valid is not None and not valid(value):
                    found.append(_wrong_type(path, kind, value).model_dump(exclude_none=True))
                if fixed is not None:
                    found.append(dict(fixed))
        return found

    def _plan(self, data: Mapping[str, Any]) -> _Plan:
        """The walk `check` makes of rows shaped like `data`, in the same order."""
        plan: _Plan = []
        stack: list[tuple[str, tuple[str, ...], Mapping[str, Any]]] = [("", (), data)]
        while stack:
            base, chain, node = stack.pop()
            steps: list[_Step] = []
            for key, value in node.items():
                if key in _ODATA_KEYS or "@odata" in key:
                    continue
                path = f"{base}/{key}"
                if type(value) is dict and (path in self.structures or "coordinates" not in value):
                    stack.append((path, (*chain, key), value))
                    continue
                typed = self.checks.get(path)
                kind, valid = typed if typed is not None else ("", None)
                unknown = typed is None and path not in self.repeats and path not in self.structures
                fixed = _unknown_field(path).model_dump(exclude_none=True) if unknown else None
                accepted = _ACCEPTED.get(kind, frozenset()) if valid is not None else frozenset()
                steps.append((key, path, kind, valid, accepted, fixed))
            plan.append((chain, tuple(node), steps))
        return plan


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
