"""Which visits happen to each simulated child, when, by whom, and how the plan status moves (§6)."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict

from simulation import lifecycle as lc
from simulation.attributes import weighted
from simulation.generator import ICT, Roster, SyntheticChild, simulated_uuid
from simulation.noise import moved_registration
from simulation.plans import Plan, new_plan, revise_plan
from simulation.registration_xml import case_properties

FollowOnForm = Literal["home_visit", "assistance_plan", "plan_followup"]
FOLLOW_ON_FORMS: tuple[FollowOnForm, ...] = ("home_visit", "assistance_plan", "plan_followup")
MOVER_SHARE = 0.1  # children whose family moves to another LAO during the plan


class Visit(BaseModel):
    """One follow-on submission: the enumerator picked the child from the entity list and filled a form."""

    model_config = ConfigDict(frozen=True)

    form_id: FollowOnForm
    child: int  # the child's index in the cohort
    seq: int  # 1, 2, … in date order within the child's timeline (0 is the registration)
    instance_id: str
    entity: int = 0  # the entity picked: 0 the child's first registration, 1 the second one
    enumerator: str
    lao_code: str
    deviceid: str
    on: date  # visit_date, plan_date or fu_date
    start: datetime  # Collect's start/end/today: when the form was filled, on or after `on`
    end: datetime
    today: date
    status_before: int
    status_after: int
    visit_result: str | None = None  # home_visit
    screen_result: str | None = None  # home_visit
    sensitive_consent: bool | None = None  # home_visit, when the child was found (PDPA s.26)
    sensitive_assent: bool | None = None  # home_visit, asked at ages 10–19 after consent
    plan: Plan | None = None  # the plan written (assistance_plan) or followed (plan_followup)
    progress: tuple[str, ...] = ()  # plan_followup: one intv_progress per plan intervention
    outcome: str | None = None  # plan_followup: the child's current situation
    close_reason: str | None = None
    supervision_result: str | None = None  # plan_followup, when a supervisor came along
    next_due: date | None = None  # plan_followup: the next follow-up appointment


def visit_instance_id(seed: int, form_id: str, child: int, seq: int) -> str:
    return f"uuid:{simulated_uuid(f'{form_id}/{seed}/{child}/{seq}')}"


class _Walk:
    """The state a child's timeline carries from one visit to the next."""

    def __init__(self, child: SyntheticChild, staff: Roster, seed: int, as_of: date) -> None:
        self.rng = random.Random(f"visits/{seed}/{child.index}")
        self.child, self.staff, self.seed, self.as_of = child, staff, seed, as_of
        self.status = lc.IDENTIFIED
        self.day = child.today
        self.lao = child.lao_code
        self.enumerator = child.enumerator
        self.entity = 0  # which of the child's registrations the enumerator picks
        self.registered = child  # that registration
        self.sensitive = False  # sensitive-data consent from this entity's latest home visit
        self.moved_out = False
        self.plan: Plan | None = None
        self.progress: list[str] = []
        self.visits: list[dict[str, object]] = []

    def later(self, low: int, high: int) -> date | None:
        """The next visit date, or None when it would fall after as_of."""
        day = self.day + timedelta(days=self.rng.randint(low, high))
        if day > self.as_of:
            return None
        self.day = day
        return day

    def who(self) -> str:
        """Usually the enumerator who knows the child; sometimes a colleague of the same LAO."""
        if self.rng.random() < 0.2:
            self.enumerator = self.rng.choice(self.staff.enumerator_codes(self.lao))
        return self.enumerator

    def sensitive_answers(self, today: date) -> dict[str, object]:
        """Consent to health, disability and risk questions; the child's assent at 10–19."""
        age = today.year - int(case_properties(self.registered)["birth_year"])  # the form's child_age
        consent = self.rng.random() < 0.85
        assent = self.rng.random() < 0.95 if consent and 10 <= age < 20 else None
        self.sensitive = consent and assent is not False
        return {"sensitive_consent": consent, "sensitive_assent": assent}

    def add(self, form_id: FollowOnForm, on: date, after: int, **fields: object) -> None:
        enumerator = str(fields.pop("enumerator", None) or self.who())
        lag = 0 if self.rng.random() < 0.85 else self.rng.randint(1, 3)  # typed up back at the office
        today = min(on + timedelta(days=lag), self.as_of)
        start = datetime.combine(today, datetime.min.time(), ICT) + timedelta(
            hours=self.rng.randint(8, 16), minutes=self.rng.randint(0, 59),
            seconds=self.rng.randint(0, 59))
        end = start + timedelta(minutes=self.rng.randint(6, 35), seconds=self.rng.randint(0, 59))
        if form_id == "home_visit" and fields.get("visit_result") == "FOUND":
            fields.update(self.sensitive_answers(today))
        self.visits.append({
            "form_id": form_id, "child": self.child.index, "enumerator": enumerator,
            "lao_code": enumerator.split("-")[0], "deviceid": self.staff.devices[enumerator],
            "on": on, "start": start, "end": end, "today": today,
            "status_before": self.status, "status_after": after, "entity": self.entity, **fields,
        })
        self.status = after


