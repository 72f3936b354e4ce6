"""Follow-up in ODK's engine: §6 status transitions, close reasons, dates, one row per intervention."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from simulation.lifecycle import ALLOWED
from tests.engine.media import PLAN_DAYS_AGO, REGISTERED_DAYS_AGO, child_uuid, status_child
from tests.engine.runner import Case, CaseResult, run_cases
from tests.engine.scenarios import Scenario, check, days_from_today, opened

pytestmark = pytest.mark.usefixtures("engine_ready")

YOUNG, TEEN, ADULT = child_uuid(1), child_uuid(2), child_uuid(3)
RECOMMEND = "/data/status/recommend_status"
CLOSE = "/data/status/close_reason"
FU_DATE = "/data/followup/fu_date"
NEXT = "/data/next_fu_date"
CURRENT = "/data/followup/child_current_status"
INSTITUTION = "/data/followup/enrolled_institution"
CODES = (10, 20, 25, 30, 40, 50, 55, 60, 70, 80, 90, 99)
OPEN_STATUSES = (10, 20, 25, 30, 40, 50, 55, 60, 70, 80, 90)  # a 99 child cannot be chosen at all


def designed_transition(current: int, proposed: int) -> bool:
    """§6's allowed moves, plus keeping the current status ("no change", README plan_followup decision 3)."""
    return proposed in ALLOWED[current] or proposed == current


def _closing() -> list[Scenario]:
    table = [
        (60, "70", "GOAL_MET", True), (60, "70", "REFERRED", False),
        (50, "80", "REFERRED", True), (50, "80", "GOAL_MET", False),
        (50, "90", "MOVED", True), (50, "90", "DUPLICATE", True), (50, "90", "GOAL_MET", False),
        (50, "99", "CONSENT_WITHDRAWN", True), (50, "99", "LOST", False),
    ]
    out = [Scenario(f"close-{code}-{reason}",
                    opened(status_child(current), [RECOMMEND, code], [CLOSE, reason]),
                    {CLOSE: {"relevant": True, "constraint": ok}, NEXT: {"relevant": False}})
           for current, code, reason, ok in table]
    out.append(Scenario("no-change-asks-next-date", opened(status_child(50), [RECOMMEND, "50"]),
                        {CLOSE: {"relevant": False}, NEXT: {"relevant": True}}))
    fu = [FU_DATE, days_from_today(0)]
    out += [Scenario(f"next_fu_date-{days}", opened(status_child(50), fu, [RECOMMEND, "50"],
                                                   [NEXT, days_from_today(days)]),
                     {NEXT: {"constraint": ok}})
            for days, ok in ((0, False), (1, True), (366, True), (367, False))]
    return out


def _dates_and_rows() -> list[Scenario]:
    out = [
        *(Scenario(f"fu_date-{name}", opened(YOUNG, [FU_DATE, days_from_today(days)]),
                   {FU_DATE: {"constraint": ok}})
          for name, days, ok in (("tomorrow", 1, False), ("today", 0, True),
                                 ("before-registration", -REGISTERED_DAYS_AGO - 1, False))),
        Scenario("fu_date-before-plan", opened(ADULT, [FU_DATE, days_from_today(-PLAN_DAYS_AGO - 1)]),
                 {FU_DATE: {"constraint": False}}),
        Scenario("fu_date-plan-day", opened(ADULT, [FU_DATE, days_from_today(-PLAN_DAYS_AGO)]),
                 {FU_DATE: {"constraint": True}}),
        # One progress row per planned intervention, each naming its intervention (decision 1).
        Scenario("rows-from-the-plan", opened(ADULT), {
            "/data/progress/n_planned": {"value": "3"}, "/data/progress/n_intv": {"relevant": False},
            "/data/intervention_progress": {"count": 3},
            "/data/intervention_progress[1]/intv_ref": {"value": "NFE"},
            "/data/intervention_progress[2]/intv_ref": {"value": "SCHOLARSHIP"},
            "/data/intervention_progress[3]/intv_ref": {"value": "TRANSPORT"},
            "/data/intervention_progress[3]/intv_no": {"value": "3"},
            "/data/intervention_progress[2]/intv_choice": {"relevant": False},
        }),
        # The list does not know the plan yet: ask how many, then the type of each (decision 2).
        Scenario("rows-asked", opened(YOUNG, ["/data/progress/n_intv", "2"]), {
            "/data/progress/n_intv": {"relevant": True}, "/data/intervention_progress": {"count": 2},
            "/data/intervention_progress[2]/intv_choice": {"relevant": True, "required": True},
        }),
        *(Scenario(f"n_intv-{n}", opened(YOUNG, ["/data/progress/n_intv", str(n)]),
                   {"/data/progress/n_intv": {"constraint": ok}})
          for n, ok in ((0, False), (1, True), (20, True), (21, False))),
        Scenario("supervision-off", opened(YOUNG, ["/data/followup/is_supervision", "0"]),
                 {"/data/supervision": {"relevant": False}}),
        Scenario("supervision-on", opened(YOUNG, ["/data/followup/is_supervision", "1"]),
                 {"/data/supervision": {"relevant": True},
                  "/data/supervision/supervisor_id": {"required": True}}),
        Scenario("enrolled-asks-institution", opened(YOUNG, [CURRENT, "IN_NFE"]),
                 {INSTITUTION: {"relevant": True}}),
        Scenario("working-skips-institution", opened(YOUNG, [CURRENT, "WORKING"]),
                 {INSTITUTION: {"relevant": False}}),
    ]
    barriers = "/data/intervention_progress[1]/barriers"
    one_row = ["/data/progress/n_intv", "1"]
    out += [Scenario(f"barrier-choices-{name}", opened(child, one_row), {barriers: {}})
            for name, child in (("consented", TEEN), ("unknown", YOUNG))]
    return out


SCENARIOS = [*_closing(), *_dates_and_rows()]


@pytest.fixture(scope="module")
def results(form_xml: Callable[[str], str], small_media: Path) -> dict[str, CaseResult]:
    cases = [s.case() for s in SCENARIOS]
    # Every proposed status from every current status: 11 children × 12 codes, one instance each.
    cases += [Case(id=f"from-{code}", set=opened(status_child(code)), read=[RECOMMEND],
                   sweep_path=RECOMMEND, sweep_values=[str(c) for c in CODES])
              for code in OPEN_STATUSES]
    return run_cases(form_xml("plan_followup"), cases, small_media)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_plan_followup_behaves_as_designed(results: dict[str, CaseResult], scenario: Scenario) -> None:
    check(scenario, results[scenario.id])


@pytest.mark.parametrize("current", OPEN_STATUSES)
def test_status_transitions_follow_the_lifecycle(results: dict[str, CaseResult], current: int) -> None:
    result = results[f"from-{current}"]
    result.raise_error()
    got = {int(value): reads[RECOMMEND]["constraint"] for value, reads in result.sweep}
    want = {proposed: designed_transition(current, proposed) for proposed in CODES}
    assert got == want


def test_health_barrier_only_with_sensitive_consent(results: dict[str, CaseResult]) -> None:
    path = "/data/intervention_progress[1]/barriers"
    consented = set(results["barrier-choices-consented"][path]["choices"])
    unknown = set(results["barrier-choices-unknown"][path]["choices"])
    assert "HEALTH" in consented
    assert unknown == consented - {"HEALTH"}
