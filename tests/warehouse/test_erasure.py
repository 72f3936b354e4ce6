"""Erasure (PDPA): a child's personal data leave every table of the warehouse and stay gone; the other
children are untouched; the case still counts as withdrawn; audit rows are written and stay append-only."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col

from orchestration.settings import Settings
from orchestration.stages import StageContext
from orchestration.stages.status import status as status_stage
from tests.warehouse.erasure_support import A, B, build, followup, found, pipeline, registration
from tests.warehouse.normalise_support import raw, store
from warehouse import audit
from warehouse.content_store import ContentStore
from warehouse.matching.identity import match_warehouse
from warehouse.matching.store import Child, ChildAssignment
from warehouse.models import Attachment, Submission, SubmissionVersion
from warehouse.normalise.driver import normalise_pending
from warehouse.normalised import ChildObservation, StatusEvent
from warehouse.plan_status.engine import recompute_status
from warehouse.plan_status.store import CurrentStatus
from warehouse.privacy.erasure import ErasureError, erase_child, redact_payload
from warehouse.privacy.tombstone import ErasureTombstone, erased_child_ids
from warehouse.raw import content_hash


def _attach(engine: Engine, store_: ContentStore, tmp_path: Path, submission_id: str, body: bytes) -> str:
    """A media file of the submission, as the attachment fetch leaves it (row + file in the store)."""
    scratch = tmp_path / f"{submission_id.replace(':', '_')}.jpg"
    scratch.write_bytes(body)
    sha256, size = store_.ingest(scratch)
    with Session(engine) as session:
        session.add(Attachment(source="central", project_id="1", form_id="child_registration",
                               submission_id=submission_id, name="photo.jpg", state="present", sha256=sha256,
                               size=size, checked_at=datetime.now(UTC)))
        current = session.scalars(select(Submission).where(Submission.submission_id == submission_id)).one()  # type: ignore[arg-type]
        current.attachments_expected = current.attachments_present = 1
        session.add(current)
        session.commit()
    return sha256


def _status(engine: Engine, child_id: str) -> int | None:
    with Session(engine) as session:
        row = session.get(CurrentStatus, child_id)
        return None if row is None else row.status


def test_erase_removes_every_personal_field_and_leaves_the_other_child_alone(engine: Engine,
                                                                              tmp_path: Path) -> None:
    ids = build(engine)
    content = ContentStore(tmp_path / "store")
    photo_a = _attach(engine, content, tmp_path, "uuid:a-reg", b"photo of A")
    photo_b = _attach(engine, content, tmp_path, "uuid:b-reg", b"photo of B")
    before_a, before_b = found(engine, A), found(engine, B)
    assert {"norm_child_observation", "norm_guardian", "raw_submission_version"} <= set(before_a)
    assert _status(engine, ids["A"]) == 99

    result = erase_child(engine, ids["A"], reason="subject_request", actor="dpo@lao", store=content)

    assert found(engine, A) == {}, "personal data of the erased child left in the warehouse"
    assert found(engine, B) == before_b, "another child's data changed"
    assert not content.has(photo_a) and content.has(photo_b)
    assert result.submissions == 2 and result.raw_versions == 2 and result.files_deleted == 1
    with Session(engine) as session:
        assert erased_child_ids(session) == {ids["A"]}
        stone = session.get(ErasureTombstone, ids["A"])
        assert stone is not None and stone.reason == "subject_request" and stone.requested_by == "dpo@lao"
        # What the status engine and the report's summary need is still there, without the person.
        obs = session.scalars(select(ChildObservation).where(
            ChildObservation.submission_id == "uuid:a-reg")).one()  # type: ignore[arg-type]
        assert (obs.first_name, obs.national_id, obs.latitude, obs.birth_date) == (None, None, None, None)
        assert obs.lao_code and obs.observed_on
        assert session.execute(select(func.count()).select_from(StatusEvent).where(
            col(StatusEvent.submission_id).in_(["uuid:a-reg", "uuid:a-fu"]))).scalar_one() == 2
        version = session.scalars(select(SubmissionVersion).where(
            SubmissionVersion.submission_id == "uuid:a-reg")).one()  # type: ignore[arg-type]
        assert version.payload["meta"] == {"instanceID": "uuid:a-reg"} and version.payload["lao"]["lao_code"]
        assert "child" not in version.payload and "guardian" not in version.payload
        current = session.scalars(select(Submission).where(Submission.submission_id == "uuid:a-reg")).one()  # type: ignore[arg-type]
        assert current.attachments_expected == 0
    (event,) = audit.events(engine, action="child_erase")
    assert event.id == result.audit_event_id and event.actor == "dpo@lao" and event.subject == ids["A"]
    assert {"norm_child_observation.first_name", "raw_submission_version.payload"} <= set(event.fields)
    assert event.row_count == result.row_count > 0 and event.legal_basis == "pdpa-s33-erasure-request"
    assert A.first not in str(event.details) and A.national_id not in str(event.details)
    assert _status(engine, ids["A"]) == 99

    # Erasing again changes nothing and writes no second audit row.
    again = erase_child(engine, ids["A"], reason="subject_request", actor="dpo@lao", store=content)
    assert again.already and again.row_count == 0
    assert len(audit.events(engine, action="child_erase")) == 1

    # The audit log is still append-only.
    with engine.begin() as connection, pytest.raises(DBAPIError, match=audit.APPEND_ONLY_MESSAGE):
        connection.execute(text("UPDATE audit_event SET actor = 'someone else'"))
    with engine.begin() as connection, pytest.raises(DBAPIError, match=audit.APPEND_ONLY_MESSAGE):
        connection.execute(text("DELETE FROM audit_event"))


def test_an_erased_child_stays_erased_after_replay_rematch_and_a_resynced_edit(engine: Engine) -> None:
    ids = build(engine)
    erase_child(engine, ids["A"], reason="subject_request", actor="dpo@lao")
    before_b = found(engine, B)

    with Session(engine) as session:
        replayed = normalise_pending(session, replay=True)
        assert replayed.erased == 2
        match_warehouse(session, by="test")
        session.commit()
        summary = recompute_status(session)
        session.commit()
        assert summary.withdrawn == 1 and summary.unmatched == 0
    assert found(engine, A) == {} and found(engine, B) == before_b
    assert _status(engine, ids["A"]) == 99

    # The field edits A's registration in Central and the sync brings the new version: redacted on
    # arrival, never normalised; the unchanged follow-up read again writes nothing.
    edited = registration(A, former_names="ขจิตรา เดิม")
    with Session(engine) as session:
        store(session, "child_registration", [raw("child_registration", "uuid:a-reg", edited)])
        store(session, "plan_followup", [raw("plan_followup", "uuid:a-fu", followup(A, 99, "2026-06-01"))])
        versions = session.scalars(select(SubmissionVersion).where(
            SubmissionVersion.submission_id == "uuid:a-reg").order_by(SubmissionVersion.version_no)).all()  # type: ignore[arg-type]
        assert [v.version_no for v in versions] == [1, 2]
        assert versions[1].payload == redact_payload(raw("child_registration", "uuid:a-reg", edited).raw)
        assert session.scalar(select(func.count()).select_from(SubmissionVersion).where(
            SubmissionVersion.submission_id == "uuid:a-fu")) == 1  # type: ignore[arg-type]
        current = session.scalars(select(Submission).where(Submission.submission_id == "uuid:a-reg")).one()  # type: ignore[arg-type]
        assert current.content_hash == content_hash(raw("child_registration", "uuid:a-reg", edited).raw)
        assert found(engine, A) == {}
        result = normalise_pending(session)
        assert result.erased == 1 and sum(result.normalised.values()) == 0
        pipeline(session)
        # The same edit read again is unchanged: no third version.
        store(session, "child_registration", [raw("child_registration", "uuid:a-reg", edited)])
        assert session.scalar(select(func.count()).select_from(SubmissionVersion).where(
            SubmissionVersion.submission_id == "uuid:a-reg")) == 2  # type: ignore[arg-type]
        children = set(session.scalars(select(Child.child_id)))  # type: ignore[call-overload]
        assert children == {ids["A"], ids["B"]}, "matching minted ids from erased observations"
        assigned: dict[str, str] = {k: c for k, c in session.execute(
            select(col(ChildAssignment.obs_key), col(ChildAssignment.child_id)))}
        assert assigned["central/1/plan_followup/uuid:a-fu"] == ids["A"]
    assert found(engine, A) == {} and found(engine, B) == before_b
    assert _status(engine, ids["A"]) == 99


def test_status_99_erases_the_child_in_the_status_stage(engine: Engine, tmp_path: Path) -> None:
    ids = build(engine)
    settings = Settings.from_env({"ODKSYNC_DATA_DIR": str(tmp_path / "data"),
                                  "DATABASE_URL": engine.url.render_as_string(hide_password=False)})
    line = status_stage(StageContext(settings=settings, engine=engine))
    assert "ถอนความยินยอม 1 (withdrawn)" in line and "ลบข้อมูลส่วนบุคคลหลังถอนความยินยอม 1 คน" in line
    assert found(engine, A) == {} and found(engine, B) != {}
    (event,) = audit.events(engine, action="child_erase")
    assert (event.actor, event.subject, event.legal_basis) == ("status-engine", ids["A"],
                                                               "pdpa-s19-consent-withdrawn")
    with Session(engine) as session:
        stone = session.get(ErasureTombstone, ids["A"])
        assert stone is not None and stone.reason == "consent_withdrawn"
        assert session.get(ErasureTombstone, ids["B"]) is None
    # A second run erases nobody again.
    line = status_stage(StageContext(settings=settings, engine=engine))
    assert "ลบข้อมูลส่วนบุคคลหลังถอนความยินยอม 0 คน" in line
    assert len(audit.events(engine, action="child_erase")) == 1


def test_an_unknown_child_or_reason_is_refused_in_thai_and_english(engine: Engine) -> None:
    ids = build(engine)
    with pytest.raises(ErasureError, match=r"ไม่พบเด็ก.*no child"):
        erase_child(engine, "CNOSUCHCHILD000", reason="subject_request", actor="dpo")
    with pytest.raises(ErasureError, match="unknown erasure reason"):
        erase_child(engine, ids["A"], reason="because", actor="dpo")
    assert audit.events(engine, action="child_erase") == []


def test_a_version_slipped_in_during_the_erasure_is_redacted_by_the_next_normalise(engine: Engine) -> None:
    ids = build(engine)
    erase_child(engine, ids["A"], reason="subject_request", actor="dpo")
    # A sync that checked before the erasure committed writes its version unredacted.
    edited = raw("child_registration", "uuid:a-reg", registration(A, former_names="ขจิตรา เดิม")).raw
    with Session(engine) as session:
        current = session.scalars(select(Submission).where(
            col(Submission.submission_id) == "uuid:a-reg")).one()
        slipped = SubmissionVersion(source="central", project_id="1", form_id="child_registration",
                                    submission_id="uuid:a-reg", version_no=current.version_count + 1,
                                    content_hash=content_hash(edited), payload=dict(edited), issues=[],
                                    received_at=datetime.now(UTC))
        session.add(slipped)
        session.flush()
        assert slipped.id is not None
        current.version_id, current.version_count = slipped.id, slipped.version_no
        session.add(current)
        session.commit()
    assert "raw_submission_version" in found(engine, A)
    with Session(engine) as session:
        assert normalise_pending(session).erased == 1
    assert found(engine, A) == {}


def test_erasure_waits_for_a_running_normalise_and_changes_nothing(engine: Engine) -> None:
    from warehouse.locks import SyncInProgress, exclusive

    ids = build(engine)
    before = found(engine, A)
    with exclusive(engine, "raw submissions into normalised tables"), pytest.raises(SyncInProgress):
        erase_child(engine, ids["A"], reason="subject_request", actor="dpo")
    assert found(engine, A) == before and audit.events(engine, action="child_erase") == []


def test_a_new_form_choosing_an_erased_childs_entity_is_erased_with_the_child(engine: Engine,
                                                                              tmp_path: Path) -> None:
    ids = build(engine)
    settings = Settings.from_env({"ODKSYNC_DATA_DIR": str(tmp_path / "data"),
                                  "DATABASE_URL": engine.url.render_as_string(hide_password=False)})
    status_stage(StageContext(settings=settings, engine=engine))  # A withdrew (99): erased
    assert found(engine, A) == {}
    # An old phone still lists A and a follow-up of A arrives afterwards, naming A.
    late = followup(A, 50, "2026-07-01")
    late["meta"]["instanceID"] = "uuid:a-fu2"
    with Session(engine) as session:
        store(session, "plan_followup", [raw("plan_followup", "uuid:a-fu2", late)])
        normalise_pending(session)
        match_warehouse(session, by="test")
        session.commit()
        assigned = session.get(ChildAssignment, "central/1/plan_followup/uuid:a-fu2")
        assert assigned is not None and assigned.child_id == ids["A"]
    assert "norm_child_observation" in found(engine, A)  # normalised, not yet erased
    with Session(engine) as session:
        recompute_status(session)
        session.commit()
    status_stage(StageContext(settings=settings, engine=engine))
    assert found(engine, A) == {} and found(engine, B) != {}
    assert _status(engine, ids["A"]) == 99
    events = audit.events(engine, action="child_erase")
    assert len(events) == 2 and events[1].details["again"] is True
    assert events[1].details["reason"] == "consent_withdrawn"
    with Session(engine) as session:
        assert set(session.scalars(select(col(Child.child_id)))) == {ids["A"], ids["B"]}


def test_redaction_keeps_only_the_allow_list_in_central_and_kobo_shapes() -> None:
    central = registration(A)
    central.update({"__id": "uuid:a-reg", "__system": {"submitterName": "enum"}})
    kept = redact_payload(central)
    assert set(kept) == {"start", "end", "today", "username", "enumerator_id", "lao", "consent", "case",
                         "meta", "__id", "__system"}
    assert kept["case"] == {"plan_status": "10"} and kept["meta"] == {"instanceID": "uuid:a-reg"}
    assert set(kept["consent"]) == {"consent_given", "consent_ok", "consent_version", "consent_scope"}
    kobo = {"_id": 7, "_uuid": "u-1", "meta/instanceID": "uuid:k-1", "lao/lao_code": "5700708",
            "child/first_name": A.first, "child/national_id": A.national_id, "_geolocation": [14.4, 99.8],
            "_attachments": [{"filename": "photo.jpg"}], "goals": [{"goals/goal_text": "x"}],
            "status/recommend_status": "99", "instance_label": A.first}
    assert redact_payload(kobo) == {"_id": 7, "_uuid": "u-1", "meta/instanceID": "uuid:k-1",
                                    "lao/lao_code": "5700708", "status/recommend_status": "99"}
    assert redact_payload("not a submission") == {}
