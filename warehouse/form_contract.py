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
# (difflib's ratio: "first_name" → "firstname" 0.95, "first_name" → "given_name" 0.6, which is
# paired by group and type instead, see _pair_renames).
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


def _similar_target(path: str, old_type: str, added: Mapping[str, str]) -> str | None:
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


def _group(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else ""


def _pair_renames(removed: dict[str, str], added: dict[str, str]) -> dict[str, str]:
    """Removed path → the added path that replaces it.

    A similar name (or the same name moved) pairs first; then, within one group, one removed
    field and one added field of the same type are taken as a rename (`first_name` → `given_name`).
    """
    pairs: dict[str, str] = {}
    left = dict(added)
    for path, old_type in sorted(removed.items()):
        target = _similar_target(path, old_type, left)
        if target is not None:
            pairs[path] = target
            del left[target]  # one new field replaces at most one old one
    unpaired = {p: t for p, t in removed.items() if p not in pairs}
    for path, old_type in sorted(unpaired.items()):
        key = (_group(path), old_type)
        gone = [p for p, t in unpaired.items() if (_group(p), t) == key]
        new = [p for p, t in left.items() if (_group(p), t) == key]
        if len(gone) == 1 and len(new) == 1:
            pairs[path] = new[0]
            del left[new[0]]
    return pairs


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
    removed: dict[str, str] = {}
    for path, wanted in sorted(contract.items()):
        if published is not None and path not in published:
            continue
        if path not in new:
            removed[path] = wanted
        elif new[path] != wanted:
            changes.append(BreakingChange(form_id=form_id, path=path, kind="retyped",
                                          old_type=wanted, new_type=new[path]))
    renames = _pair_renames(removed, added)
    for path, wanted in removed.items():
        target = renames.get(path)
        if target is not None:
            changes.append(BreakingChange(form_id=form_id, path=path, kind="renamed", old_type=wanted,
                                          new_type=new[target], new_path=target))
        else:
            changes.append(BreakingChange(form_id=form_id, path=path, kind="removed", old_type=wanted))
    changes.sort(key=lambda c: c.path)
    return changes


def refusal_message(form_file: str, changes: list[BreakingChange]) -> str:
    """What the person deploying reads when a form change is refused."""
    listed = "; ".join(str(c) for c in changes)
    return (
        f"Refused to deploy {form_file}: {listed}. Put the field back as it was, or rerun with "
        "--force if the warehouse has been changed to match."
    )
