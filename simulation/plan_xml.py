"""The assistance_plan instance Collect submits for a simulated plan (forms/xlsform/assistance_plan.xlsx)."""

from __future__ import annotations

from collections.abc import Mapping

from simulation.case_xml import case_group, collect_header
from simulation.generator import simulated_uuid
from simulation.plans import Plan
from simulation.registration_xml import Node, render
from simulation.timeline import Visit

FORM_ID = "assistance_plan"
CASE = ("ch_name", "ch_status", "ch_next_due", "ch_registered", "ch_sensitive", "ch_plan_id",
        "ch_plan_version", "ch_plan_date")
# The form's agreed_by list, in its order (select_multiple answers follow the choice order).
AGREED_BY = ("CHILD", "GUARDIAN", "SCHOOL", "AGENCY", "COMMUNITY", "SUPERVISOR")


class PlanMismatch(ValueError):
    """The entity list does not show the plan this revision continues (push-back out of step)."""


def assistance_plan_tree(
    visit: Visit, *, entity_id: str, row: Mapping[str, str], lao: tuple[str, str, str]
) -> list[Node]:
    """The submission as nested (name, value) pairs in the form's instance order."""
    plan = visit.plan
    assert plan is not None, "an assistance_plan visit carries its plan"
    listed_id = str(row.get("plan_id", "") or "")
    revision = bool(listed_id) and listed_id == plan.plan_id
    if revision:
        listed = str(row.get("plan_version", "") or "")
        version = int(listed) + 1 if listed else 1
        # once(uuid()) still fires on a revision; the form then keeps the listed plan_id.
        new_id = simulated_uuid(f"plan-unused/{visit.instance_id}")
    else:
        version, new_id = 1, plan.plan_id
    if version != plan.version:
        raise PlanMismatch(f"entity {entity_id} lists plan version {version - 1}, "
                           f"the simulated revision is version {plan.version}")
    day = plan.on.isoformat()
    label = f"{row.get('full_name', '') or ''} · แผน {day}"
    return [
        *collect_header(visit, lao),
        case_group(entity_id, row, CASE),
        ("plan", [
            ("plan_revision", ("1" if revision else "0") if listed_id else None),
            ("plan_new_id", new_id),
            ("plan_id", plan.plan_id),
            ("plan_version", str(version)),
            ("plan_date", day),
            ("case_manager_id", visit.enumerator),
            ("problems", " ".join(plan.problems)),
        ]),
        *_repeats(plan),
        ("agreement", [
            ("plan_agreed_by", " ".join(a for a in AGREED_BY if a in plan.agreed_by)),
            ("plan_status", str(plan.status)),
        ]),
        ("plan_interventions", " ".join(i.type for i in plan.interventions)),
        ("instance_label", label),
        ("meta", [("instanceID", visit.instance_id), ("instanceName", label)]),
    ]


def _repeats(plan: Plan) -> list[Node]:
    goals: list[Node] = [
        ("goals", [
            ("goal_domain", g.domain),
            ("goal_text", g.text),
            ("goal_target_date", g.target_date.isoformat()),
            ("goal_indicator", g.indicator or ""),
        ])
        for g in plan.goals
    ]
    interventions: list[Node] = [
        ("interventions", [
            ("intv_no", str(n)),
            ("intv_type", i.type),
            ("intv_provider", i.provider),
            ("intv_start", i.start.isoformat()),
            ("intv_budget", "" if i.budget is None else str(i.budget)),
            ("intv_funding", i.funding if i.budget else None),
        ])
        for n, i in enumerate(plan.interventions, start=1)
    ]
    return goals + interventions


def assistance_plan_xml(
    visit: Visit, *, entity_id: str, row: Mapping[str, str], lao: tuple[str, str, str],
    form_version: str,
) -> bytes:
    """The instance XML ODK Collect submits for this plan."""
    tree = assistance_plan_tree(visit, entity_id=entity_id, row=row, lao=lao)
    return render(tree, form_version=form_version, form_id=FORM_ID)
