"""Assistance plan in ODK's engine: statuses allowing a plan, agreement, dates, repeats, sensitive choices."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.engine.media import PLAN_DAYS_AGO, REGISTERED_DAYS_AGO, child_uuid, status_child
from tests.engine.runner import Case, CaseResult, run_cases
from tests.engine.scenarios import Scenario, check, days_from_today, opened

pytestmark = pytest.mark.usefixtures("engine_ready")

YOUNG, TEEN, ADULT = child_uuid(1), child_uuid(2), child_uuid(3)
STATUS = "/data/agreement/plan_status"
AGREED = "/data/agreement/plan_agreed_by"
PLAN_DATE = "/data/plan/plan_date"
REVISION = "/data/plan/plan_revision"
ALLOWS_A_PLAN = {20, 30, 40, 50}  # README assistance_plan decision 1
SENSITIVE_CHOICES = {
    "/data/plan/problems": {"HEALTH", "DISABILITY", "PSYCHOSOCIAL", "RISK"},
    "/data/goals[1]/goal_domain": {"HEALTH", "PSYCHOSOCIAL"},
    "/data/interventions[1]/intv_type": {"HEALTH_REF", "PSYCHOSOCIAL"},
}


def _statuses() -> list[Scenario]:
    out = [
        Scenario(f"status-{code}-drafts", opened(status_child(code), [STATUS, "30"]),
                 {STATUS: {"constraint": code in ALLOWS_A_PLAN, "choices": ["30", "40"]},
                  "/data/plan_blocked": {"relevant": code not in ALLOWS_A_PLAN}})
        for code in (10, 20, 25, 30, 40, 50, 55, 60, 70, 80, 90)
    ]
    for agreed, ok in (("SUPERVISOR", True), ("CHILD GUARDIAN", True), ("CHILD GUARDIAN SCHOOL", True),
                       ("CHILD", False), ("GUARDIAN SCHOOL", False)):
        out.append(Scenario(f"agreed-by-{agreed.replace(' ', '+')}",
                            opened(TEEN, [AGREED, agreed], [STATUS, "40"]), {STATUS: {"constraint": ok}}))
    return out


def _plan_identity_and_dates() -> list[Scenario]:
    before_plan = days_from_today(-PLAN_DAYS_AGO - 1)
    return [
        Scenario("first-plan", opened(TEEN), {REVISION: {"relevant": False},
                                               "/data/plan/plan_version": {"value": "1"}}),
        Scenario("revision", opened(ADULT, [REVISION, "1"]),
                 {REVISION: {"relevant": True}, "/data/plan/plan_id": {"value": "plan-3"},
                  "/data/plan/plan_version": {"value": "3"}}),
        Scenario("new-plan-for-a-child-with-one", opened(ADULT, [REVISION, "0"]),
                 {"/data/plan/plan_version": {"value": "1"}}),
        Scenario("plan_date-tomorrow", opened(TEEN, [PLAN_DATE, days_from_today(1)]),
                 {PLAN_DATE: {"constraint": False}}),
        Scenario("plan_date-today", opened(TEEN, [PLAN_DATE, days_from_today(0)]),
                 {PLAN_DATE: {"constraint": True}}),
        Scenario("plan_date-before-registration",
                 opened(TEEN, [PLAN_DATE, days_from_today(-REGISTERED_DAYS_AGO - 1)]),
                 {PLAN_DATE: {"constraint": False}}),
        Scenario("revision-before-previous-plan", opened(ADULT, [REVISION, "1"], [PLAN_DATE, before_plan]),
                 {PLAN_DATE: {"constraint": False}}),
        Scenario("new-plan-before-previous-plan", opened(ADULT, [REVISION, "0"], [PLAN_DATE, before_plan]),
                 {PLAN_DATE: {"constraint": True}}),
        *(Scenario(f"case_manager-{code}", opened(TEEN, ["/data/plan/case_manager_id", code]),
                   {"/data/plan/case_manager_id": {"constraint": ok}})
          for code, ok in (("6810103-01", True), ("681010301", False), ("6810103-1", False))),
    ]


def _repeats() -> list[Scenario]:
    target, start = "/data/goals[1]/goal_target_date", "/data/interventions[1]/intv_start"
    today = [PLAN_DATE, days_from_today(0)]
    out = [Scenario(f"goal_target-{days}", opened(TEEN, today, [target, days_from_today(days)]),
                    {target: {"constraint": ok}})
           for days, ok in ((0, False), (1, True), (1096, True), (1097, False))]
    out += [Scenario(f"intv_start-{days}", opened(TEEN, today, [start, days_from_today(days)]),
                     {start: {"constraint": ok}})
            for days, ok in ((-REGISTERED_DAYS_AGO - 1, False), (-REGISTERED_DAYS_AGO, True),
                             (366, True), (367, False))]
    funding = "/data/interventions[1]/intv_funding"
    out += [Scenario(f"budget-{b or 'none'}", opened(TEEN, *([["/data/interventions[1]/intv_budget", b]]
                                                            if b else [])),
                     {funding: {"relevant": rel}})
            for b, rel in (("", False), ("0", False), ("1500", True))]
    out.append(Scenario(
        "two-interventions",
        opened(TEEN, ["/data/interventions[1]/intv_type", "NFE"], {"add": "/data/interventions"},
               ["/data/interventions[2]/intv_type", "SCHOLARSHIP"]),
        {"/data/interventions": {"count": 2}, "/data/interventions[2]/intv_no": {"value": "2"},
         "/data/plan_interventions": {"value": "NFE SCHOLARSHIP"},
         "/data/goals": {"count": 1}},  # each repeat starts with one row (decision 3)
    ))
    out.append(Scenario(
        "one-row-each-is-required", opened(TEEN),
        {"/data/goals[1]/goal_text": {"required": True},
         "/data/interventions[1]/intv_type": {"required": True}},
    ))
    return out


SCENARIOS = [*_statuses(), *_plan_identity_and_dates(), *_repeats()]


@pytest.fixture(scope="module")
def results(form_xml: Callable[[str], str], small_media: Path) -> dict[str, CaseResult]:
    cases = [s.case() for s in SCENARIOS]
    # Sensitive choices follow the entity's sensitive_consent: '1' (teen), '0' (adult), '' (young).
    cases += [Case(id=f"choices-{name}", set=opened(child), read=sorted(SENSITIVE_CHOICES))
              for name, child in (("consented", TEEN), ("refused", ADULT), ("unknown", YOUNG))]
    return run_cases(form_xml("assistance_plan"), cases, small_media)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_assistance_plan_behaves_as_designed(results: dict[str, CaseResult], scenario: Scenario) -> None:
    check(scenario, results[scenario.id])


@pytest.mark.parametrize("path", sorted(SENSITIVE_CHOICES))
def test_sensitive_choices_follow_the_entitys_consent(results: dict[str, CaseResult], path: str) -> None:
    offered: dict[str, Any] = {k: set(results[f"choices-{k}"][path]["choices"])
                               for k in ("consented", "refused", "unknown")}
    assert SENSITIVE_CHOICES[path] <= offered["consented"]
    for without in ("refused", "unknown"):
        assert offered[without] == offered["consented"] - SENSITIVE_CHOICES[path]
