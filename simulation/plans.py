"""Assistance plans for simulated children: goals and interventions that fit the child (DOMAIN §4.3)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict

from simulation.attributes import weighted


class Goal(BaseModel):
    """One row of the plan's goals repeat."""

    model_config = ConfigDict(frozen=True)

    domain: str
    text: str
    target_date: date
    indicator: str | None = None


class Intervention(BaseModel):
    """One row of the plan's interventions repeat."""

    model_config = ConfigDict(frozen=True)

    type: str
    provider: str
    start: date
    budget: int | None = None
    funding: str | None = None


class Plan(BaseModel):
    """One version of a child's individual assistance plan, as the case manager entered it."""

    model_config = ConfigDict(frozen=True)

    plan_id: str  # the same across versions; a revision raises `version`
    version: int
    on: date
    status: int  # 30 drafted or 40 agreed (§4.3: normally 30 or 40 here)
    pathway: str  # the outcome the plan aims at (outcome_status list), kept across versions
    problems: tuple[str, ...]
    goals: tuple[Goal, ...]
    interventions: tuple[Intervention, ...]
    agreed_by: tuple[str, ...]


# Interventions (type, provider) that lead to each pathway.
_ROUTES: dict[str, tuple[tuple[str, str], ...]] = {
    "IN_FORMAL": (("RETURN_FORMAL", "OBEC_SCHOOL"), ("RETURN_FORMAL", "LAO_SCHOOL")),
    "IN_NFE": (("NFE", "NFE"),),
    "IN_TRAINING": (("VOCATIONAL", "VEC"), ("VOCATIONAL", "NGO"), ("APPRENTICE", "PRIVATE")),
    "WORKING": (("JOB", "PRIVATE"), ("FAMILY_INCOME", "LAO")),
}
# Support that comes with a route, with how often it is planned.
_EXTRAS: tuple[tuple[str, str, float], ...] = (
    ("MATERIALS", "LAO", 0.45), ("SCHOLARSHIP", "EEF", 0.3), ("TRANSPORT", "LAO", 0.2),
    ("CASH", "EEF", 0.15), ("PSYCHOSOCIAL", "DSDW", 0.1), ("HEALTH_REF", "MOPH", 0.08),
    ("WELFARE_REF", "DSDW", 0.08),
)
_GOAL_TEXT: dict[str, tuple[str, ...]] = {
    "EDUCATION": ("กลับเข้าเรียนในระบบโรงเรียน", "สมัครเรียน กศน. และเรียนให้จบภาคเรียน",
                  "มาเรียนสม่ำเสมออย่างน้อยร้อยละ 80"),
    "CAREER": ("ฝึกอาชีพจนจบหลักสูตร", "มีงานทำและมีรายได้ประจำ", "ฝึกงานกับสถานประกอบการ 3 เดือน"),
    "HEALTH": ("ได้รับการตรวจสุขภาพและรักษาต่อเนื่อง",),
    "FAMILY": ("ครอบครัวมีรายได้เพิ่มขึ้น", "ผู้ปกครองสนับสนุนการเรียนของเด็ก"),
    "PSYCHOSOCIAL": ("ได้รับคำปรึกษาและมีกำลังใจกลับไปเรียน",),
    "LEGAL_STATUS": ("ยื่นคำขอพิสูจน์สถานะและได้เลขประจำตัว",),
}
_INDICATORS = ("ใบรับรองการเป็นนักเรียน", "บันทึกการมาเรียน", "ใบประกาศนียบัตร", "สัญญาจ้างงาน", None)
# The form's problem_domain list, in its order (select_multiple answers follow it).
PROBLEM_ORDER = ("EDUCATION", "ECONOMIC", "FAMILY", "LEGAL_STATUS", "HEALTH", "DISABILITY",
                 "PSYCHOSOCIAL", "RISK", "OTHER")
# Choices the forms offer only with sensitive-data consent (their `sensitive` column).
SENSITIVE = frozenset({"HEALTH", "DISABILITY", "PSYCHOSOCIAL", "RISK", "HEALTH_REF"})
_PROBLEMS = {"POVERTY": "ECONOMIC", "FAMILY": "FAMILY", "PUSHED_OUT": "EDUCATION",
             "NO_WELFARE": "ECONOMIC", "HEALTH": "HEALTH", "JUSTICE": "RISK", "WORK": "ECONOMIC",
             "TRAVEL": "EDUCATION", "MIGRATION": "FAMILY", "NO_DOCS": "LEGAL_STATUS",
             "OTHER": "EDUCATION"}


