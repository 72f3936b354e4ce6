"""The child a follow-on form was filled for: the entity chosen in Collect, kept as an observation."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from warehouse.cleaning import check_lao_code, clean_name
from warehouse.normalise.common import PLAN_STATUS, Form, Header, Output, Problem, Text, one_of
from warehouse.normalised import ChildIdentifier, ChildObservation

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class Case(Form):
    """What the form read from the children list; the warehouse trusts its own history over these."""

    child: Text = None
    ch_name: Text = None
    ch_status: Annotated[str | None, one_of(*PLAN_STATUS)] = None
    ch_next_due: Text = None
    ch_registered: Text = None
    ch_birth_year: Text = None
    ch_sensitive: Text = None
    ch_plan_id: Text = None
    ch_plan_version: Text = None
    ch_plan_date: Text = None
    ch_interventions: Text = None
    ch_status_th: Text = None
    ch_status_en: Text = None
    ch_next_due_th: Text = None
    ch_next_due_en: Text = None
    child_summary: Text = None


class FollowOn(Header):
    """The head every follow-on form shares: Collect metadata, LAO, the child."""

    phonenumber: Text = None
    case: Case | None = None
    instance_label: Text = None


def require_case(problems: list[Problem], form: FollowOn) -> None:
    if form.lao is None or form.lao.lao_code is None:
        problems.append(Problem("missing_required", field="lao/lao_code"))
    if form.case is None or form.case.child is None:
        problems.append(Problem("missing_required", field="case/child"))


def observe_case(out: Output, form: FollowOn, on: date | None) -> str | None:
    """The child observation and entity identifier of a follow-on form; returns the entity id."""
    case = form.case or Case()
    entity = case.child
    lao = check_lao_code(form.lao.lao_code if form.lao else None)
    if not lao.known:
        out.flag("lao/lao_code", "lao_code_unknown", lao.as_entered)
    valid = bool(entity and _UUID.match(entity.lower()))
    if entity and not valid:
        out.flag("case/child", "entity_id_not_a_uuid", entity)
    out.add(
        ChildIdentifier,
        scheme="ENTITY",
        as_entered=entity,
        value=entity.lower() if entity else None,
        valid=valid,
        id_kind=None,
        flags=[] if valid else ["not_a_uuid"],
    )
    words = (case.ch_name or "").split()
    # The list's full_name is "first last"; a surname of royal descent is two words ("ณ ลำพูน").
    cut = -2 if len(words) > 2 and words[-2] == "ณ" else -1
    name = (
        clean_name(" ".join(words[:cut]) or None, " ".join(words[cut:]) if words else None)
        if len(words) > 1
        else clean_name(case.ch_name, None)
    )
    year = int(case.ch_birth_year) if case.ch_birth_year and case.ch_birth_year.isdigit() else None
    out.add(
        ChildObservation,
        observed_on=on,
        lao_code=lao.code,
        enumerator_id=form.enumerator_id or form.username,
        entity_id=entity.lower() if entity else None,
        name_as_entered=case.ch_name,
        first_name=name.first,
        last_name=name.last,
        birth_year=year,
        age_years=on.year - year if on and year else None,
    )
    return entity.lower() if entity else None


def seen_status(form: FollowOn) -> int | None:
    return int(form.case.ch_status) if form.case and form.case.ch_status else None
