"""assistance_plan (DOMAIN §4.3) → plan, its goals and interventions (repeats), proposed status."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from warehouse.normalise.case import FollowOn, observe_case, require_case, seen_status
from warehouse.normalise.common import (
    PLAN_STATUS,
    YES_NO,
    Form,
    OdkDate,
    OdkDecimal,
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
)
from warehouse.normalised import Plan, PlanGoal, PlanIntervention, StatusEvent

FORM_ID = "assistance_plan"
VERSIONS = ("2026113001",)
PROBLEM_DOMAIN = (
    "EDUCATION",
    "ECONOMIC",
    "FAMILY",
    "LEGAL_STATUS",
    "HEALTH",
    "DISABILITY",
    "PSYCHOSOCIAL",
    "RISK",
    "OTHER",
)
GOAL_DOMAIN = ("EDUCATION", "CAREER", "HEALTH", "FAMILY", "PSYCHOSOCIAL", "LEGAL_STATUS")
INTERVENTION_TYPE = (
    "RETURN_FORMAL",
    "NFE",
    "INFORMAL",
    "VOCATIONAL",
    "APPRENTICE",
    "JOB",
    "SCHOLARSHIP",
    "CASH",
    "MATERIALS",
    "TRANSPORT",
    "HEALTH_REF",
    "PSYCHOSOCIAL",
    "WELFARE_REF",
    "LEGAL_STATUS",
    "FAMILY_INCOME",
    "OTHER",
)
PROVIDER = (
    "LAO",
    "OBEC_SCHOOL",
    "LAO_SCHOOL",
    "NFE",
    "VEC",
    "DSDW",
    "MOPH",
    "DOPA",
    "EEF",
    "NGO",
    "PRIVATE",
    "OTHER",
)
AGREED_BY = ("CHILD", "GUARDIAN", "SCHOOL", "AGENCY", "COMMUNITY", "SUPERVISOR")


class PlanGroup(Form):
    plan_revision: Annotated[str | None, one_of(*YES_NO)] = None
    plan_new_id: Text = None
    plan_id: Text = None
    plan_version: OdkInt = None
    plan_date: OdkDate = None
    case_manager_id: Text = None
    problems: Annotated[tuple[str, ...], any_of(*PROBLEM_DOMAIN)] = ()


class Goal(Form):
    goal_domain: Annotated[str | None, one_of(*GOAL_DOMAIN)] = None
    goal_text: Text = None
    goal_target_date: OdkDate = None
    goal_indicator: Text = None


class Intervention(Form):
    intv_no: OdkInt = None
    intv_type: Annotated[str | None, one_of(*INTERVENTION_TYPE)] = None
    intv_provider: Annotated[str | None, one_of(*PROVIDER)] = None
    intv_start: OdkDate = None
    intv_budget: OdkDecimal = None
    intv_funding: Annotated[str | None, one_of("LAO", "EEF", "AGENCY", "PRIVATE")] = None


class Agreement(Form):
    plan_agreed_by: Annotated[tuple[str, ...], any_of(*AGREED_BY)] = ()
    plan_status: Annotated[str | None, one_of(*PLAN_STATUS)] = None


class AssistancePlan(FollowOn):
    plan_blocked: Text = None
    plan: PlanGroup | None = None
    goals: tuple[Goal, ...] = ()
    interventions: tuple[Intervention, ...] = ()
    agreement: Agreement | None = None
    plan_interventions: Text = None


def normalise(data: Mapping[str, Any], *, form_version: str | None) -> Output:
    """The rows of one plan version; Quarantined when it cannot be read as the form says."""
    form: AssistancePlan = validate(AssistancePlan, _lists(data), repeats=("goals", "interventions"))
    problems: list[Problem] = []
    require_case(problems, form)
    plan = form.plan or PlanGroup()
    agreement = form.agreement or Agreement()
    require(
        problems,
        plan__plan_id=plan.plan_id,
        plan__plan_date=plan.plan_date,
        plan__case_manager_id=plan.case_manager_id,
        plan__problems=plan.problems,
        agreement__plan_agreed_by=agreement.plan_agreed_by,
        agreement__plan_status=agreement.plan_status,
    )
    if not form.goals:
        problems.append(Problem("missing_required", field="goals", expected="อย่างน้อย 1 เป้าหมาย"))
    if not form.interventions:
        problems.append(Problem("missing_required", field="interventions", expected="อย่างน้อย 1 กิจกรรม"))
    for n, goal in enumerate(form.goals, start=1):
        require(
            problems,
            **{
                f"goals[{n}]/goal_domain": goal.goal_domain,
                f"goals[{n}]/goal_text": goal.goal_text,
                f"goals[{n}]/goal_target_date": goal.goal_target_date,
            },
        )
    for n, intv in enumerate(form.interventions, start=1):
        require(
            problems,
            **{
                f"interventions[{n}]/intv_type": intv.intv_type,
                f"interventions[{n}]/intv_provider": intv.intv_provider,
                f"interventions[{n}]/intv_start": intv.intv_start,
            },
        )
    if problems:
        raise Quarantined(problems)
    out = Output()
    for path in unknown_fields(form):
        out.flag(path, "unknown_field")
    entity = observe_case(out, form, plan.plan_date)
    out.add(
        Plan,
        entity_id=entity,
        lao_code=form.lao.lao_code if form.lao else None,
        plan_id=plan.plan_id,
        plan_version=plan.plan_version or 1,
        is_revision=plan.plan_revision == "1",
        plan_date=plan.plan_date,
        case_manager_id=plan.case_manager_id,
        plan_status=status_code(agreement.plan_status),
    )
    out.choices("plan/problems", plan.problems)
    out.choices("agreement/plan_agreed_by", agreement.plan_agreed_by)
    for n, goal in enumerate(form.goals, start=1):
        if plan.plan_date and goal.goal_target_date and goal.goal_target_date <= plan.plan_date:
            out.flag(f"goals[{n}]/goal_target_date", "target_not_after_plan_date", goal.goal_target_date)
        out.add(
            PlanGoal,
            plan_id=plan.plan_id,
            position=n,
            goal_domain=goal.goal_domain,
            goal_text=goal.goal_text,
            goal_target_date=goal.goal_target_date,
            goal_indicator=goal.goal_indicator,
        )
        out.free_text("goals/goal_text", goal.goal_text, position=n)
    for n, intv in enumerate(form.interventions, start=1):
        position = intv.intv_no or n
        if intv.intv_no is not None and intv.intv_no != n:
            out.flag(f"interventions[{n}]/intv_no", "intervention_number_out_of_order", intv.intv_no)
        if intv.intv_budget is not None and not 0 <= intv.intv_budget <= 1_000_000:
            out.flag(f"interventions[{n}]/intv_budget", "budget_out_of_range", intv.intv_budget)
        out.add(
            PlanIntervention,
            plan_id=plan.plan_id,
            position=position,
            intv_type=intv.intv_type,
            provider=intv.intv_provider,
            start_date=intv.intv_start,
            budget=intv.intv_budget,
            funding=intv.intv_funding,
        )
    out.add(
        StatusEvent,
        entity_id=entity,
        plan_id=plan.plan_id,
        event_date=plan.plan_date,
        seen_status=seen_status(form),
        proposed_status=status_code(agreement.plan_status),
        close_reason=None,
    )
    return out


def _lists(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """A repeat with one row may arrive as a bare object (XML-to-JSON converters do that)."""
    fixed = dict(data)
    for name in ("goals", "interventions"):
        if isinstance(fixed.get(name), dict):
            fixed[name] = [fixed[name]]
        elif fixed.get(name) is None:
            fixed[name] = []
    return fixed
