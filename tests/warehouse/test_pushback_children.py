"""Push-back's warehouse reads on SQLite and PostgreSQL: which child an entity belongs to, merged ids
followed, and what the child's entity should show (status, due date, plan, sensitive consent, LAO)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from warehouse.matching.identity import observation_key
from warehouse.matching.store import Child, ChildAssignment
from warehouse.models import SubmissionVersion
from warehouse.normalised import ChildObservation, ConsentRecord, Plan, PlanIntervention
from warehouse.plan_status.store import CurrentStatus
from warehouse.pushback.children import (
    child_states,
    children_by_entity,
    children_by_submission,
    registration_rows,
    resolve_ids,
)

NOW = datetime(2026, 11, 30, tzinfo=UTC)


def _submission(session: Session, child_id: str, form_id: str, submission_id: str, *,
                entity: str | None = None, on: date | None = None, **observed: Any) -> dict[str, Any]:
    key = dict(source="central", project_id="7", form_id=form_id, submission_id=submission_id)
    raw = SubmissionVersion(**key, version_no=1, content_hash="0" * 64, payload={}, issues=[],
                            received_at=NOW)
    session.add(raw)
    session.flush()
    common: dict[str, Any] = dict(key, raw_version_id=raw.id)
    session.add(ChildObservation(**common, entity_id=entity, observed_on=on, **observed))
    session.add(ChildAssignment(obs_key=observation_key(**key), child_id=child_id, evidence="entity",
                                assigned_at=NOW))
    return common


def _child(session: Session, child_id: str, redirect_to: str | None = None) -> None:
    session.add(Child(child_id=child_id, minted_at=NOW, status="merged" if redirect_to else "active",
                      redirect_to=redirect_to))


def test_entities_are_linked_by_their_follow_on_forms_then_by_their_registration(engine: Engine) -> None:
    with Session(engine) as session:
        for c in ("C1", "C2", "C3"):
            _child(session, c)
        _child(session, "C4", redirect_to="C5")
        _child(session, "C5", redirect_to="C1")  # merged twice: C4 → C5 → C1
        _submission(session, "C1", "child_registration", "uuid:reg-1")
        _submission(session, "C4", "child_registration", "uuid:reg-4")
        # Entity e-a was chosen three times; matching put two of them with C2, one with C3.
        for i, child in enumerate(("C2", "C2", "C3")):
            _submission(session, child, "home_visit", f"uuid:hv-{i}", entity="e-a")
        session.commit()

        assert children_by_entity(session, ["E-A", "e-b"]) == {"e-a": "C2"}
        assert children_by_submission(session, "central", "7", ["uuid:reg-1", "uuid:reg-4", "uuid:none"]) == \
            {"uuid:reg-1": "C1", "uuid:reg-4": "C4"}
        assert children_by_submission(session, "central", "8", ["uuid:reg-1"]) == {}  # another project
        assert resolve_ids(session, ["C4", "C5", "C2", "C-unknown"]) == \
            {"C4": "C1", "C5": "C1", "C2": "C2", "C-unknown": "C-unknown"}


def test_a_childs_entity_shows_its_status_due_date_current_plan_and_latest_sensitive_consent(
        engine: Engine) -> None:
    with Session(engine) as session:
        _child(session, "C1")
        _child(session, "C2")
        _submission(session, "C1", "child_registration", "r1", on=date(2026, 3, 1), first_name="มะลิ",
                    last_name="ใจดี", nickname="ลิ", moo=3, village_name="บ้านนา", lao_code="6810104")
        # Registered again after a move: the entity follows the child into the new LAO.
        _submission(session, "C1", "child_registration", "r1b", on=date(2026, 4, 1), first_name="มะลิ",
                    lao_code="6810105")
        early = _submission(session, "C1", "home_visit", "hv1", on=date(2026, 3, 5))
        late = _submission(session, "C1", "home_visit", "hv2", on=date(2026, 5, 5))
        session.add(ConsentRecord(**early, kind="sensitive", consented_on=date(2026, 3, 5), consent_ok=True))
        session.add(ConsentRecord(**late, kind="sensitive", consented_on=date(2026, 5, 5), consent_ok=False))
        # A visit still assigned to an id merged into C1 counts for C1.
        _child(session, "C7", redirect_to="C1")
        merged = _submission(session, "C7", "home_visit", "hv7", on=date(2026, 6, 5))
        session.add(ConsentRecord(**merged, kind="sensitive", consented_on=date(2026, 6, 5), consent_ok=True))
        v1 = _submission(session, "C1", "assistance_plan", "p1", on=date(2026, 3, 20))
        v2 = _submission(session, "C1", "assistance_plan", "p2", on=date(2026, 6, 1))
        session.add(Plan(**v1, plan_id="plan-a", plan_version=1, plan_date=date(2026, 3, 20)))
        session.add(Plan(**v2, plan_id="plan-a", plan_version=2, plan_date=date(2026, 6, 1)))
        for position, code in ((2, "SCHOLARSHIP"), (1, "NFE"), (3, "TRANSPORT")):
            session.add(PlanIntervention(**v2, plan_id="plan-a", position=position, intv_type=code))
        session.add(PlanIntervention(**v1, plan_id="plan-a", position=1, intv_type="HEALTH"))
        session.add(CurrentStatus(child_id="C1", status=50, episode=1, plan_version=2, plan_id="plan-a",
                                  closed=False, next_followup_due=date(2026, 7, 1), inputs_hash="x"))
        session.add(CurrentStatus(child_id="C2", status=70, episode=1, plan_version=0, closed=True,
                                  next_followup_due=None, inputs_hash="y"))
        session.commit()

        states = child_states(session, ["C1", "C2", "C3", "C9"], erased={"C9"})
        assert dict(states["C1"].values) == {
            "plan_status": "50", "next_followup_due": "2026-07-01", "plan_id": "plan-a", "plan_version": "2",
            "plan_date": "2026-06-01", "plan_interventions": "NFE SCHOLARSHIP TRANSPORT",
            "sensitive_consent": "1", "lao_code": "6810105"}
        assert dict(states["C2"].values) == {"plan_status": "70", "next_followup_due": ""}
        assert dict(states["C3"].values) == {} and not states["C3"].erased  # nothing known: nothing sent
        assert states["C9"].erased and dict(states["C9"].values) == {}

        first = registration_rows(session, ["C1"])["C1"]
        assert (first.submission_id, first.nickname, first.moo) == ("r1", "ลิ", 3)
        assert registration_rows(session, ["C1"], latest=True)["C1"].submission_id == "r1b"
