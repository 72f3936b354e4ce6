"""Exports expire (DOMAIN §5.2 item 9), SQLite and PostgreSQL: report folders and folder deliveries
written by the real code are deleted past ODKSYNC_EXPORT_RETENTION_DAYS by their record's time (not
the file's mtime), recent ones kept, the records kept and marked in one `purge` audit row; a dry run
deletes nothing; a symbolic link out of the data folder and a recorded path outside it are left alone."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from orchestration.cli import app
from orchestration.exports import run_exports
from orchestration.settings import Settings
from tests.support import export_state
from tests.warehouse.report_state import SECRET, build
from warehouse import audit
from warehouse.exports.store import ExportDelivery
from warehouse.privacy.expiry import expire_exports, expired_ids, export_retention_days
from warehouse.report.build import write_report
from warehouse.report.store import ReportRun

DAYS = 90


def _age(path: Path, when: datetime) -> None:
    os.utime(path, (when.timestamp(), when.timestamp()), follow_symlinks=False)


def test_old_report_folders_go_recent_ones_stay_records_are_kept_and_links_are_not_followed(
        engine: Engine, tmp_path: Path) -> None:
    with Session(engine) as session:
        build(session)
    data = tmp_path / "data"
    old = write_report(engine, "2026-03", data / "reports" / "2026-03", SECRET)
    recent = write_report(engine, "2026-04", data / "reports" / "2026-04", SECRET)
    elsewhere = write_report(engine, "2026-02", tmp_path / "elsewhere", SECRET)
    now = datetime.now(UTC) + timedelta(days=30)
    with Session(engine) as session:  # the March and the outside runs finished 120 days before `now`
        for run in session.exec(select(ReportRun).where(col(ReportRun.period) != "2026-04")).all():
            run.finished_at = now - timedelta(days=120)
            session.add(run)
        session.commit()
        runs = {r.period: r for r in session.exec(select(ReportRun)).all()}
    for f in recent.files:  # an old mtime does not expire a file its record says is recent
        _age(recent.out_dir / f["name"], now - timedelta(days=365))
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "children.csv").write_text("ชื่อ\nเด็กชายสมชาย\n", encoding="utf-8")
    _age(outside / "children.csv", now - timedelta(days=365))
    (data / "reports" / "2026-03" / "link.csv").symlink_to(outside / "children.csv")
    (data / "reports" / "linked").symlink_to(outside, target_is_directory=True)
    stray = data / "reports" / "2026-01" / "eef_plan_status_2026-01.csv.partial"  # no record names it
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"x" * 10)
    _age(stray, now - timedelta(days=200))
    old_files = [old.out_dir / f["name"] for f in old.files]
    old_bytes = sum(p.stat().st_size for p in old_files)

    dry = expire_exports(engine, data_dir=data, days=DAYS, actor="tester", now=now, dry_run=True)
    assert sorted(f.path for f in dry.files) == sorted([*old_files, stray])
    assert all(p.exists() for p in old_files) and stray.exists()
    assert audit.events(engine, action="purge") == [] and dry.audit_event_id is None

    done = expire_exports(engine, data_dir=data, days=DAYS, actor="tester", now=now)
    assert not any(p.exists() for p in old_files) and not stray.exists() and not stray.parent.exists()
    assert all((recent.out_dir / f["name"]).exists() for f in recent.files)
    assert all((elsewhere.out_dir / f["name"]).exists() for f in elsewhere.files)
    assert sorted(done.refused) == sorted(str(elsewhere.out_dir / f["name"]) for f in elsewhere.files)
    assert (outside / "children.csv").read_text(encoding="utf-8").endswith("เด็กชายสมชาย\n")
    assert (data / "reports" / "2026-03" / "link.csv").is_symlink()
    assert (data / "reports" / "linked").is_symlink()
    with Session(engine) as session:
        assert len(session.exec(select(ReportRun)).all()) == 3
    assert expired_ids(engine)["report_run"] == {runs["2026-03"].id}
    (event,) = audit.events(engine, action="purge")
    assert event.id == done.audit_event_id and event.actor == "tester" and event.row_count == 5
    assert event.details["files"] == 5 and event.details["bytes"] == old_bytes + 10
    assert event.details["periods"] == ["2026-01", "2026-03"] and event.details["agencies"] == []
    assert event.details["refused"] == len(elsewhere.files)

    again = expire_exports(engine, data_dir=data, days=DAYS, actor="tester", now=now)
    assert again.files == [] and again.report_runs == []


def test_old_folder_deliveries_go_recent_ones_stay_and_the_delivery_rows_are_kept(
        engine: Engine, tmp_path: Path) -> None:
    export_state.build_state(engine)
    settings = Settings.from_env({"ODKSYNC_DATA_DIR": str(tmp_path / "data"),
                                  "ODKSYNC_SECRET": export_state.SECRET})
    run_exports(settings, engine, period=export_state.PERIOD, sleep=lambda _s: None)
    with Session(engine) as session:
        rows = session.exec(select(ExportDelivery).order_by(col(ExportDelivery.id))).all()
    assert rows and {r.status for r in rows} == {"delivered"}
    files = {r.id: settings.data_dir / "outbox" / r.agency_id / r.file_name for r in rows}
    delivered = max(r.delivered_at for r in rows if r.delivered_at is not None)

    soon = expire_exports(engine, data_dir=settings.data_dir, days=DAYS, actor="tester",
                          now=delivered + timedelta(days=DAYS - 1))
    assert soon.files == [] and all(p.exists() for p in files.values())
    (nothing,) = audit.events(engine, action="purge")  # every run is audited, one with nothing due too
    assert nothing.id == soon.audit_event_id and nothing.details["files"] == 0

    dry = expire_exports(engine, data_dir=settings.data_dir, days=DAYS, actor="tester",
                         now=delivered + timedelta(days=DAYS + 1), dry_run=True)
    assert sorted(f.path for f in dry.files) == sorted(files.values())
    assert all(p.exists() for p in files.values()) and audit.events(engine, action="purge") == [nothing]

    done = expire_exports(engine, data_dir=settings.data_dir, days=DAYS, actor="tester",
                          now=delivered + timedelta(days=DAYS + 1))
    assert not any(p.exists() for p in files.values())
    with Session(engine) as session:
        assert len(session.exec(select(ExportDelivery)).all()) == len(rows)
    assert expired_ids(engine)["export_delivery"] == set(files)
    (_, event) = audit.events(engine, action="purge")
    assert event.id == done.audit_event_id
    assert event.details["agencies"] == sorted({r.agency_id for r in rows})
    assert event.details["periods"] == [export_state.PERIOD] and event.details["files"] == len(rows)


def test_the_period_comes_from_the_environment_and_must_be_positive() -> None:
    assert export_retention_days({}) == 90
    assert export_retention_days({"ODKSYNC_EXPORT_RETENTION_DAYS": "30"}) == 30
    assert Settings.from_env({"ODKSYNC_EXPORT_RETENTION_DAYS": "7"}).export_retention_days == 7
    for bad in ("0", "-3", "soon"):
        try:
            export_retention_days({"ODKSYNC_EXPORT_RETENTION_DAYS": bad})
        except ValueError as e:
            assert "ODKSYNC_EXPORT_RETENTION_DAYS" in str(e)
        else:
            raise AssertionError(f"{bad!r} accepted")


def test_purge_command_lists_expired_files_on_a_dry_run_then_deletes_them(
        engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Session(engine) as session:
        build(session)
    data = tmp_path / "data"
    for name, value in {"DATABASE_URL": engine.url.render_as_string(hide_password=False),
                        "ODKSYNC_DATA_DIR": str(data), "ODKSYNC_SECRET": SECRET,
                        "ODKSYNC_EXPORT_RETENTION_DAYS": "30"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("ODKSYNC_RETENTION_DAYS", raising=False)
    old = write_report(engine, "2026-03", data / "reports" / "2026-03", SECRET)
    with Session(engine) as session:
        run = session.exec(select(ReportRun)).one()
        run.finished_at = datetime.now(UTC) - timedelta(days=31)
        session.add(run)
        session.commit()
    files = [old.out_dir / f["name"] for f in old.files]
    cli = CliRunner()
    trial = cli.invoke(app, ["purge", "--dry-run"])
    assert trial.exit_code == 0, trial.output
    assert f"dry run: {len(files)} report/export files" in trial.stdout
    assert all(p.name in trial.stdout for p in files) and all(p.exists() for p in files)
    done = cli.invoke(app, ["purge", "--by", "dpo"])
    assert done.exit_code == 0, done.output
    assert f"deleted {len(files)} report/export files" in done.stdout
    assert not any(p.exists() for p in files)
    expiry = [e for e in audit.events(engine, action="purge") if e.details.get("kind") == "export_expiry"]
    assert [(e.actor, e.details["files"]) for e in expiry] == [("dpo", len(files))]
