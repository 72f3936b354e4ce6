"""Plan status read back from its history: status at month ends per LAO, and the children a period's
report must account for (SQLite, PostgreSQL)."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import Engine, update
from sqlmodel import Session

from tests.warehouse.test_plan_status_warehouse import _child, _form
from warehouse.normalised import ChildObservation
from warehouse.plan_status.engine import recompute_status
from warehouse.plan_status.monthly import (
    NO_LAO,
    child_laos,
    month_ends,
    monthly_counts,
    period_account,
    period_bounds,
)


def test_month_ends_and_period_bounds_cross_years_and_leap_days() -> None:
    assert month_ends("2028-02", months=3) == [date(2027, 12, 31), date(2028, 1, 31), date(2028, 2, 29)]
    assert period_bounds("2026-12") == (date(2026, 12, 1), date(2026, 12, 31))


def _cases(engine: Engine) -> None:
    """A: 10 in Jan, 20 in Feb, 40 in Mar (LAO 1, then a March visit in LAO 2). B: 10 in Jan, 25 in
    Jan (closed before February). C: 10 in Feb, 99 in Mar. D: only a refused proposal."""
    with Session(engine) as session:
        for child in "ABCD":
            _child(session, child)
        _form(session, "A", "a1", 10, date(2026, 1, 10))
        _form(session, "A", "a2", 20, date(2026, 2, 3))
        _form(session, "A", "a3", 40, date(2026, 3, 20))
        _form(session, "B", "b1", 10, date(2026, 1, 11))
        _form(session, "B", "b2", 25, date(2026, 1, 20))
        _form(session, "C", "c1", 10, date(2026, 2, 1))
        _form(session, "C", "c2", 99, date(2026, 3, 1), form_id="plan_followup")
        _form(session, "D", "d1", 20, date(2026, 2, 1))  # no registration: refused
        session.execute(update(ChildObservation).values(lao_code="6000001"))
        session.execute(update(ChildObservation).where(
            ChildObservation.submission_id == "a3").values(lao_code="6000002"))  # type: ignore[arg-type]
        session.execute(update(ChildObservation).where(
            ChildObservation.submission_id == "d1").values(lao_code=None))  # type: ignore[arg-type]
        recompute_status(session, as_of=date(2026, 4, 1))
        session.commit()


def test_status_at_each_month_end_per_lao_follows_the_history(engine: Engine) -> None:
    _cases(engine)
    with Session(engine) as session:
        assert child_laos(session) == {"A": "6000002", "B": "6000001", "C": "6000001"}  # latest visit
        counts = monthly_counts(session, month_ends("2026-03", months=4))
    assert counts[date(2025, 12, 31)] == {}
    assert counts[date(2026, 1, 31)] == {"6000002": Counter({10: 1}), "6000001": Counter({25: 1})}
    assert counts[date(2026, 2, 28)] == {"6000002": Counter({20: 1}), "6000001": Counter({25: 1, 10: 1})}
    assert counts[date(2026, 3, 31)] == {"6000002": Counter({40: 1}), "6000001": Counter({25: 1, 99: 1})}
    with Session(engine) as session:
        left_out = monthly_counts(session, [date(2026, 3, 31)], leave_out={"A"})
    assert left_out[date(2026, 3, 31)] == {"6000001": Counter({25: 1, 99: 1})}
    assert NO_LAO not in counts[date(2026, 3, 31)]  # D has no status: no bar


def test_a_periods_account_leaves_out_cases_closed_before_it_and_counts_withdrawals_apart(
    engine: Engine,
) -> None:
    _cases(engine)
    with Session(engine) as session:
        january = period_account(session, "2026-01")
        march = period_account(session, "2026-03")
        erased = period_account(session, "2026-03", leave_out={"C", "D"})
    assert january.status == {"A": 10, "B": 25}  # B closed during January: still a row
    assert march.status == {"A": 40} and march.per_status() == {40: 1}  # B closed before March
    assert march.withdrawn == {"C"} and march.without_status == {"D"}
    assert erased.withdrawn == set() and erased.without_status == set()