class ChildTimeline(BaseModel):
    """A child's visits, and the registration a new LAO made after the family moved, if any."""

    model_config = ConfigDict(frozen=True)

    visits: tuple[Visit, ...]
    moved: SyntheticChild | None = None


def child_visits(
    child: SyntheticChild,
    staff: Roster,
    *,
    seed: int,
    as_of: date,
    second: SyntheticChild | None = None,
) -> ChildTimeline:
    """Home visits, plans and follow-ups up to as_of; nothing for a child who did not consent.

    Statuses are followed per entity: the enumerator only sees, and moves on, the case of the
    entity picked in Collect. A second registration starts its own case at 10.
    """
    if not child.consent_ok:
        return ChildTimeline(visits=())
    walk = _Walk(child, staff, seed, as_of)
    _screen(walk)
    moved = None
    if walk.status == lc.SCREENED:
        moves = second is None and walk.rng.random() < MOVER_SHARE
        _plan_and_follow(walk, moves_at=walk.rng.randint(1, 4) if moves else None)
        if walk.moved_out:
            moved = _reregister(walk)
    if second is not None:
        _visit_second_registration(walk, second)
    ordered = sorted(walk.visits, key=lambda v: (v["on"], v["start"]))
    visits = tuple(
        Visit.model_validate({
            **v, "seq": seq,
            "instance_id": visit_instance_id(seed, str(v["form_id"]), child.index, seq),
        })
        for seq, v in enumerate(ordered, start=1)
    )
    return ChildTimeline(visits=visits, moved=moved)


def _screen(walk: _Walk) -> None:
    """Home visits until the child is found and screened, or the case closes (§6: 10→20/25/90)."""
    misses = 0
    while walk.status == lc.IDENTIFIED:
        on = walk.later(3, 21) if misses == 0 else walk.later(7, 30)
        if on is None:
            return
        result = weighted(walk.rng, {"FOUND": 0.86, "NOT_FOUND": 0.08, "MOVED": 0.03,
                                     "REFUSED": 0.02, "DECEASED": 0.01} if misses == 0 else
                          {"FOUND": 0.7, "NOT_FOUND": 0.3})
        if result == "FOUND":
            screen = weighted(walk.rng, {"ELIGIBLE": 0.85, "REFER_NOW": 0.07, "NOT_ELIGIBLE": 0.08})
            after = lc.NOT_ELIGIBLE if screen == "NOT_ELIGIBLE" else lc.SCREENED
            walk.add("home_visit", on, after, visit_result=result, screen_result=screen)
        elif result == "NOT_FOUND" and misses < 2:
            misses += 1
            walk.add("home_visit", on, lc.IDENTIFIED, visit_result=result)
        else:  # a third miss, or moved, refused, died: the case closes unresolved
            reason = {"NOT_FOUND": "LOST"}.get(result, result)
            walk.add("home_visit", on, lc.CLOSED_UNRESOLVED, visit_result=result,
                     close_reason=reason)


def _plan_and_follow(walk: _Walk, *, moves_at: int | None = None) -> None:
    """A plan, then monthly follow-ups walking §6 until the case closes or as_of comes."""
    c, rng = walk.child, walk.rng
    on = walk.later(7, 30)
    if on is None:
        return
    status = lc.PLAN_DRAFTED if rng.random() < 0.25 else lc.PLAN_AGREED
    walk.plan = new_plan(
        rng, plan_id=simulated_uuid(f"plan/{walk.seed}/{c.index}/{walk.entity}"), on=on,
        status=status,
        age=c.age_years, leave_reasons=c.leave_reasons,
        needs_documents=walk.registered.id_scheme in ("NONE", "UNKNOWN"),
        sensitive=walk.sensitive, as_of=walk.as_of)
    walk.progress = ["NOT_STARTED"] * len(walk.plan.interventions)
    walk.add("assistance_plan", on, status, plan=walk.plan)
    followups = 0
    while not lc.is_closed(walk.status):
        if walk.status == lc.PLAN_DRAFTED:  # a draft is agreed (or reworked) in a revision
            on = walk.later(7, 21)
            if on is None:
                return
            after = lc.PLAN_AGREED if rng.random() < 0.9 else lc.PLAN_DRAFTED
            walk.plan = revise_plan(rng, walk.plan, on=on, status=after, sensitive=walk.sensitive,
                                    as_of=walk.as_of)
            walk.progress += ["NOT_STARTED"] * (len(walk.plan.interventions) - len(walk.progress))
            walk.add("assistance_plan", on, after, plan=walk.plan)
            continue
        # Monitoring watches retention for about a school term before closing (§6: 60).
        on = walk.later(60, 100) if walk.status == lc.MONITORING else walk.later(21, 45)
        if on is None:
            return
        followups += 1
        _follow_up(walk, on, moved=followups == moves_at)


