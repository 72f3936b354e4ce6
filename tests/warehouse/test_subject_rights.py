"""Subject rights through the CLI on a warehouse built by the real pipeline: `odksync child show` returns
everything held and is audited, `child correct` keeps history and survives a replay, `child erase`
erases, and `odksync purge` erases only closed cases past the retention period."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session, col
from typer.testing import CliRunner

from orchestration.cli import app
from tests.warehouse.erasure_support import A, B, C, build, followup, found, registration
from tests.warehouse.normalise_support import raw, store
from warehouse import audit
from warehouse.matching.identity import match_warehouse
from warehouse.matching.store import ChildAssignment
from warehouse.normalise.driver import normalise_pending
from warehouse.normalised import ChildObservation
from warehouse.plan_status.engine import recompute_status
from warehouse.plan_status.store import CurrentStatus
from warehouse.privacy.pseudonym import child_key
from warehouse.privacy.retention import purge
from warehouse.privacy.subject_rights import ChildCorrection, ChildRetention
from warehouse.privacy.tombstone import erased_child_ids

SECRET = "a-test-secret-of-enough-length-0123"


@pytest.fixture
def cli(engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    for name, value in {"DATABASE_URL": engine.url.render_as_string(hide_password=False),
                        "ODKSYNC_DATA_DIR": str(tmp_path / "data"), "ODKSYNC_SECRET": SECRET}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("ODKSYNC_RETENTION_DAYS", raising=False)
    return CliRunner()


def _observations(engine: Engine, submission_id: str) -> ChildObservation:
    with Session(engine) as session:
        return session.scalars(select(ChildObservation).where(
            col(ChildObservation.submission_id) == submission_id)).one()


def test_show_returns_everything_held_about_the_child_and_is_audited(engine: Engine, cli: CliRunner) -> None:
    ids = build(engine)
    by_id = cli.invoke(app, ["child", "show", ids["A"], "--by", "dpo@lao"])
    assert by_id.exit_code == 0, by_id.output
    held = json.loads(by_id.stdout)
    assert held["child_id"] == ids["A"] and held["erased"] is None
    assert sorted(s["submission_id"] for s in held["submissions"]) == ["uuid:a-fu", "uuid:a-reg"]
    text = json.dumps(held, ensure_ascii=False)
    for value in (A.first, A.last, A.nickname, A.national_id, A.guardian, A.phone):
        assert value in text
    assert B.first not in text and B.national_id not in text
    assert held["plan_status"]["status"] == 99 and len(held["status_history"]) == 2
    assert held["normalised"]["norm_guardian"][0]["phone"] == A.phone
    assert held["submissions"][0]["versions"][0]["payload"]["meta"]["instanceID"].startswith("uuid:a-")
    # The same child by its 13-digit ID (typed with dashes) and by its child key.
    n = A.national_id
    dashed = f"{n[0]}-{n[1:5]}-{n[5:10]}-{n[10:12]}-{n[12]}"
    for ident in (dashed, child_key(ids["A"], SECRET)):
        shown = cli.invoke(app, ["child", "show", ident])
        assert shown.exit_code == 0, shown.output
        assert json.loads(shown.stdout)["child_id"] == ids["A"]
    events = audit.events(engine, action="child_show")
    assert [e.subject for e in events] == [ids["A"]] * 3 and events[0].actor == "dpo@lao"
    assert events[0].legal_basis == "pdpa-s30-access" and events[0].row_count > 0
    assert "norm_child_observation" in events[0].fields
    assert A.first not in json.dumps(events[0].details, ensure_ascii=False)
    unknown = cli.invoke(app, ["child", "show", "1234567890123"])
    assert unknown.exit_code == 1 and "ไม่พบเด็ก" in unknown.output and "no child" in unknown.output


def test_correct_keeps_history_and_survives_replay_and_a_new_edit(engine: Engine, cli: CliRunner) -> None:
    ids = build(engine)
    first = cli.invoke(app, ["child", "correct", B.national_id, "--field", "first_name", "--value", "มณีรัตนา",
                             "--reason", "สะกดชื่อผิด", "--by", "case-manager"])
    assert first.exit_code == 0, first.output
    assert "first_name" in first.stdout and "corrected" in first.stdout
    second = cli.invoke(app, ["child", "correct", ids["B"], "--field", "birth_date", "--value", "2011-03-04",
                              "--reason", "ตามสูติบัตร"])
    third = cli.invoke(app, ["child", "correct", ids["B"], "--field", "first_name", "--value", "มณีรัตนาภรณ์",
                             "--reason", "เปลี่ยนชื่อ"])
    assert second.exit_code == third.exit_code == 0, second.output + third.output
    obs = _observations(engine, "uuid:b-reg")
    assert (obs.first_name, obs.birth_date, obs.birth_year) == ("มณีรัตนาภรณ์", date(2011, 3, 4), 2011)
    with Session(engine) as session:
        history = session.scalars(select(ChildCorrection).order_by(col(ChildCorrection.id))).all()
    assert [(h.field, h.old_value, h.new_value) for h in history] == [
        ("first_name", B.first, "มณีรัตนา"), ("birth_date", "2011-01-01", "2011-03-04"),
        ("first_name", "มณีรัตนา", "มณีรัตนาภรณ์")]
    assert history[0].corrected_by == "case-manager" and history[0].reason == "สะกดชื่อผิด"
    events = audit.events(engine, action="child_correct")
    assert len(events) == 3 and all(e.subject == ids["B"] and e.legal_basis == "pdpa-s35-rectification"
                                    for e in events)
    assert "norm_child_observation.first_name" in events[0].fields
    assert "มณีรัตนา" not in json.dumps([e.details for e in events], ensure_ascii=False)

    # A replay rewrites the rows from the raw layer, and the field edits the registration: still corrected.
    with Session(engine) as session:
        normalise_pending(session, replay=True)
        assert _observations(engine, "uuid:b-reg").first_name == "มณีรัตนาภรณ์"
        store(session, "child_registration", [raw("child_registration", "uuid:b-reg",
                                                  registration(B, former_names="แป้ง"))])
        normalise_pending(session)
    obs = _observations(engine, "uuid:b-reg")
    assert (obs.first_name, obs.birth_date, obs.former_names_as_entered) == (
        "มณีรัตนาภรณ์", date(2011, 3, 4), "แป้ง")

    refused = cli.invoke(app, ["child", "correct", ids["B"], "--field", "religion", "--value", "x",
                               "--reason", "r"])
    assert refused.exit_code == 1 and "แก้ไขช่อง" in refused.output and "cannot be corrected" in refused.output
    bad = cli.invoke(app, ["child", "correct", ids["B"], "--field", "national_id", "--value", "1234567890123",
                           "--reason", "r"])
    assert bad.exit_code == 1 and "ไม่ถูกต้อง" in bad.output
    assert len(audit.events(engine, action="child_correct")) == 3


def test_erase_from_the_command_line(engine: Engine, cli: CliRunner) -> None:
    ids = build(engine)
    cli.invoke(app, ["child", "correct", ids["A"], "--field", "nickname", "--value", "ปาล์มแก้",
                     "--reason", "r"])
    done = cli.invoke(app, ["child", "erase", A.national_id, "--by", "dpo@lao"])
    assert done.exit_code == 0, done.output
    assert "ลบข้อมูลของเด็ก" in done.stdout and ids["A"] in done.stdout
    assert found(engine, A) == {} and found(engine, B) != {}
    with Session(engine) as session:
        assert erased_child_ids(session) == {ids["A"]}
        assert session.scalars(select(ChildCorrection)).all() == []
    again = cli.invoke(app, ["child", "erase", ids["A"]])
    assert again.exit_code == 0 and "already erased" in again.stdout
    shown = cli.invoke(app, ["child", "show", ids["A"]])
    held = json.loads(shown.stdout)
    assert held["erased"]["reason"] == "subject_request" and A.first not in shown.stdout
    refused = cli.invoke(app, ["child", "correct", ids["A"], "--field", "sex", "--value", "F",
                               "--reason", "r"])
    assert refused.exit_code == 1 and "erased" in refused.output


def _with_closed_case(engine: Engine) -> dict[str, str]:
    """A and B as in build(), and C registered then closed (90, moved) on 1 May 2026."""
    ids = build(engine)
    with Session(engine) as session:
        store(session, "child_registration", [raw("child_registration", "uuid:c-reg", registration(C))])
        closed = followup(C, 90, "2026-05-01", "MOVED")
        store(session, "plan_followup", [raw("plan_followup", "uuid:c-fu", closed)])
        normalise_pending(session)
        match_warehouse(session, by="test")
        session.commit()
        recompute_status(session)
        session.commit()
        assigned = {k: c for k, c in session.execute(
            select(col(ChildAssignment.obs_key), col(ChildAssignment.child_id)))}
    ids["C"] = assigned["central/1/child_registration/uuid:c-reg"]
    assert assigned["central/1/plan_followup/uuid:c-fu"] == ids["C"]
    with Session(engine) as session:
        status = {c.child_id: (c.status, c.since) for c in session.scalars(select(CurrentStatus))}
    assert status[ids["C"]] == (90, date(2026, 5, 1)) and status[ids["A"]] == (99, date(2026, 6, 1))
    assert status[ids["B"]][0] == 10
    return ids


def test_purge_erases_only_closed_cases_past_retention(engine: Engine) -> None:
    ids = _with_closed_case(engine)
    # 200 days: C (closed 1 May) is past it on 30 November, A (closed 1 June) is not, B is open.
    trial = purge(engine, days=200, actor="dpo", today=date(2026, 11, 30), dry_run=True)
    assert trial.due == [ids["C"]] and trial.erased == []
    assert found(engine, C) != {} and audit.events(engine, action="purge") == []
    with Session(engine) as session:
        until = {r.child_id: r.retain_until for r in session.scalars(select(ChildRetention))}
    assert until == {}  # a dry run writes nothing, not even retain_until

    done = purge(engine, days=200, actor="dpo", today=date(2026, 11, 30))
    assert [r.child_id for r in done.erased] == [ids["C"]]
    assert found(engine, C) == {} and found(engine, A) != {} and found(engine, B) != {}
    with Session(engine) as session:
        until = {r.child_id: r.retain_until for r in session.scalars(select(ChildRetention))}
        assert erased_child_ids(session) == {ids["C"]}
    assert until == {ids["C"]: date(2026, 11, 17), ids["A"]: date(2026, 12, 18)}
    (event,) = audit.events(engine, action="purge")
    assert event.row_count == 1 and event.details["children"] == [ids["C"]]
    (erased,) = audit.events(engine, action="child_erase")
    assert erased.legal_basis == "pdpa-s37-retention-period-ended" and erased.details["reason"] == "retention"
    # Nothing more is due the same day.
    assert purge(engine, days=200, actor="dpo", today=date(2026, 11, 30)).due == []


def test_purge_command_dry_run_then_for_real(engine: Engine, cli: CliRunner,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    ids = _with_closed_case(engine)
    monkeypatch.setenv("ODKSYNC_RETENTION_DAYS", "1")
    trial = cli.invoke(app, ["purge", "--dry-run"])
    assert trial.exit_code == 0, trial.output
    assert "dry run: 2 closed cases" in trial.stdout and ids["A"] in trial.stdout and ids["C"] in trial.stdout
    assert found(engine, C) != {}
    done = cli.invoke(app, ["purge", "--by", "dpo"])
    assert done.exit_code == 0 and "erased 2 closed cases" in done.stdout
    assert found(engine, A) == {} and found(engine, C) == {} and found(engine, B) != {}
    monkeypatch.setenv("ODKSYNC_RETENTION_DAYS", "soon")
    refused = cli.invoke(app, ["purge"])
    assert refused.exit_code == 1 and "ODKSYNC_RETENTION_DAYS" in refused.output
