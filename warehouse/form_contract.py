"""The form fields the warehouse reads, and the pure check that a new form version keeps them.

A deploy that removes, renames or retypes one of these fields would leave the raw layer and
normalisation reading nothing (or the wrong thing) from every later submission, so the deploy
command refuses it unless told the warehouse has been changed to match (`--force`).
Paths and types are those of `connectors.xlsform.field_schema` (XForm bind types), as
documented per form in `forms/xlsform/README.md`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Literal

from pydantic import BaseModel

# child_registration (forms/xlsform/README.md, "paths the warehouse can rely on"): the key of the
# raw layer, and what normalisation turns into child observations, households and consent.
CHILD_REGISTRATION: dict[str, str] = {
    "meta/instanceID": "string",  # the raw layer's version key
    "start": "dateTime",
    "end": "dateTime",
    "today": "date",  # the observation date; age and "not in the future" are relative to it
    "enumerator_id": "string",
    "lao/lao_code": "string",
    "consent/consent_age": "int",
    "consent/consent_by": "string",
    "consent/consent_given": "string",
    "consent/child_assent": "string",
    "consent/consent_ok": "string",
    "consent/consent_scope": "string",
    "consent/consent_version": "string",
    "child/id_scheme": "string",
    "child/national_id": "string",
    "child/id_check_ok": "string",
    "child/g_code": "string",
    "child/sex": "string",
    "child/birth_date_precision": "string",
    "child/birth_date": "date",
    "child/age_years": "string",
    "child/prefix": "string",
    "child/first_name": "string",
    "child/last_name": "string",
    "child/nickname": "string",
    "child/nationality_status": "string",
    "address/house_no": "string",
    "address/moo": "int",
    "address/village_name": "string",
    "address/province_code": "string",
    "address/district_code": "string",
    "address/subdistrict_code": "string",
    "address/geopoint": "geopoint",
    "address/residence_status": "string",
    "guardian/guardian_relationship": "string",
    "guardian/guardian_name": "string",
    "guardian/guardian_phone": "string",
    "guardian/lives_with": "string",
    "education/ever_enrolled": "string",
    "education/oos_category": "string",
    "education/highest_level": "string",
    "education/last_school": "string",
    "education/year_left_be": "int",
    "education/leave_reasons": "string",
    "education/urgent_flag": "string",
}

# form_id → {field path: XForm type}. The follow-on forms join as normalisation starts reading them.
FORM_CONTRACTS: dict[str, dict[str, str]] = {
    "child_registration": CHILD_REGISTRATION,
}

# A new field whose last name is at least this similar to a removed one is taken as its new name
# (difflib's ratio: "first_name" → "firstname" 0.95, "moo" → "village_no" 0.31).
RENAME_SIMILARITY = 0.75

ChangeKind = Literal["removed", "renamed", "retyped"]


class BreakingChange(BaseModel):
    """One field the warehouse reads that a new form version takes away or changes."""

    form_id: str
    path: str
    kind: ChangeKind
    old_type: str
    new_type: str | None = None  # retyped: the new type; renamed: the type at the new path
    new_path: str | None = None  # renamed: the field that seems to replace it

    def __str__(self) -> str:
        what = {
            "removed": "is removed",
            "renamed": f"is renamed to {self.new_path} (removed, and a similar field added)",
            "retyped": f"changes type from {self.old_type} to {self.new_type}",
        }[self.kind]
        return f"{self.form_id}: field {self.path}, which the warehouse reads, {what}"


def _leaf(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def _rename_target(path: str, old_type: str, added: Mapping[str, str]) -> str | None:
    """The added field most like `path`: the same name in another group first, then a similar name."""
    same_type = {p: t for p, t in added.items() if t == old_type}
    moved = sorted(p for p in same_type if _leaf(p) == _leaf(path))
    if moved:
        return moved[0]
    scored = sorted(
        ((difflib.SequenceMatcher(None, _leaf(path), _leaf(p)).ratio(), p) for p in same_type),
        key=lambda pair: (-pair[0], pair[1]),
    )
    return scored[0][1] if scored and scored[0][0] >= RENAME_SIMILARITY else None


def breaking_changes(
    form_id: str,
    new_fields: Iterable[tuple[str, str]],
    *,
    published_fields: Iterable[tuple[str, str]] | None = None,
    contracts: Mapping[str, Mapping[str, str]] = FORM_CONTRACTS,
) -> list[BreakingChange]:
    """How the new version breaks the fields the warehouse reads; empty when it keeps them all.

    With `published_fields` (the version now on the server), only fields that version has are
    checked: a contract field the published form never had is not this deploy's doing, and the
    fields new since that version are the candidates for a rename. Without it (a new form),
    every field of the contract is checked.
    """
    contract = contracts.get(form_id, {})
    new = dict(new_fields)
    published = dict(published_fields) if published_fields is not None else None
    baseline = published if published is not None else dict(contract)
    added = {p: t for p, t in new.items() if p not in baseline}
    changes: list[BreakingChange] = []
    for path, wanted in sorted(contract.items()):
        if published is not None and path not in published:
            continue
        if path in new:
            if new[path] != wanted:
                changes.append(BreakingChange(form_id=form_id, path=path, kind="retyped",
                                              old_type=wanted, new_type=new[path]))
            continue
        target = _rename_target(path, wanted, added)
        if target is not None:
            del added[target]  # one new field replaces at most one old one
            changes.append(BreakingChange(form_id=form_id, path=path, kind="renamed", old_type=wanted,
                                          new_type=new[target], new_path=target))
        else:
            changes.append(BreakingChange(form_id=form_id, path=path, kind="removed", old_type=wanted))
    return changes


def refusal_message(form_file: str, changes: list[BreakingChange]) -> str:
    """What the person deploying reads when a form change is refused."""
    listed = "; ".join(str(c) for c in changes)
    return (
        f"Refused to deploy {form_file}: {listed}. Put the field back as it was, or rerun with "
        "--force if the warehouse has been changed to match."
    )