def _follow_up(walk: _Walk, on: date, *, moved: bool = False) -> None:
    rng, plan = walk.rng, walk.plan
    assert plan is not None
    # The family has left for another LAO: this LAO closes the case (§6: → 90, MOVED).
    proposed = lc.CLOSED_UNRESOLVED if moved else lc.next_followup_status(rng, walk.status)
    supervision = None
    if rng.random() < 0.2:
        supervision = weighted(rng, {"APPROVED": 0.8, "REVISE": 0.15, "ESCALATE": 0.05})
        if supervision == "REVISE" and not moved and lc.is_allowed(walk.status, lc.PLAN_DRAFTED):
            proposed = lc.PLAN_DRAFTED
    walk.progress = _advance(rng, walk.progress, proposed)
    outcome = _outcome(rng, proposed, plan.pathway, walk.progress)
    reason = "MOVED" if moved else lc.close_reason(rng, proposed)
    walk.moved_out = moved
    if reason in ("MOVED", "LOST", "DECEASED"):
        outcome = reason
    walk.add("plan_followup", on, proposed, plan=plan, progress=tuple(walk.progress),
             outcome=outcome, close_reason=reason, supervision_result=supervision,
             next_due=None if lc.is_closed(proposed) else on + timedelta(days=30))


def _advance(rng: random.Random, progress: list[str], proposed: int) -> list[str]:
    """Interventions move on between follow-ups; the status proposed must fit them."""
    out = []
    for state in progress:
        if state == "NOT_STARTED" and rng.random() < 0.6:
            state = "IN_PROGRESS"
        elif state == "IN_PROGRESS":
            state = weighted(rng, {"IN_PROGRESS": 0.55, "DONE": 0.35, "BLOCKED": 0.07,
                                   "CANCELLED": 0.03})
        elif state == "BLOCKED" and rng.random() < 0.5:
            state = "IN_PROGRESS"
        out.append(state)
    if proposed == lc.IN_PROGRESS and not {"IN_PROGRESS", "DONE"} & set(out):
        out[0] = "IN_PROGRESS"  # 50 means at least one intervention has started (§6)
    if proposed in (lc.MONITORING, lc.ACHIEVED):
        out[0] = "DONE"  # the goal was reached through the plan's main intervention
    if proposed == lc.ON_HOLD:
        out = ["BLOCKED" if s == "IN_PROGRESS" else s for s in out]
    return out


def _outcome(rng: random.Random, status: int, pathway: str, progress: list[str]) -> str:
    """outcome_status consistent with the status (§8.2): the pathway once the goal is in reach."""
    if status in (lc.MONITORING, lc.ACHIEVED, lc.REFERRED_CLOSED):
        return pathway
    if status == lc.IN_PROGRESS and progress and progress[0] == "DONE":
        return pathway
    if status == lc.ON_HOLD:
        return weighted(rng, {"NOT_ENGAGED": 0.7, "WORKING": 0.3})
    return weighted(rng, {"NOT_ENGAGED": 0.8, "WORKING": 0.2})


def _reregister(walk: _Walk) -> SyntheticChild | None:
    """An enumerator of the LAO the family moved to registers the child afresh: a new entity
    and a new case episode (§6: 90→10, re-found), screened and planned by the new LAO."""
    on = walk.later(10, 60)
    if on is None:
        return None
    lao = walk.rng.choice([x for x in walk.staff.laos if x[0] != walk.lao])
    again = moved_registration(walk.rng, walk.child, walk.staff, lao=lao, day=on, seed=walk.seed)
    if again is None:
        return None
    walk.entity, walk.registered, walk.lao, walk.enumerator = 1, again, again.lao_code, again.enumerator
    walk.status, walk.plan, walk.progress, walk.sensitive = lc.IDENTIFIED, None, [], False
    _screen(walk)
    if walk.status == lc.SCREENED:
        _plan_and_follow(walk)
    return again


def _visit_second_registration(walk: _Walk, second: SyntheticChild) -> None:
    """The enumerator who registered the child again screens 'their' child: the second entity."""
    on = second.today + timedelta(days=walk.rng.randint(3, 21))
    if on > walk.as_of or walk.rng.random() < 0.4:
        return
    walk.status, walk.entity, walk.registered = lc.IDENTIFIED, 1, second  # its own case
    walk.add("home_visit", on, lc.SCREENED, enumerator=second.enumerator,
             visit_result="FOUND", screen_result="ELIGIBLE")
