"""The status engine agrees with the simulation, child by child: simulated field work is submitted over
HTTP, synced, normalised, matched and given statuses, and every child's `plan_status_current.status`
must be the status the simulation itself reached for that child (its lifecycle walk, the status it
writes to the children list as push-back would).

The simulation keeps one case per entity; the warehouse keeps one per child. The only disagreement
accepted is where the two differ on purpose: a child registered twice (two entities, which the
simulation walks as two cases and matching joins into one), whose interleaved proposals the engine
must then have refused as an exception. Anything else is listed with the child's form trail.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from orchestration.pipeline import sync_central
from simulation.cohort import Cohort, generate_cohort
from simulation.generator import AS_OF
from simulation.submitter import simulate
from tests.support.local_central import LocalCentral
from warehouse.matching.identity import match_warehouse
from warehouse.matching.store import Child, ChildAssignment
from warehouse.normalise.driver import normalise_pending
from warehouse.plan_status.engine import recompute_status
from warehouse.plan_status.store import CurrentStatus, StatusException, StatusHistory

# The smallest cohort whose home visits close cases every way §4.2 allows (moved, refused, deceased,
# not found at the third visit), with children missed once or twice before being found, and with
# second registrations (a duplicate and moves).
CHILDREN = 30
SEED = 93
CLOSING_RESULTS = {"MOVED", "REFUSED", "DECEASED", "NOT_FOUND"}


@dataclass(frozen=True)
class Step:
    """One submission as the simulation made it, and the status the simulation reached with it."""

    instance_id: str
    child: int  # the simulated child's index
    entity: int  # 0: the child's first registration, 1: its second one
    form_id: str
    on: date
    start: datetime
    before: int | None
    after: int
    detail: str  # visit result, screening result, close reason: what the form said
    close_reason: str | None = None

    def order(self) -> tuple[date, datetime]:
        return (self.on, self.start)


def _steps(cohort: Cohort) -> dict[str, Step]:
    """Every submission the simulation sent that identifies a child (consented registrations and
    every follow-on visit), by instance id."""
    steps = {r.instance_id: Step(r.instance_id, r.index, r.registration, "child_registration", r.today,
                                 r.start, None, 10, "registration")
             for r in cohort.registrations if r.consent_ok}
    for v in cohort.visits:
        detail = " ".join(str(x) for x in (v.visit_result, v.screen_result, v.supervision_result,
                                           v.close_reason) if x)
        steps[v.instance_id] = Step(v.instance_id, v.child, v.entity, v.form_id, v.on, v.start,
                                    v.status_before, v.status_after, detail, v.close_reason)
    return steps


def _two_cases_at_once(trail: list[Step]) -> bool:
    """A child registered a second time without having moved (a duplicate): the simulation walks the
    two entities as two cases side by side, the warehouse as one. After a move the first case was
    closed (90, MOVED) before the second registration, and the two are one walk in both."""
    second = [s.on for s in trail if s.entity == 1]
    if not second:
        return False
    before = [s for s in trail if s.entity == 0 and s.on <= min(second)]
    return not before or before[-1].close_reason != "MOVED"


@dataclass
class Comparison:
    children: int  # warehouse children with a status
    disagreements: list[str]  # each with the child's form trail
    accounted: list[str]  # children of two simulated cases, where the engine refused a proposal
    unsent: list[str]  # simulated submissions that reached no child in the warehouse
    unsimulated: list[str]  # warehouse children with a status the simulation knows nothing of


def run_pipeline(engine: Engine) -> None:
    """What `odksync run` does after the sync: normalise, match, statuses (as of the simulation's day)."""
    with Session(engine) as session:
        normalise_pending(session)
        session.commit()
        match_warehouse(session, by="test")
        session.commit()
        recompute_status(session, as_of=AS_OF)
        session.commit()


def compare(engine: Engine, cohort: Cohort) -> Comparison:
    """The simulation's final status of each child against `plan_status_current.status`."""
    with Session(engine) as session:
        redirects = {c.child_id: c.redirect_to for c in session.exec(select(Child)) if c.redirect_to}
        assigned = {a.obs_key: a.child_id for a in session.exec(select(ChildAssignment))}
        current = {c.child_id: c.status for c in session.exec(select(CurrentStatus))}
        applied = {(h.child_id, h.source_key): h for h in session.exec(select(StatusHistory))}
        refused: dict[str, list[StatusException]] = defaultdict(list)
        for x in session.exec(select(StatusException)):
            refused[x.child_id].append(x)

    def survivor(child_id: str) -> str:
        while child_id in redirects:
            child_id = str(redirects[child_id])
        return child_id

    steps = _steps(cohort)
    keys: dict[str, str] = {}  # instance id -> the submission's key in the warehouse
    per_child: dict[str, list[Step]] = defaultdict(list)
    for key, child_id in assigned.items():
        instance_id = key.rsplit("/", 1)[-1]
        if instance_id in steps:
            keys[instance_id] = key
            per_child[survivor(child_id)].append(steps[instance_id])
    result = Comparison(len(current), [], [], unsent=sorted(set(steps) - set(keys)),
                        unsimulated=sorted(set(current) - set(per_child)))
    for child_id, trail in sorted(per_child.items()):
        trail.sort(key=Step.order)
        expected, got = trail[-1].after, current.get(child_id)
        if expected == got:
            continue
        if _two_cases_at_once(trail) and refused[child_id]:
            result.accounted.append(child_id)  # two cases in the simulation, one in the warehouse: refused
            continue
        lines = [f"child {child_id}: simulation {expected}, engine {got}"]
        for s in trail:
            key = keys[s.instance_id]
            done = applied.get((child_id, key))
            said = f"→ {done.to_status}" if done else ", ".join(
                f"refused {x.proposed_status} ({x.reason})" for x in refused[child_id] if x.source_key == key)
            lines.append(f"  {s.on} {s.form_id:<18} child {s.child} entity {s.entity} "
                         f"{s.before}→{s.after} [{s.detail}]  engine: {said or 'no change'}")
        result.disagreements.append("\n".join(lines))
    return result


@pytest.fixture(scope="module")
def cohort(central: LocalCentral) -> Cohort:
    with central.client() as client:
        assert simulate(client, children=CHILDREN, seed=SEED).conflicts == 0
    return generate_cohort(CHILDREN, SEED)


def test_every_childs_status_is_the_one_the_simulation_reached(
    central: LocalCentral, cohort: Cohort, engine: Engine,
) -> None:
    closing = Counter(v.visit_result for v in cohort.visits
                      if v.form_id == "home_visit" and v.status_after == 90)
    assert set(closing) == CLOSING_RESULTS, closing  # the cohort exercises what the test is about
    assert any(v.visit_result == "NOT_FOUND" and v.status_after == 10 for v in cohort.visits)
    assert any(r.registration == 1 for r in cohort.registrations)
    with central.client() as client:
        sync_central(client, central.project_id, engine)
    run_pipeline(engine)

    result = compare(engine, cohort)
    # Every submission the simulation sent reached a child, and every child with a status is simulated.
    assert (result.unsent, result.unsimulated) == ([], [])
    assert result.children >= CHILDREN * 3 // 4
    if result.disagreements:
        pytest.fail(f"{len(result.disagreements)} of {result.children} children disagree with the "
                    "simulation:\n" + "\n".join(result.disagreements), pytrace=False)
    # Accepted above only where the simulation walks two cases: children registered a second time.
    assert len(result.accounted) <= sum(1 for r in cohort.registrations if r.registration == 1)
