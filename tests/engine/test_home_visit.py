"""Home visit in ODK's engine: the child list, visit checks, and sensitive sections gated by consent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.engine.media import LAO, aged_child, child_uuid, fixture_children
from tests.engine.runner import Case, CaseResult, run_cases
from tests.engine.scenarios import Scenario, check, opened

pytestmark = pytest.mark.usefixtures("engine_ready")

CHILD = "/data/case/child"
S = "/data/sensitive/"
HEALTH_QUESTIONS = ("/data/health", "/data/health/has_disability", "/data/health/chronic_illness",
                    "/data/health/risk_flags")
# Choices of ordinary lists that carry sensitive data (README home_visit decision 2).
SENSITIVE_CHOICES = {
    "/data/household/hh_dependants": {"DISABLED", "CHRONIC"},
    "/data/household/welfare_received": {"DISABILITY_ALLOWANCE"},
    "/data/screening/child_needs": {"HEALTH", "PSYCHOSOCIAL"},
}
YOUNG, TEEN, ADULT, NO_BIRTH_YEAR, WITHDRAWN, MERGED, OTHER_LAO = (child_uuid(n) for n in range(1, 8))
REGISTERED = date.fromisoformat(fixture_children()[0]["registered_on"])


def found(child: str, *ops: list[Any]) -> list[Any]:
    return opened(child, ["/data/visit/visit_date", date.today().isoformat()],
                  ["/data/visit/visit_result", "FOUND"], *ops)


def _sensitive(sid: str, ops: list[Any], *, ok: bool, assent_asked: bool) -> Scenario:
    want: dict[str, dict[str, Any]] = {
        S + "sensitive_assent": {"relevant": assent_asked},
        S + "sensitive_ok": {"value": "1" if ok else "0"},
        **{path: {"relevant": ok} for path in HEALTH_QUESTIONS},
        "/data/household": {"relevant": True},
        "/data/screening": {"relevant": True},
    }
    return Scenario(sid, ops, want)


def _sensitive_gate() -> list[Scenario]:
    consent = S + "sensitive_consent"
    return [
        _sensitive("young-no-answer-yet", found(YOUNG), ok=False, assent_asked=False),
        _sensitive("young-consent", found(YOUNG, [consent, "1"]), ok=True, assent_asked=False),
        _sensitive("young-refuses", found(YOUNG, [consent, "0"]), ok=False, assent_asked=False),
        _sensitive("teen-consent-no-assent-yet", found(TEEN, [consent, "1"]), ok=False, assent_asked=True),
        _sensitive("teen-consent-and-assent", found(TEEN, [consent, "1"], [S + "sensitive_assent", "1"]),
                   ok=True, assent_asked=True),
        _sensitive("teen-assent-refused", found(TEEN, [consent, "1"], [S + "sensitive_assent", "0"]),
                   ok=False, assent_asked=True),
        _sensitive("teen-guardian-refuses", found(TEEN, [consent, "0"]), ok=False, assent_asked=False),
        _sensitive("adult-consent", found(ADULT, [consent, "1"]), ok=True, assent_asked=False),
        _sensitive("unknown-age-consent", found(NO_BIRTH_YEAR, [consent, "1"]), ok=True,
                   assent_asked=False),
        *(_sensitive(f"age-{age}-consent", found(aged_child(age), [consent, "1"]),
                     ok=not 10 <= age < 20, assent_asked=10 <= age < 20)
          for age in (9, 10, 19, 20)),
    ]


def _visit_checks() -> list[Scenario]:
    vdate = "/data/visit/visit_date"
    dates = [
        ("tomorrow", date.today() + timedelta(days=1), False),
        ("today", date.today(), True),
        ("registration-day", REGISTERED, True),
        ("day-before-registration", REGISTERED - timedelta(days=1), False),
    ]
    out = [Scenario(f"visit_date-{name}", opened(YOUNG, [vdate, day.isoformat()]),
                    {vdate: {"constraint": ok}}) for name, day, ok in dates]
    for result in ("NOT_FOUND", "MOVED", "DECEASED", "REFUSED"):
        out.append(Scenario(
            f"visit-{result}", opened(YOUNG, [vdate, date.today().isoformat()],
                                      ["/data/visit/visit_result", result]),
            {"/data/visit/visit_ended": {"relevant": True},
             **{g: {"relevant": False} for g in ("/data/sensitive", "/data/household", "/data/health",
                                                 "/data/screening")},
             "/data": {"violations": []}},  # ends politely: nothing more is owed
        ))
    out += [
        # The enumerator's LAO only, merged duplicates hidden (README, the children list, decision 3).
        Scenario("child-list", opened(YOUNG), {CHILD: {"choices": [
            r["name"] for r in fixture_children() if r["lao_code"] == LAO[2] and not r["merged_into"]]}}),
        Scenario("child-withdrawn", opened(WITHDRAWN), {CHILD: {"constraint": False}}),
        Scenario("child-shows-status", opened(TEEN), {CHILD: {"constraint": True},
                                                      "/data/case/ch_status": {"value": "20"},
                                                      "/data/case/child_summary": {"relevant": True}}),
    ]
    size = "/data/household/hh_size"
    out += [Scenario(f"hh_size-{n}", found(YOUNG, [size, str(n)]), {size: {"constraint": ok}})
            for n, ok in ((0, False), (1, True), (30, True), (31, False))]
    vehicles = "/data/household/vehicles"
    out += [Scenario(f"vehicles-{v.replace(' ', '+')}", found(YOUNG, [vehicles, v]),
                     {vehicles: {"constraint": ok}})
            for v, ok in (("NONE", True), ("CAR MOTORCYCLE", True), ("NONE CAR", False))]
    voice = "/data/screening/child_voice"
    out += [Scenario(f"child_voice-{name}", found(YOUNG, [voice, text]), {voice: {"constraint": ok}})
            for name, text, ok in (("plain", "อยากเรียนต่อ", True), ("phone", "โทร 0812345678", False),
                                   ("too-long", "ก" * 301, False))]
    return out


SCENARIOS = [*_sensitive_gate(), *_visit_checks()]


@pytest.fixture(scope="module")
def results(form_xml: Callable[[str], str], small_media: Path) -> dict[str, CaseResult]:
    return run_cases(form_xml("home_visit"), [s.case() for s in SCENARIOS], small_media)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_home_visit_behaves_as_designed(results: dict[str, CaseResult], scenario: Scenario) -> None:
    check(scenario, results[scenario.id])


@pytest.fixture(scope="module")
def choice_results(form_xml: Callable[[str], str], small_media: Path) -> dict[str, CaseResult]:
    consent, paths = S + "sensitive_consent", sorted(SENSITIVE_CHOICES)
    cases = [Case(id="without", set=found(YOUNG, [consent, "0"]), read=paths),
             Case(id="with", set=found(YOUNG, [consent, "1"]), read=paths)]
    return run_cases(form_xml("home_visit"), cases, small_media)


@pytest.mark.parametrize("path", sorted(SENSITIVE_CHOICES))
def test_sensitive_choices_offered_only_with_consent(
    choice_results: dict[str, CaseResult], path: str
) -> None:
    without = set(choice_results["without"][path]["choices"])
    with_consent = set(choice_results["with"][path]["choices"])
    assert SENSITIVE_CHOICES[path] <= with_consent
    assert not SENSITIVE_CHOICES[path] & without
    assert with_consent - SENSITIVE_CHOICES[path] == without  # nothing else changes
