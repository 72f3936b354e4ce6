"""The plan-status engine over the warehouse: status events of matched children, redirects of merged
ids, exceptions kept with their resolution, incremental runs equal to one full run, idempotent reruns."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, select, update
from sqlmodel import Session, SQLModel

from warehouse.matching.identity import observation_key
from warehouse.matching.store import Child, ChildAssignment
from warehouse.models import SubmissionVersion
from warehouse.normalised import ChildObservation, FollowUp, StatusEvent
from warehouse.plan_status import lifecycle
from warehouse.plan_status.engine import recompute_status
from warehouse.plan_status.store import CurrentStatus, StatusException, StatusHistory

NOW = datetime(2026, 11, 30, tzinfo=UTC)
AS_OF = date(2026, 11, 30)
DAY0 = date(2026, 1, 5)
FORM = {10: "child_registration", 20: "home_visit", 25: "home_visit", 30: "assistance_plan",
        40: "assistance_plan"}


def _child(session: Session, child_id: str, redirect_to: str | None = None) -> None:
    session.add(Child(child_id=child_id, minted_at=NOW, status="merged" if redirect_to else "active",
                      redirect_to=redirect_to))


def _form(session: Session, child_id: str, submission: str, status: int, on: date | None, *,
          form_id: str | None = None, next_fu: date | None = None, supervision: bool = False) -> str:
    """One submitted form proposing `status` for the child, as normalisation and matching leave it."""
    form_id = form_id or FORM.get(status, "plan_followup")
    key = dict(source="central", project_id="1", form_id=form_id, submission_id=submission)
    raw = SubmissionVersion(**key, version_no=1, content_hash="0" * 64, payload={}, issues=[],
                            received_at=NOW)
    session.add(raw)
    session.flush()
    assert raw.id is not None
    common: dict[str, Any] = dict(key, raw_version_id=raw.id)
    session.add(ChildObservation(**common, observed_on=on, enumerator_id="enum01"))
    session.add(StatusEvent(**common, event_date=on, proposed_status=status))
    if form_id == "plan_followup":
        session.add(FollowUp(**common, fu_date=on, is_supervision=supervision, next_fu_date=next_fu,
                             supervisor_id="sup01" if supervision else None, child_current_status="IN_NFE"))
    obs = observation_key(**key)
    session.add(ChildAssignment(obs_key=obs, child_id=child_id, evidence="id", assigned_at=NOW))
    session.flush()
    return obs


def _snapshot(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    for table in (CurrentStatus, StatusHistory, StatusException):
        columns = [c for c in SQLModel.metadata.tables[str(table.__tablename__)].columns if c.name != "id"]
        out[str(table.__tablename__)] = sorted(
            tuple(row) for row in session.execute(select(*columns)))
    return out


def test_statuses_follow_the_forms_and_a_refused_proposal_waits_for_a_person(engine: Engine) -> None:
    with Session(engine) as session:
        _child(session, "C1")
        _form(session, "C1", "r1", 10, DAY0)
        _form(session, "C1", "v1", 20, DAY0 + timedelta(days=3))
        bad = _form(session, "C1", "f1", 70, DAY0 + timedelta(days=5))  # 20 → 70 is not allowed
        _form(session, "C1", "p1", 40, DAY0 + timedelta(days=9))
        _form(session, "C1", "f2", 50, DAY0 + timedelta(days=20), next_fu=date(2026, 3, 1), supervision=True)
        summary = recompute_status(session, as_of=AS_OF)
        session.commit()
        assert (summary.children, summary.recomputed, summary.exceptions, summary.overdue) == (1, 1, 1, 1)
        current = session.get(CurrentStatus, "C1")
        assert current is not None
        assert (current.status, current.since, current.plan_version) == (50, DAY0 + timedelta(days=20), 1)
        assert (current.next_followup_due, current.overdue, current.overdue_as_of) == (
            date(2026, 3, 1), True, AS_OF)
        history = list(session.scalars(select(StatusHistory).order_by(StatusHistory.seq)))  # type: ignore[arg-type]
        assert [(h.from_status, h.to_status) for h in history] == [
            (None, 10), (10, 20), (20, 30), (30, 40), (40, 50)]
        assert history[-1].by == "sup01" and history[0].by == "enum01"
        (refused,) = session.scalars(select(StatusException))
        assert refused.source_key == bad and refused.proposed_status == 70 and refused.from_status == 20
        assert "ไม่เป็นไปตามขั้นตอน" in refused.message and refused.resolved_at is None

        # A person resolves it; a later form changes the child; the resolution stays.
        session.execute(update(StatusException).values(
            resolved_by="sup01", resolved_at=NOW, resolution="แก้แบบฟอร์มแล้ว"))
        _form(session, "C1", "f3", 55, DAY0 + timedelta(days=40))
        again = recompute_status(session, as_of=AS_OF)
        session.commit()
        assert again.recomputed == 1 and again.open_exceptions == 0
        (kept,) = session.scalars(select(StatusException))
        assert kept.resolution == "แก้แบบฟอร์มแล้ว" and kept.resolved_by == "sup01"
        current = session.get(CurrentStatus, "C1")
        assert current is not None and current.status == 55
        # The last follow-up set no date: 30 days after it.
        assert current.next_followup_due == DAY0 + timedelta(days=70)


def test_consent_withdrawn_closes_the_case_and_is_recorded(engine: Engine) -> None:
    with Session(engine) as session:
        _child(session, "C1")
        _form(session, "C1", "r1", 10, DAY0)
        _form(session, "C1", "f1", 99, DAY0 + timedelta(days=2))
        _form(session, "C1", "f2", 20, DAY0 + timedelta(days=4), form_id="home_visit")
        summary = recompute_status(session, as_of=AS_OF)
        session.commit()
        current = session.get(CurrentStatus, "C1")
        assert current is not None and (current.status, current.closed, current.overdue) == (99, True, False)
        assert summary.withdrawn == 1 and summary.by_status == {99: 1}
        withdrawal = select(StatusHistory.kind).where(StatusHistory.to_status == 99)  # type: ignore[arg-type]
        assert session.scalars(withdrawal).one() == "withdrawn"
        (after,) = session.scalars(select(StatusException))
        assert after.reason == "after_withdrawal"


def test_forms_of_a_merged_child_count_for_the_surviving_id(engine: Engine) -> None:
    with Session(engine) as session:
        _child(session, "CA")
        _child(session, "CB", redirect_to="CA")  # CB turned out to be CA
        _form(session, "CA", "r1", 10, DAY0)
        _form(session, "CB", "v1", 20, DAY0 + timedelta(days=1))
        _form(session, "CB", "p1", 30, DAY0 + timedelta(days=2))
        summary = recompute_status(session, as_of=AS_OF)
        session.commit()
        assert summary.children == 1 and session.get(CurrentStatus, "CB") is None
        current = session.get(CurrentStatus, "CA")
        assert current is not None and current.status == 30 and current.events == 3
        assert set(session.scalars(select(StatusHistory.child_id))) == {"CA"}


def test_incremental_runs_equal_one_full_run_and_a_rerun_changes_nothing(engine: Engine) -> None:
    rng = random.Random(7)
    forms: list[tuple[str, str, int, date]] = []
    for c in range(40):
        child, on, status = f"C{c:03d}", DAY0 + timedelta(days=c), 10
        forms.append((child, f"{child}-0", 10, on))
        for n in range(1, rng.randint(1, 9)):
            on += timedelta(days=rng.randint(0, 20))
            # Mostly an allowed next step, sometimes one the lifecycle refuses.
            nexts = lifecycle.allowed_from(status)
            if nexts and rng.random() < 0.8:
                status = rng.choice(nexts)
            else:
                status = rng.choice(sorted(lifecycle.STATUSES))
            forms.append((child, f"{child}-{n}", status, on))
    rng.shuffle(forms)
    thirds = [forms[i::3] for i in range(3)]
    with Session(engine) as session:
        for c in range(40):
            _child(session, f"C{c:03d}")
        for batch in thirds:
            for child, sub, status, on in batch:
                _form(session, child, sub, status, on, form_id="plan_followup" if status >= 50 else None)
            recompute_status(session, as_of=AS_OF)
            session.commit()
        # A merge after the last batch: C001's forms now belong to C000.
        session.execute(update(Child).where(Child.child_id == "C001").values(  # type: ignore[arg-type]
            status="merged", redirect_to="C000"))
        # An edit that removed a form's status event.
        session.execute(delete(StatusEvent).where(StatusEvent.submission_id == "C002-0"))  # type: ignore[arg-type]
        incremental = recompute_status(session, as_of=AS_OF)
        session.commit()
        assert incremental.recomputed == 2 and incremental.removed == 1  # C000 and C002; C001 gone
        after_batches = _snapshot(session)
        assert after_batches["plan_status_exception"], "the random walks should include refused steps"

        rerun = recompute_status(session, as_of=AS_OF)
        session.commit()
        assert rerun.recomputed == 0 and rerun.removed == 0
        assert _snapshot(session) == after_batches

        for table in (StatusHistory, StatusException, CurrentStatus):
            session.execute(delete(table))
        full = recompute_status(session, as_of=AS_OF)
        session.commit()
        assert full.recomputed == 39
        assert _snapshot(session) == after_batches
        assert recompute_status(session, as_of=AS_OF, full=True).recomputed == 39
        session.commit()
        assert _snapshot(session) == after_batches


def test_overdue_is_judged_again_on_each_run(engine: Engine) -> None:
    with Session(engine) as session:
        _child(session, "C1")
        _form(session, "C1", "r1", 10, DAY0)
        _form(session, "C1", "v1", 20, DAY0 + timedelta(days=1))
        _form(session, "C1", "p1", 40, DAY0 + timedelta(days=2))
        _form(session, "C1", "f1", 50, DAY0 + timedelta(days=3), next_fu=DAY0 + timedelta(days=10))
        assert recompute_status(session, as_of=DAY0 + timedelta(days=10)).overdue == 0
        later = recompute_status(session, as_of=DAY0 + timedelta(days=11))
        assert later.recomputed == 0 and later.overdue == 1
        current = session.get(CurrentStatus, "C1")
        assert current is not None and current.overdue_as_of == DAY0 + timedelta(days=11)
