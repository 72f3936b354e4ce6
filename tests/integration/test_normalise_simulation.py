"""Simulated field work synced over HTTP and normalised: counts reconcile, every designed flaw caught."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from orchestration.pipeline import sync_central
from simulation.cohort import Cohort, generate_cohort
from simulation.submitter import simulate
from tests.support.local_central import LocalCentral
from warehouse.normalise.driver import held_counts, normalise_pending
from warehouse.normalised import DataQualityFlag, FollowUp, Screening, TextDate
from warehouse.status import form_status

# Seed 2 with 50 children registers both kinds of ID flaw the simulator designs (simulation/attributes.py).
CHILDREN = 50
SEED = 2
# What catches each designed flaw: a 0-series check digit fails; a digit-3 slip passes the check
# digit but moves digits 2–3 away from the child's province.
CAUGHT_BY = {"check_digit_0_series": {"id_check_digit"},
             "digit3_mistyped": {"id_province_differs_from_address", "id_unknown_province"}}


@pytest.fixture(scope="module")
def cohort(central: LocalCentral) -> Cohort:
    with central.client() as client:
        result = simulate(client, children=CHILDREN, seed=SEED)
    assert result.conflicts == 0
    return generate_cohort(CHILDREN, SEED)


def test_every_simulated_submission_is_normalised_and_every_designed_flaw_flagged(
    central: LocalCentral, cohort: Cohort, engine: Engine,
) -> None:
    with central.client() as client:
        sync_central(client, central.project_id, engine)
    with Session(engine) as session:
        first = normalise_pending(session)
        counts = {form: c for (_, _, form), c in held_counts(session).items()}
        status = {r["form_id"]: r for r in form_status(session)}
        flags = session.exec(select(DataQualityFlag)).all()
        again = normalise_pending(session)
    expected = cohort.counts()
    assert set(counts) == set(expected)
    for form, c in counts.items():
        assert c["held"] == expected[form] == c["normalised"] + c["quarantined"], form
        assert c["quarantined"] == 0 and c["pending"] == 0, form  # the simulator sends valid forms
        assert status[form]["warehouse_count"] == c["held"] and status[form]["quarantined"] == 0
        assert status[form]["normalised"] == c["normalised"] and status[form]["in_sync"]
    assert sum(first.normalised.values()) == sum(expected.values()) and again.done == 0

    by_submission: dict[str, set[str]] = {}
    for f in flags:
        if f.field == "child/national_id":
            by_submission.setdefault(f.submission_id, set()).add(f.code)
    designed = [r for r in cohort.registrations if r.id_flaw and r.consent_ok]
    assert Counter(r.id_flaw for r in designed).keys() == CAUGHT_BY.keys()
    for registration in designed:
        found = by_submission.get(registration.instance_id, set())
        assert found & CAUGHT_BY[registration.id_flaw or ""], (registration.instance_id, registration.id_flaw)
    clean = {r.instance_id for r in cohort.registrations if r.consent_ok and r.national_id and not r.id_flaw}
    assert not {s for s, codes in by_submission.items() if s in clean and codes & {"id_check_digit"}}


def test_buddhist_era_dates_in_free_text_are_read_as_the_enumerator_meant(
    central: LocalCentral, cohort: Cohort, engine: Engine,
) -> None:
    with central.client() as client:
        sync_central(client, central.project_id, engine)
    with Session(engine) as session:
        normalise_pending(session)
        dates = session.exec(select(TextDate)).all()
        visits = {s.submission_id: s.visit_date for s in session.exec(select(Screening)).all()}
        followups = {f.submission_id: f.fu_date for f in session.exec(select(FollowUp)).all()}
        assert session.exec(select(TextDate).where(col(TextDate.value).is_(None))).all() == []
    assert len(dates) >= 10 and any("buddhist_era" in d.flags for d in dates)
    for d in dates:
        assert d.value is not None
        if d.form_id == "home_visit":  # "เคยเรียนถึง <the visit day, a year earlier>"
            seen = visits[d.submission_id]
            assert seen is not None and (d.value.month, d.value.day, d.value.year) == (
                seen.month, seen.day, seen.year - 1), d.as_entered
        else:  # "ภายใน <7 to 45 days after the follow-up>"
            on = followups[d.submission_id]
            assert on is not None, d.submission_id
            assert on + timedelta(days=7) <= d.value <= on + timedelta(days=45), d.as_entered
