"""plan_followup (DOMAIN §4.4) → follow-up, intervention progress (repeat), proposed status."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from warehouse.normalise.assistance_plan import INTERVENTION_TYPE
from warehouse.normalise.case import FollowOn, observe_case, require_case, seen_status
from warehouse.normalise.common import (
    PLAN_STATUS,
    YES_NO,
    YES_NO_UNKNOWN,
    Form,
    OdkDate,
    OdkInt,
    Output,
    Problem,
    Quarantined,
    Text,
    any_of,
    one_of,
    require,
    status_code,
    unknown_fields,
    validate,
    yes,
)
from warehouse.normalised import FollowUp, InterventionProgress, StatusEvent

FORM_ID = "plan_followup"
VERSIONS = ("2026113001",)
OUTCOME = (
    "IN_FORMAL",
    "IN_NFE",
    "IN_TRAINING",
    "WORKING",
    "TRAINING_AND_WORK",
    "NOT_ENGAGED",
    "MOVED",
    "LOST",
    "DECEASED",
)
BARRIER = (
    "NO_MONEY",
    "TRANSPORT",
    "MUST_WORK",
    "FAMILY",
    "CHILD_NOT_READY",
    "DOCS",
    "NO_PLACE",
    "AGENCY_DELAY",
    "HEALTH",
    "OTHER",
    "NONE",
)
CLOSE_REASON = (
    "GOAL_MET",
    "REFERRED",
    "MOVED",
    "LOST",
    "REFUSED",
    "AGED_OUT",
    "DECEASED",
    "CONSENT_WITHDRAWN",
    "DUPLICATE",
)
CLOSED = 70  # DOMAIN §6: 70 and above are closed


class FollowupGroup(Form):
    plan_id: Text = None
    is_supervision: Annotated[str | None, one_of(*YES_NO)] = None
    fu_date: OdkDate = None
    fu_mode: Annotated[str | None, one_of("HOME", "PHONE", "ONLINE", "SCHOOL")] = None
    child_current_status: Annotated[str | None, one_of(*OUTCOME)] = None
    enrolled_institution: Text = None
    attendance_ok: Annotated[str | None, one_of(*YES_NO_UNKNOWN)] = None


class Progress(Form):
    n_planned: OdkInt = None
    progress_planned: Text = None
    n_intv: OdkInt = None
    n_rows: OdkInt = None


class ProgressRow(Form):
    intv_no: OdkInt = None
    intv_planned: Annotated[str | None, one_of(*INTERVENTION_TYPE)] = None
    intv_choice: Annotated[str | None, one_of(*INTERVENTION_TYPE)] = None
    intv_ref: Annotated[str | None, one_of(*INTERVENTION_TYPE)] = None
    intv_ref_label: Text = None
    intv_show: Text = None
    intv_progress: Annotated[
        str | None, one_of("NOT_STARTED", "IN_PROGRESS", "DONE", "CANCELLED", "BLOCKED")
    ] = None
    barriers: Annotated[tuple[str, ...], any_of(*BARRIER)] = ()
    next_steps: Text = None


class StatusGroup(Form):
    recommend_status: Annotated[str | None, one_of(*PLAN_STATUS)] = None
    close_reason: Annotated[str | None, one_of(*CLOSE_REASON)] = None


class Supervision(Form):
    supervisor_id: Text = None
    supervision_result: Annotated[str | None, one_of("APPROVED", "REVISE", "ESCALATE")] = None
    supervisor_note: Text = None


class PlanFollowup(FollowOn):
    followup: FollowupGroup | None = None
    progress: Progress | None = None
    intervention_progress: tuple[ProgressRow, ...] = ()
    status: StatusGroup | None = None
    supervision: Supervision | None = None
    next_fu_date: OdkDate = None


def normalise(data: Mapping[str, Any], *, form_version: str | None) -> Output:
    """The rows of one follow-up; Quarantined when it cannot be read as the form says."""
    fixed = dict(data)
    rows = fixed.get("intervention_progress")
    fixed["intervention_progress"] = [rows] if isinstance(rows, dict) else rows if rows is not None else []
    form: PlanFollowup = validate(PlanFollowup, fixed, repeats=("intervention_progress",))
    problems: list[Problem] = []
    require_case(problems, form)
    fu = form.followup or FollowupGroup()
    status = form.status or StatusGroup()
    require(
        problems,
        followup__is_supervision=fu.is_supervision,
        followup__fu_date=fu.fu_date,
        followup__fu_mode=fu.fu_mode,
        followup__child_current_status=fu.child_current_status,
        status__recommend_status=status.recommend_status,
    )
    proposed = status_code(status.recommend_status)
    if proposed is not None and proposed >= CLOSED:
        require(problems, status__close_reason=status.close_reason)
    for n, row in enumerate(form.intervention_progress, start=1):
        require(
            problems,
            **{
                f"intervention_progress[{n}]/intv_progress": row.intv_progress,
                f"intervention_progress[{n}]/intv_ref": row.intv_ref or row.intv_planned or row.intv_choice,
            },
        )
    supervision = form.supervision if fu.is_supervision == "1" else None
    if supervision is not None:
        require(
            problems,
            supervision__supervisor_id=supervision.supervisor_id,
            supervision__supervision_result=supervision.supervision_result,
        )
    if problems:
        raise Quarantined(problems)
    out = Output()
    for path in unknown_fields(form):
        out.flag(path, "unknown_field")
    entity = observe_case(out, form, fu.fu_date)
    plan_id = fu.plan_id or (form.case.ch_plan_id if form.case else None)
    if fu.fu_date and form.next_fu_date and form.next_fu_date <= fu.fu_date:
        out.flag("next_fu_date", "next_follow_up_not_after_this_one", form.next_fu_date)
    out.add(
        FollowUp,
        entity_id=entity,
        lao_code=form.lao.lao_code if form.lao else None,
        plan_id=plan_id,
        is_supervision=yes(fu.is_supervision),
        fu_date=fu.fu_date,
        fu_mode=fu.fu_mode,
        child_current_status=fu.child_current_status,
        enrolled_institution=fu.enrolled_institution,
        attendance_ok=fu.attendance_ok,
        recommend_status=proposed,
        close_reason=status.close_reason,
        supervisor_id=supervision.supervisor_id if supervision else None,
        supervision_result=supervision.supervision_result if supervision else None,
        supervisor_note=supervision.supervisor_note if supervision else None,
        next_fu_date=form.next_fu_date,
    )
    if supervision is not None:
        out.free_text("supervision/supervisor_note", supervision.supervisor_note)
    for n, row in enumerate(form.intervention_progress, start=1):
        position = row.intv_no or n
        out.add(
            InterventionProgress,
            plan_id=plan_id,
            position=position,
            intv_ref=row.intv_ref or row.intv_planned or row.intv_choice,
            progress=row.intv_progress,
            next_steps=row.next_steps,
        )
        if "NONE" in row.barriers and len(row.barriers) > 1:
            out.flag(
                f"intervention_progress[{n}]/barriers", "none_with_other_choices", " ".join(row.barriers)
            )
        out.choices("intervention_progress/barriers", row.barriers, position=position)
        out.free_text("intervention_progress/next_steps", row.next_steps, position=position)
    assert proposed is not None
    out.add(
        StatusEvent,
        entity_id=entity,
        plan_id=plan_id,
        event_date=fu.fu_date,
        seen_status=seen_status(form),
        proposed_status=proposed,
        close_reason=status.close_reason,
    )
    return out
