"""Partner-agency exports end to end (SQLite and PostgreSQL): built, delivered once, logged and audited;
a failed delivery retried by the next run without a second copy; a changed content a new delivery;
HTTPS with a 500 then a retry accepted once; the command line's export and deliveries list."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from orchestration.exports import run_exports
from orchestration.settings import Settings
from tests.orchestration.test_cli import odksync
from tests.support.export_state import PERIOD, SECRET, build_state
from tests.support.https_inbox import Inbox, https_inbox  # noqa: F401  (the fixture)
from tests.support.sshd import SshServer, sshd  # noqa: F401  (the fixture)
from tests.warehouse.test_exports import read_back
from warehouse import audit
from warehouse.exports.agencies import ConfigurationRefused, load_agencies
from warehouse.exports.store import ExportDelivery
from warehouse.privacy.pseudonym import child_key
from warehouse.privacy.tombstone import ErasureTombstone

NO_WAIT = {"sleep": lambda _seconds: None}
MOE = """
[[agency]]
id = "moe-suphanburi"
name = "สำนักงานศึกษาธิการจังหวัดสุพรรณบุรี"
legal_basis = "pdpa-s24-4"
reference = "บันทึกข้อตกลงทดสอบ ข้อ 1"
consent_scope = "share_with_eef"
scope = { provinces = ["72"] }
columns = ["period", "lao_code", "child_key", "plan_status_code"]
format = "csv"
schedule = "0 6 1 * *"
"""


def _settings(tmp_path: Path) -> Settings:
    return Settings.from_env({"ODKSYNC_DATA_DIR": str(tmp_path / "data"), "ODKSYNC_SECRET": SECRET})


def _deliveries(engine: Engine) -> list[ExportDelivery]:
    with Session(engine) as session:
        return list(session.exec(select(ExportDelivery).order_by(col(ExportDelivery.id))).all())


def test_every_agency_is_delivered_once_logged_and_audited_and_a_change_is_a_new_delivery(
        engine: Engine, tmp_path: Path) -> None:
    build_state(engine)
    settings = _settings(tmp_path)
    first = run_exports(settings, engine, period=PERIOD, **NO_WAIT)
    agencies = {a.id: a for a in load_agencies()}
    assert sorted(o.agency_id for o in first) == sorted(agencies)
    assert {o.status for o in first} == {"delivered"}
    rows = _deliveries(engine)
    for row in rows:
        delivered = settings.data_dir / "outbox" / row.agency_id / row.file_name
        assert hashlib.sha256(delivered.read_bytes()).hexdigest() == row.sha256
        assert row.columns == list(agencies[row.agency_id].output_columns)
        assert (row.status, row.attempts, row.receipt) == ("delivered", 1, f"{delivered} sha256={row.sha256}")
        assert row.delivered_at is not None and not Path(row.staged_path).exists()
    moe = next(r for r in rows if r.agency_id == "moe-suphanburi")
    assert moe.row_count == 1 and moe.excluded == {"erased": 1, "no_consent_for_recipient": 1}
    events = audit.events(engine)
    actions = [e.action for e in events]
    assert actions.count("export") == 3 and actions.count("delivery") == 3
    moe_delivery = next(e for e in events if e.action == "delivery" and e.subject == "moe-suphanburi")
    assert moe_delivery.fields == sorted(agencies["moe-suphanburi"].output_columns)
    assert (moe_delivery.row_count, moe_delivery.legal_basis) == (1, "pdpa-s24-4")
    assert moe_delivery.details["extra_fields"]["national_id"]["legal_basis"] == "pdpa-s24-4"

    again = run_exports(settings, engine, period=PERIOD, **NO_WAIT)
    assert {o.status for o in again} == {"unchanged"}
    assert len(_deliveries(engine)) == 3 and len(audit.events(engine)) == len(events)

    with Session(engine) as session:  # C1 is erased: Suphanburi's content changes, nobody else's
        session.add(ErasureTombstone(child_id="C1", erased_at=moe.created_at, reason="subject_request"))
        session.commit()
    changed = run_exports(settings, engine, period=PERIOD, **NO_WAIT)
    assert sorted((o.agency_id, o.status) for o in changed) == [
        ("moe-suphanburi", "delivered"), ("nfe-kamphaengsaen", "unchanged"), ("pmj-ratchaburi", "unchanged")]
    newest = _deliveries(engine)[-1]
    assert (newest.agency_id, newest.row_count) == ("moe-suphanburi", 0) and newest.file_name != moe.file_name
    assert len(list((settings.data_dir / "outbox" / "moe-suphanburi").iterdir())) == 2
    outbox = settings.data_dir / "outbox" / "moe-suphanburi"
    first_keys = [r["child_key"] for r in read_back((outbox / moe.file_name).read_bytes(), "xlsx")[1]]
    # C1 was in the first file (under Suphanburi's own key) …
    assert first_keys == [child_key("C1", SECRET, purpose="agency:moe-suphanburi")]
    _, after = read_back((outbox / newest.file_name).read_bytes(), "xlsx")
    assert after == [] and newest.excluded["erased"] == 2  # … and is in no later one


def test_a_failed_delivery_is_retried_by_the_next_run_and_arrives_once(engine: Engine,
                                                                       tmp_path: Path) -> None:
    build_state(engine)
    settings = _settings(tmp_path)
    blocked = tmp_path / "partner-share"
    blocked.write_text("a file where the folder should be")  # the share is not mounted yet
    config = tmp_path / "agencies.toml"
    config.write_text(MOE + f'destination = {{ type = "folder", path = "{blocked}" }}\n', encoding="utf-8")
    waits: list[float] = []
    (failed,) = run_exports(settings, engine, period=PERIOD, config=config, backoff=2.0, sleep=waits.append)
    assert failed.status == "failed" and failed.attempts == 3 and waits == [2.0, 4.0]
    assert "เขียนไฟล์ลงโฟลเดอร์" in (failed.error or "")
    (row,) = _deliveries(engine)
    assert (row.status, row.attempts, row.receipt) == ("failed", 3, None) and Path(row.staged_path).exists()
    assert [e.action for e in audit.events(engine)] == ["export"]

    blocked.unlink()
    (retried,) = run_exports(settings, engine, period=PERIOD, config=config, **NO_WAIT)
    assert retried.status == "delivered" and retried.attempts == 1
    (row,) = _deliveries(engine)
    assert (row.status, row.attempts) == ("delivered", 4)
    assert [p.name for p in blocked.iterdir()] == [row.file_name]
    assert [e.action for e in audit.events(engine)] == ["export", "delivery"]
    assert [o.status for o in run_exports(settings, engine, period=PERIOD, config=config, **NO_WAIT)] == [
        "unchanged"]


def test_https_a_500_then_a_retry_is_one_accepted_delivery_and_a_second_run_sends_nothing(
        engine: Engine, tmp_path: Path, https_inbox: Inbox, caplog: pytest.LogCaptureFixture) -> None:  # noqa: F811
    caplog.set_level(logging.DEBUG)
    build_state(engine)
    settings = _settings(tmp_path)
    config = tmp_path / "agencies.toml"
    config.write_text(MOE + "[agency.destination]\n" + f'type = "https"\nurl = "{https_inbox.url}"\n'
                      f'token_env = "ODKSYNC_MOE_TOKEN"\nca_file = "{https_inbox.ca_file}"\n',
                      encoding="utf-8")
    environ = {"ODKSYNC_MOE_TOKEN": https_inbox.token}
    https_inbox.script = [500]
    (done,) = run_exports(settings, engine, period=PERIOD, config=config, environ=environ, **NO_WAIT)
    assert (done.status, done.attempts) == ("delivered", 2)
    assert len(https_inbox.requests) == 2 and len(https_inbox.accepted) == 1
    (row,) = _deliveries(engine)
    assert (row.receipt, row.attempts) == (f"https:{https_inbox.url} rcpt-1", 2)
    (body,) = https_inbox.accepted.values()
    assert hashlib.sha256(body).hexdigest() == row.sha256 and body.startswith(b"\xef\xbb\xbfperiod,lao_code")
    assert all(r["headers"]["Idempotency-Key"] == row.delivery_key for r in https_inbox.requests)  # type: ignore[index]

    (second,) = run_exports(settings, engine, period=PERIOD, config=config, environ=environ, **NO_WAIT)
    assert second.status == "unchanged" and len(https_inbox.requests) == 2
    everything = (json.dumps([e.details for e in audit.events(engine)]) + str(_deliveries(engine))
                  + caplog.text)
    assert https_inbox.token not in everything


def test_the_commands_export_and_list_deliveries_and_refuse_a_bad_file_clearly(
        engine: Engine, database_url: str, tmp_path: Path) -> None:
    build_state(engine)
    env = {"ODKSYNC_DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": database_url, "ODKSYNC_SECRET": SECRET}
    done = odksync("export", "--period", PERIOD, "--agency", "nfe-kamphaengsaen", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert "nfe-kamphaengsaen 2026-11" in done.stdout and "ส่งแล้ว 1 ไฟล์" in done.stdout
    listed = json.loads(odksync("deliveries", "list", "--json", cwd=tmp_path, env=env).stdout)["deliveries"]
    assert [(d["agency"], d["status"], d["rows"]) for d in listed] == [("nfe-kamphaengsaen", "delivered", 1)]

    bad = tmp_path / "bad.toml"
    bad.write_text(MOE + '[[agency.extra_fields]]\nfield = "national_id"\nreference = "ไม่มีฐานทางกฎหมาย"\n',
                   encoding="utf-8")
    refused = odksync("export", "--config", str(bad), cwd=tmp_path, env=env)
    assert refused.returncode == 1
    assert "moe-suphanburi" in refused.stderr and "extra_fields.national_id.legal_basis" in refused.stderr
    unknown = odksync("export", "--agency", "nobody", cwd=tmp_path, env=env)
    assert unknown.returncode == 1 and "nobody" in unknown.stderr


def test_sftp_with_a_wrong_host_key_fails_clearly_then_delivers_once_when_the_key_is_corrected(
        engine: Engine, tmp_path: Path, sshd: SshServer) -> None:  # noqa: F811
    build_state(engine)
    settings = _settings(tmp_path)
    inbox = sshd.root / "incoming"
    inbox.mkdir()
    config = tmp_path / "agencies.toml"

    def configure(host_key: str) -> None:
        config.write_text(MOE + "[agency.destination]\n" + "\n".join([
            'type = "sftp"', 'host = "127.0.0.1"', f"port = {sshd.port}", f'user = "{sshd.user}"',
            f'path = "{inbox}"', f'host_key = "{host_key}"', 'key_file_env = "ODKSYNC_MOE_SFTP_KEY"']) + "\n",
            encoding="utf-8")

    environ = {"ODKSYNC_MOE_SFTP_KEY": str(sshd.client_key)}
    configure("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl")
    (refused,) = run_exports(settings, engine, period=PERIOD, config=config, environ=environ, **NO_WAIT)
    assert (refused.status, refused.attempts) == ("failed", 1)  # a wrong key is not worth retrying
    assert "host key mismatch" in (refused.error or "") and list(inbox.iterdir()) == []
    configure(sshd.host_public_key)
    (delivered,) = run_exports(settings, engine, period=PERIOD, config=config, environ=environ, **NO_WAIT)
    assert delivered.status == "delivered"
    (row,) = _deliveries(engine)
    assert (row.status, row.attempts) == ("delivered", 2)
    location = f"sftp://{sshd.user}@127.0.0.1:{sshd.port}{inbox}/{row.file_name}"
    assert row.receipt == f"{location} sha256={row.sha256}"
    assert [p.name for p in inbox.iterdir()] == [row.file_name]
    assert str(sshd.client_key) not in json.dumps([e.details for e in audit.events(engine)])


def test_a_waiting_delivery_whose_agency_or_destination_is_gone_is_superseded_not_sent(
        engine: Engine, tmp_path: Path) -> None:
    build_state(engine)
    settings = _settings(tmp_path)
    blocked = tmp_path / "share"
    blocked.write_text("not a folder")
    config = tmp_path / "agencies.toml"

    def send_to(folder: Path, period: str = PERIOD) -> list[str]:
        config.write_text(MOE + f'destination = {{ type = "folder", path = "{folder}" }}\n', encoding="utf-8")
        outcomes = run_exports(settings, engine, period=period, config=config, **NO_WAIT)
        return sorted(o.status for o in outcomes)

    assert send_to(blocked) == ["failed"]
    assert send_to(tmp_path / "moved") == ["delivered", "superseded"]  # the new place gets it, once
    blocked.unlink()
    assert send_to(tmp_path / "moved") == ["unchanged"]
    assert not blocked.exists()  # the superseded delivery is never sent to the old place

    blocked.write_text("not a folder")
    assert send_to(blocked, "2026-12") == ["failed"]
    others = tmp_path / "others.toml"
    others.write_text(MOE.replace("moe-suphanburi", "moe-other"), encoding="utf-8")
    outcomes = run_exports(settings, engine, period="2026-12", config=others, **NO_WAIT)
    gone = next(o for o in outcomes if o.agency_id == "moe-suphanburi")
    assert gone.status == "superseded" and "agency removed" in (gone.error or "")
    assert [d.status for d in _deliveries(engine) if d.agency_id == "moe-suphanburi"] == [
        "superseded", "delivered", "superseded"]


def test_agencies_keys_are_their_own_stable_across_runs_and_periods_and_the_funds_only_with_a_reason(
        engine: Engine, tmp_path: Path) -> None:
    build_state(engine)
    settings = _settings(tmp_path)
    config = tmp_path / "agencies.toml"
    fund_entry = (MOE.replace('id = "moe-suphanburi"', 'id = "moe-reconcile"')
                  + 'child_key = "fund"\nchild_key_reason = "กระทบยอดจำนวนเด็กกับรายงานกองทุนรายเดือน"\n')
    config.write_text(MOE + fund_entry, encoding="utf-8")
    keys: dict[tuple[str, str], list[str]] = {}
    for period in (PERIOD, "2026-12", PERIOD):
        for outcome in run_exports(settings, engine, period=period, config=config, **NO_WAIT):
            delivered = settings.data_dir / "outbox" / outcome.agency_id / outcome.file_name
            found = [r["child_key"] for r in read_back(delivered.read_bytes(), "csv")[1]]
            assert keys.setdefault((outcome.agency_id, period), found) == found
    own, fund = child_key("C1", SECRET, purpose="agency:moe-suphanburi"), child_key("C1", SECRET)
    assert own != fund
    assert keys == {("moe-suphanburi", PERIOD): [own], ("moe-suphanburi", "2026-12"): [own],
                    ("moe-reconcile", PERIOD): [fund], ("moe-reconcile", "2026-12"): [fund]}
    # the disclosure log says which key space each file used, and why the fund's
    spaces = {(e.subject, e.details["period"]): e.details["child_key"] for e in audit.events(engine)
              if e.action == "export"}
    assert spaces[("moe-suphanburi", PERIOD)] == {"space": "own", "reason": None}
    assert spaces[("moe-reconcile", "2026-12")] == {
        "space": "fund", "reason": "กระทบยอดจำนวนเด็กกับรายงานกองทุนรายเดือน"}

    config.write_text(MOE + fund_entry.replace("child_key_reason", "# child_key_reason"), encoding="utf-8")
    with pytest.raises(ConfigurationRefused, match=r"moe-reconcile.*child_key_reason"):
        run_exports(settings, engine, period=PERIOD, config=config, **NO_WAIT)