def pathway_for(rng: random.Random, age: int) -> str:
    """What the plan aims at: school for the young, กศน. or training or work for the older."""
    if age < 15:
        return weighted(rng, {"IN_FORMAL": 0.7, "IN_NFE": 0.3})
    if age < 18:
        return weighted(rng, {"IN_FORMAL": 0.2, "IN_NFE": 0.45, "IN_TRAINING": 0.35})
    return weighted(rng, {"IN_NFE": 0.3, "IN_TRAINING": 0.35, "WORKING": 0.35})


def new_plan(
    rng: random.Random,
    *,
    plan_id: str,
    on: date,
    status: int,
    age: int,
    leave_reasons: tuple[str, ...],
    needs_documents: bool,
    sensitive: bool,
    as_of: date,
) -> Plan:
    """A first plan: one goal on the pathway, sometimes more; interventions that serve them."""
    pathway = pathway_for(rng, age)
    domains = ["EDUCATION" if pathway in ("IN_FORMAL", "IN_NFE") else "CAREER"]
    if needs_documents:
        domains.append("LEGAL_STATUS")
    for extra in ("FAMILY", "HEALTH", "PSYCHOSOCIAL"):
        if rng.random() < 0.15 and len(domains) < 3 and (sensitive or extra not in SENSITIVE):
            domains.append(extra)
    goals = tuple(_goal(rng, d, on) for d in domains)
    kind, provider = rng.choice(_ROUTES[pathway])
    plan_start = min(on + timedelta(days=rng.randint(0, 30)), as_of)
    interventions = [Intervention(type=kind, provider=provider, start=plan_start)]
    if needs_documents:
        interventions.append(Intervention(type="LEGAL_STATUS", provider="DOPA", start=on))
    for kind, provider, share in _EXTRAS:
        if rng.random() < share and len(interventions) < 4 and (sensitive or kind not in SENSITIVE):
            interventions.append(_costed(rng, kind, provider, plan_start))
    problems = {_PROBLEMS.get(r, "EDUCATION") for r in leave_reasons}
    if needs_documents:
        problems.add("LEGAL_STATUS")
    problems = {p for p in problems if sensitive or p not in SENSITIVE} or {"EDUCATION"}
    return Plan(plan_id=plan_id, version=1, on=on, status=status, pathway=pathway,
                problems=tuple(p for p in PROBLEM_ORDER if p in problems), goals=goals,
                interventions=tuple(interventions),
                agreed_by=_agreed(rng, status))


def revise_plan(
    rng: random.Random, plan: Plan, *, on: date, status: int, sensitive: bool, as_of: date
) -> Plan:
    """The next version: goals re-dated, a stalled intervention sometimes swapped for another."""
    interventions = list(plan.interventions)
    if rng.random() < 0.5 and len(interventions) < 4:
        kind, provider, _ = rng.choice(_EXTRAS)
        if kind not in {i.type for i in interventions} and (sensitive or kind not in SENSITIVE):
            interventions.append(_costed(rng, kind, provider, min(on + timedelta(days=7), as_of)))
    goals = tuple(g.model_copy(update={"target_date": on + timedelta(days=rng.randint(90, 240))})
                  for g in plan.goals)
    return plan.model_copy(update={
        "version": plan.version + 1, "on": on, "status": status, "goals": goals,
        "interventions": tuple(interventions), "agreed_by": _agreed(rng, status),
    })


def _goal(rng: random.Random, domain: str, on: date) -> Goal:
    return Goal(domain=domain, text=rng.choice(_GOAL_TEXT[domain]),
                target_date=on + timedelta(days=rng.randint(90, 300)),
                indicator=rng.choice(_INDICATORS))


def _costed(rng: random.Random, kind: str, provider: str, start: date) -> Intervention:
    budget = rng.randrange(500, 15_001, 100) if rng.random() < 0.8 else None
    funding = None if budget is None else ("EEF" if provider == "EEF" else weighted(
        rng, {"LAO": 0.6, "AGENCY": 0.25, "PRIVATE": 0.15}))
    return Intervention(type=kind, provider=provider, start=start, budget=budget, funding=funding)


def _agreed(rng: random.Random, status: int) -> tuple[str, ...]:
    # A draft has been talked through with the guardian; an agreed plan also with the child.
    parties = ["GUARDIAN"] if status == 30 else ["CHILD", "GUARDIAN"]
    if rng.random() < 0.3:
        parties.append("SCHOOL")
    return tuple(parties)
