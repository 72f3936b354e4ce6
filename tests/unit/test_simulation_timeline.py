"""The simulated visit cycles follow DOMAIN §6, stay in the past, and carry the designed noise."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta

import pytest

from simulation import lifecycle as lc
from simulation.cohort import Cohort, generate_cohort
from simulation.entity_list import pushed_state
from simulation.generator import AS_OF, SyntheticChild
from simulation.noise import spelling_variant, thai_date_text
from simulation.timeline import Visit
from warehouse.identifiers import validate_thai_id

ENGAGED = {"IN_FORMAL", "IN_NFE", "IN_TRAINING", "WORKING", "TRAINING_AND_WORK"}


@pytest.fixture(scope="module")
def cohort() -> Cohort:
    return generate_cohort(761, seed=2026)


def _chains(cohort: Cohort) -> dict[tuple[int, int], list[Visit]]:
    chains: dict[tuple[int, int], list[Visit]] = {}
    for visit in cohort.visits:
        chains.setdefault((visit.child, visit.entity), []).append(visit)
    return chains


def _registrations(cohort: Cohort) -> dict[tuple[int, int], SyntheticChild]:
    return {(r.index, r.registration): r for r in cohort.registrations}


def test_same_seed_same_cohort() -> None:
    assert generate_cohort(80, seed=9) == generate_cohort(80, seed=9)
    assert generate_cohort(80, seed=9).visits != generate_cohort(80, seed=10).visits


def test_a_childs_cycle_does_not_depend_on_the_cohort_size() -> None:
    small, large = generate_cohort(40, seed=3), generate_cohort(90, seed=3)
    assert small.visits == tuple(v for v in large.visits if v.child < 40)


def test_every_form_is_used(cohort: Cohort) -> None:
    counts = cohort.counts()
    assert set(counts) == {"child_registration", "home_visit", "assistance_plan", "plan_followup"}
    assert counts["plan_followup"] > counts["assistance_plan"] > len(cohort.registrations) / 2


def test_statuses_move_only_as_section_6_allows(cohort: Cohort) -> None:
    for chain in _chains(cohort).values():
        status = lc.IDENTIFIED  # every entity starts at its registration
        for visit in chain:
            assert visit.status_before == status, visit
            moved = lc.is_allowed(visit.status_before, visit.status_after)
            missed = visit.visit_result == "NOT_FOUND" and visit.status_after == lc.IDENTIFIED
            # A plan agreed at once passes through the draft (§6: 20→30→40, 50→30→40).
            agreed_at_once = visit.form_id == "assistance_plan" and lc.is_allowed(
                visit.status_before, lc.PLAN_DRAFTED) and lc.is_allowed(lc.PLAN_DRAFTED,
                                                                        visit.status_after)
            assert moved or missed or agreed_at_once, visit
            status = visit.status_after
        # Nothing happens to a case after it closes or is screened out.
        assert all(not lc.is_closed(v.status_after) and v.status_after != lc.NOT_ELIGIBLE
                   for v in chain[:-1])


def test_every_status_and_closure_occurs(cohort: Cohort) -> None:
    reached = Counter(v.status_after for v in cohort.visits)
    assert set(lc.SLUGS) - {lc.IDENTIFIED} <= set(reached)
    for visit in cohort.visits:
        if lc.is_closed(visit.status_after):
            assert visit.close_reason in lc.CLOSE_REASONS[visit.status_after]
        else:
            assert visit.close_reason is None


def test_visits_are_in_the_past_and_in_order(cohort: Cohort) -> None:
    registered = _registrations(cohort)
    for key, chain in _chains(cohort).items():
        days = [v.on for v in chain]
        assert days == sorted(days)
        assert days[0] > registered[key].today  # not before the registration
        for v in chain:
            assert v.on <= v.today <= AS_OF
            assert v.start.date() == v.today and v.start < v.end
            assert v.start.utcoffset() == timedelta(hours=7)  # Collect's clock in Thailand


def test_plans_are_revised_in_versions(cohort: Cohort) -> None:
    revisions = 0
    for chain in _chains(cohort).values():
        plans = [v.plan for v in chain if v.form_id == "assistance_plan" and v.plan]
        assert [p.version for p in plans] == list(range(1, len(plans) + 1))
        assert len({p.plan_id for p in plans}) <= 1
        revisions += max(0, len(plans) - 1)
        for p in plans:
            assert p.goals and p.interventions
            assert all(g.target_date > p.on for g in p.goals)
            if p.status == lc.PLAN_AGREED:
                assert {"CHILD", "GUARDIAN"} <= set(p.agreed_by)
    assert revisions > 50


def test_followups_report_on_every_intervention(cohort: Cohort) -> None:
    for visit in cohort.visits:
        if visit.form_id != "plan_followup":
            continue
        assert visit.plan is not None
        assert len(visit.progress) == len(visit.plan.interventions)
        if visit.status_after == lc.IN_PROGRESS:
            assert {"IN_PROGRESS", "DONE"} & set(visit.progress)
        if visit.status_after in (lc.MONITORING, lc.ACHIEVED):
            assert visit.outcome in ENGAGED
        if lc.is_closed(visit.status_after):
            assert visit.next_due is None
        else:
            assert visit.next_due is not None and visit.next_due > visit.on


def test_some_children_are_registered_twice_by_another_enumerator(cohort: Cohort) -> None:
    firsts = {r.index: r for r in cohort.registrations if r.registration == 0}
    again = [r for r in cohort.registrations if r.registration == 1]
    twice = [r for r in again if "moved" not in r.variations]
    assert 10 <= len(twice) <= 80
    for r in again:
        first = firsts[r.index]
        assert r.enumerator != first.enumerator and r.instance_id != first.instance_id
        assert first.today < r.today <= AS_OF
        assert r.variations
        if r.national_id and r.national_id[0] not in "09":
            assert validate_thai_id(r.national_id).valid  # the form would have accepted it
    kinds = Counter(v for r in twice for v in r.variations)
    assert kinds["nickname_as_first_name"] and (kinds["spelling_first_name"]
                                                 + kinds["spelling_last_name"])


def test_some_children_move_to_another_lao(cohort: Cohort) -> None:
    firsts = {r.index: r for r in cohort.registrations if r.registration == 0}
    moved = [r for r in cohort.registrations if "moved" in r.variations]
    assert len(moved) >= 10
    chains = _chains(cohort)
    for r in moved:
        assert r.lao_code != firsts[r.index].lao_code
        old = chains[(r.index, 0)][-1]
        assert (old.status_after, old.close_reason) == (lc.CLOSED_UNRESOLVED, "MOVED")
        assert old.on < r.today
        later = chains.get((r.index, 1), [])
        assert all(v.lao_code == r.lao_code for v in later)  # the new LAO's enumerators


def test_visits_are_made_by_the_entitys_lao(cohort: Cohort) -> None:
    """The forms list only children of the LAO chosen in the form (the list's choice filter)."""
    registered = _registrations(cohort)
    for visit in cohort.visits:
        assert visit.lao_code == registered[(visit.child, visit.entity)].lao_code
        assert visit.enumerator.startswith(visit.lao_code + "-")


def test_pushed_state_follows_the_visits(cohort: Cohort) -> None:
    registered = _registrations(cohort)
    key, chain = next((k, c) for k, c in _chains(cohort).items()
                      if len(c) > 4 and c[1].form_id == "assistance_plan")
    assert pushed_state(registered[key], [])["plan_status"] == "10"
    after_plan = pushed_state(registered[key], chain[:2])
    plan = chain[1].plan
    assert plan is not None
    assert after_plan["plan_id"] == plan.plan_id and after_plan["plan_version"] == "1"
    assert after_plan["plan_interventions"].split() == [i.type for i in plan.interventions]
    assert after_plan["plan_status"] == str(chain[1].status_after)
    assert after_plan["sensitive_consent"] in ("1", "0")
    closed = next(c for c in _chains(cohort).values() if lc.is_closed(c[-1].status_after))
    assert pushed_state(registered[(closed[0].child, closed[0].entity)], closed)[
        "next_followup_due"] == ""


@pytest.mark.parametrize(
    ("name", "variants"),
    [
        ("ธนพล", {"ทนพล", "ธนพล".replace("น", "ณ"), "ธนภล"}),
        ("ณัฐพล", {"นัฐพล", "ณัฐภล"}),
        ("ศักดิ์ชัย", {"สักดิ์ชัย"}),
        ("สรรเพชญ", {"ศรรเพชญ", "สันเพชญ", "สรรเภชญ"}),
        ("กกก", set()),
    ],
)
def test_spelling_variants_swap_one_confusable_letter(name: str, variants: set[str | None]) -> None:
    seen = {spelling_variant(random.Random(k), name) for k in range(60)}
    assert seen == (set(variants) or {None})


def test_dates_in_free_text_slip_between_eras() -> None:
    day = date(2026, 6, 11)
    texts = {thai_date_text(random.Random(k), day) for k in range(200)}
    assert texts == {"11 มิ.ย. 2569", "11 มิ.ย. 2026", "11/6/69"}
