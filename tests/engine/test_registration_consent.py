"""Registration consent, relevance and entry checks in ODK's engine, as the forms README designs them."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.engine.runner import CaseResult, run_cases
from tests.engine.scenarios import Scenario, check, completed_years, years_ago

pytestmark = pytest.mark.usefixtures("engine_ready")

C = "/data/consent/"
LAO = [["/data/lao/lao_province", "81"], ["/data/lao/lao_district", "8101"],
       ["/data/lao/lao_code", "6810103"]]
PERSONAL_GROUPS = ("/data/child", "/data/address", "/data/guardian", "/data/education")
PERSONAL_QUESTIONS = ("/data/child/id_scheme", "/data/child/first_name", "/data/child/birth_date",
                      "/data/address/geopoint", "/data/guardian/guardian_phone",
                      "/data/education/ever_enrolled")


def consented(age: int) -> list[Any]:
    """Consent as README decision 3 allows it for this age."""
    by = "SELF" if age >= 20 else "FATHER"
    ops: list[Any] = [[C + "consent_age", str(age)], [C + "consent_by", by], [C + "consent_given", "1"]]
    if 10 <= age < 20:
        ops.append([C + "child_assent", "1"])
    return ops


def _who_may_consent() -> list[Scenario]:
    table = [
        (0, "FATHER", True), (8, "MOTHER", True), (9, "LEGAL_GUARDIAN", True),
        (9, "GRANDPARENT", False), (9, "FOSTER", False), (9, "SELF", False),
        (10, "GRANDPARENT", True), (10, "FATHER", True), (10, "SELF", False),
        (19, "RELATIVE", True), (19, "SELF", False),
        (20, "SELF", True), (20, "MOTHER", False), (25, "SELF", True),
    ]
    return [
        Scenario(f"consent_by-{age}-{by}", [[C + "consent_age", str(age)], [C + "consent_by", by]],
                 {C + "consent_by": {"constraint": ok}})
        for age, by, ok in table
    ] + [
        Scenario(f"consent_age-{age}", [[C + "consent_age", str(age)]],
                 {C + "consent_age": {"constraint": ok}})
        for age, ok in ((-1, False), (0, True), (25, True), (26, False))
    ]


def _consent_outcome(sid: str, ops: list[Any], *, ok: bool, assent_asked: bool) -> Scenario:
    want: dict[str, dict[str, Any]] = {
        C + "child_assent": {"relevant": assent_asked},
        C + "consent_ok": {"value": "1" if ok else "0"},
        C + "consent_scope": {"relevant": ok},
        C + "consent_refused": {"relevant": not ok},
    }
    for path in (*PERSONAL_GROUPS, *PERSONAL_QUESTIONS):
        want[path] = {"relevant": ok}
    if not ok:
        # The form ends politely: nothing else is asked, it can be sent, and it names no child.
        want["/data"] = {"violations": []}
        want["/data/instance_label"] = {"value": "ไม่ยินยอม 6810103"}
        want["/data/meta/instanceName"] = {"value": "ไม่ยินยอม 6810103"}
    return Scenario(sid, [*LAO, *ops], want)


def _consent_outcomes() -> list[Scenario]:
    def base(age: int, by: str, given: str) -> list[Any]:
        return [[C + "consent_age", str(age)], [C + "consent_by", by], [C + "consent_given", given]]

    return [
        _consent_outcome("under10-parent-consents", base(9, "MOTHER", "1"), ok=True, assent_asked=False),
        _consent_outcome("under10-parent-refuses", base(5, "MOTHER", "0"), ok=False, assent_asked=False),
        Scenario("age10-assent-not-yet-given", [*LAO, *base(10, "FATHER", "1")], {
            # Not a refusal yet: the child's own answer is still owed, and nothing personal is open.
            C + "child_assent": {"relevant": True, "required": True},
            C + "consent_ok": {"value": "0"},
            C + "consent_refused": {"relevant": False},
            "/data": {"violations": ["/data/consent/child_assent required"]},
            **{path: {"relevant": False} for path in PERSONAL_GROUPS},
        }),
        _consent_outcome("age10-child-assents", [*base(10, "FATHER", "1"), [C + "child_assent", "1"]],
                         ok=True, assent_asked=True),
        _consent_outcome("age19-child-refuses", [*base(19, "GRANDPARENT", "1"), [C + "child_assent", "0"]],
                         ok=False, assent_asked=True),
        _consent_outcome("age12-guardian-refuses", base(12, "FATHER", "0"), ok=False, assent_asked=False),
        _consent_outcome("adult-consents", base(20, "SELF", "1"), ok=True, assent_asked=False),
        _consent_outcome("adult-refuses", base(22, "SELF", "0"), ok=False, assent_asked=False),
    ]


def _with_child(age: int, sex: str, born: str, *extra: list[Any]) -> list[Any]:
    return [*consented(age), ["/data/child/sex", sex], ["/data/child/birth_date_precision", "DAY"],
            ["/data/child/birth_date", born], *extra]


def _prefixes() -> list[Scenario]:
    table = [
        (8, "M", {"MSTR": True, "MISS_C": False, "MR": False, "OTHER": True}),
        (8, "F", {"MISS_C": True, "MSTR": False, "MS": False, "OTHER": True}),
        (8, "X", {"MSTR": True, "MISS_C": True, "MR": False}),
        (16, "M", {"MR": True, "MSTR": False, "MS": False}),
        (16, "F", {"MS": True, "MRS": True, "MISS_C": False, "MR": False}),
        (16, "X", {"MR": True, "MS": True, "MSTR": False}),
    ]
    out = []
    for age, sex, verdicts in table:
        born = years_ago(age, days_later=-40)
        for prefix, ok in verdicts.items():
            out.append(Scenario(
                f"prefix-{age}-{sex}-{prefix}", _with_child(age, sex, born, ["/data/child/prefix", prefix]),
                {"/data/child/age_years": {"value": str(age)}, "/data/child/prefix": {"constraint": ok}},
            ))
    # The 15th birthday is where ด.ช. becomes นาย (exact completed years, README decision 5).
    for label, born, age in (("15th-birthday-today", years_ago(15), 15),
                             ("15th-birthday-tomorrow", years_ago(15, days_later=1), 14)):
        for prefix in ("MSTR", "MR"):
            out.append(Scenario(
                f"prefix-{label}-{prefix}", _with_child(15, "M", born, ["/data/child/prefix", prefix]),
                {"/data/child/age_years": {"value": str(completed_years(born))},
                 "/data/child/prefix": {"constraint": (prefix == "MR") == (age >= 15)}},
            ))
    return out


def _birth_dates() -> list[Scenario]:
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    buddhist_era_year = f"{date.today().year + 543 - 8}-01-15"  # 8-year-old's BE year typed as CE
    table = [
        ("tomorrow", 0, tomorrow, False),
        ("today", 0, date.today().isoformat(), True),
        ("buddhist-era-year", 8, buddhist_era_year, False),
        ("age-25", 25, years_ago(25), True),
        ("age-26", 25, years_ago(26), False),
        ("two-years-from-told-age", 12, years_ago(10), False),
        ("one-year-from-told-age", 11, years_ago(10), True),
        ("one-year-from-told-age-other-side", 9, years_ago(10), True),
        ("just-under-two-years", 11, years_ago(10, days_later=1), False),
    ]
    return [
        Scenario(f"birth_date-{name}", _with_child(age, "F", born),
                 {"/data/child/birth_date": {"constraint": ok, "relevant": True}})
        for name, age, born, ok in table
    ] + [
        Scenario("birth_date-estimated", [*consented(13), ["/data/child/birth_date_precision", "EST"]],
                 {"/data/child/birth_date": {"relevant": False},
                  "/data/child/age_estimate": {"relevant": True, "value": "13"},
                  "/data/child/age_years": {"value": "13"}}),
    ]


def _identity_relevance() -> list[Scenario]:
    nid, gcode, confirm = "/data/child/national_id", "/data/child/g_code", "/data/child/id_confirm"
    out = [
        Scenario(f"id_scheme-{scheme}", [*consented(8), ["/data/child/id_scheme", scheme]],
                 {nid: {"relevant": asks_id}, gcode: {"relevant": scheme == "GCODE"}})
        for scheme, asks_id in (("TH_PID", True), ("NONTHAI_PID", True), ("GCODE", False),
                                ("NONE", False), ("UNKNOWN", False))
    ]
    zero_failing = "0101700230706"  # 0-series, check digit fails: accepted only once confirmed
    for answer, ok in (("1", True), ("0", False)):
        out.append(Scenario(
            f"id_confirm-{answer}",
            [*consented(8), ["/data/child/id_scheme", "TH_PID"], [nid, zero_failing], [confirm, answer]],
            {nid: {"constraint": True}, confirm: {"relevant": True, "required": True, "constraint": ok}},
        ))
    out.append(Scenario(
        "guardian-self", [*consented(20), ["/data/guardian/guardian_relationship", "SELF"]],
        {"/data/guardian/guardian_name": {"relevant": False}},
    ))
    out.append(Scenario(
        "guardian-mother", [*consented(12), ["/data/guardian/guardian_relationship", "MOTHER"]],
        {"/data/guardian/guardian_name": {"relevant": True, "required": True}},
    ))
    return out


SCENARIOS = [*_who_may_consent(), *_consent_outcomes(), *_prefixes(), *_birth_dates(), *_identity_relevance()]


@pytest.fixture(scope="module")
def results(registration_xml: str, small_media: Path) -> dict[str, CaseResult]:
    return run_cases(registration_xml, [s.case() for s in SCENARIOS], small_media)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_registration_behaves_as_designed(results: dict[str, CaseResult], scenario: Scenario) -> None:
    check(scenario, results[scenario.id])
