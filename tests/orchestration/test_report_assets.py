"""The monthly EEF report asset, its picture, the check that it reconciles with the status engine (which
fails when a child is lost or moved), and the monthly schedule (SQLite, PostgreSQL)."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
from sqlalchemy import Engine, update
from sqlmodel import Session

from orchestration.assets.report import eef_report, report_dir
from orchestration.definitions import defs
from orchestration.resources import WarehouseResource, settings_resource
from orchestration.status_checks import report_rows_reconcile_with_the_status_engine
from tests.warehouse.normalise_support import raw, sample, store
from warehouse.matching.identity import match_warehouse
from warehouse.normalise.driver import normalise_pending
from warehouse.plan_status.engine import recompute_status
from warehouse.plan_status.store import StatusHistory

FORM = "child_registration"
PARTITION = "2026-05-01"  # the sample registrations are dated 26 April 2026


@pytest.fixture
def resources(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ODKSYNC_SECRET", "a-test-secret-of-enough-bytes")
    settings = settings_resource(data_dir=str(tmp_path / "data"))
    return {"settings": settings, "warehouse": WarehouseResource(config=settings)}


def _children(engine: Engine) -> None:
    """Two registered children of one LAO, normalised, matched and given their status."""
    with Session(engine) as session:
        second = sample(FORM, "uuid:e2")
        second["child"].update(national_id=None, id_scheme="NONE", first_name="สมหญิง", last_name="ใจดี",
                               sex="F", birth_date="2016-05-04")
        store(session, FORM, [raw(FORM, "uuid:e1", sample(FORM, "uuid:e1")), raw(FORM, "uuid:e2", second)])
        normalise_pending(session)
        match_warehouse(session, by="test")
        recompute_status(session)
        session.commit()


def _report(resources: dict[str, Any]) -> dict[str, Any]:
    with dg.build_asset_context(partition_key=PARTITION, resources=resources) as context:
        result = eef_report(context)
    assert isinstance(result, dg.MaterializeResult) and result.metadata is not None
    return {k: getattr(v, "value", v) for k, v in result.metadata.items()}


def _check(resources: dict[str, Any]) -> dg.AssetCheckResult:
    key = dg.AssetCheckKey(dg.AssetKey("eef_report"), "report_rows_reconcile_with_the_status_engine")
    assert key in defs.get_repository_def().asset_checks_defs_by_key
    check = report_rows_reconcile_with_the_status_engine
    assert next(iter(check.check_specs)).blocking
    # Only the check, as the UI's "execute check" runs it: no partition, so the latest report written
    # (here the only one), its files as they are now.
    run = dg.materialize([eef_report, check], resources=resources, selection=dg.AssetSelection.checks(key),
                         raise_on_error=False)  # a blocking check that fails fails its run
    (evaluation,) = run.get_asset_check_evaluations()
    return dg.AssetCheckResult(passed=evaluation.passed, severity=evaluation.severity,
                               metadata=evaluation.metadata, description=evaluation.description)


def test_the_report_asset_writes_the_period_with_counts_hashes_and_the_picture(
    engine: Engine, resources: dict[str, Any], tmp_path: Path
) -> None:
    _children(engine)
    meta = _report(resources)
    folder = report_dir(tmp_path / "data", "2026-05")
    assert meta["period"] == "2026-05" and meta["path"] == str(folder)
    assert (meta["rows"], meta["exceptions"], meta["withdrawn"]) == (2, 0, 0)
    assert meta["by_status"] == {"10": 2}
    names = {"eef_plan_status_2026-05.xlsx", "eef_plan_status_2026-05.csv", "eef_plan_status_2026-05.json",
             "manifest.json"}
    assert set(meta["sha256"]) == names and all((folder / n).exists() for n in names)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert {f["name"]: f["sha256"] for f in manifest["files"]} == {
        n: h for n, h in meta["sha256"].items() if n != "manifest.json"}
    picture = meta["picture"]
    png = base64.b64decode(picture.split("data:image/png;base64,", 1)[1].split(")", 1)[0])
    assert png.startswith(b"\x89PNG") and len(png) == meta["picture_bytes"] < 150_000
    assert "children per plan status per LAO" in picture


def test_report_rows_reconcile_with_the_status_engine_fails_when_a_child_is_lost_or_moved(
    engine: Engine, resources: dict[str, Any], tmp_path: Path
) -> None:
    _children(engine)
    _report(resources)
    green = _check(resources)
    assert green.passed, green.metadata
    assert green.metadata["engine_children"].value == 2 and green.metadata["report_children"].value == 2

    # A row lost between the engine and the file.
    path = report_dir(tmp_path / "data", "2026-05") / "eef_plan_status_2026-05.json"
    written = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**written, "rows": written["rows"][1:]}), encoding="utf-8")
    lost = _check(resources)
    assert not lost.passed and lost.severity == dg.AssetCheckSeverity.ERROR
    assert lost.metadata["missing"].value == 1 and len(lost.metadata["missing_examples"].value) == 1
    assert lost.metadata["differences"].value == {"10": {"engine": 2, "report": 1}}

    # The engine's status moved after the report was written: the child is under another status.
    _report(resources)
    with Session(engine) as session:
        session.execute(update(StatusHistory).where(StatusHistory.seq == 1)  # type: ignore[arg-type]
                        .values(to_status=20))
        session.commit()
    moved = _check(resources)
    assert not moved.passed and moved.metadata["other_status"].value == 2
    assert moved.metadata["differences"].value == {"10": {"engine": 0, "report": 2},
                                                   "20": {"engine": 2, "report": 0}}


def test_the_monthly_schedule_asks_on_the_first_for_the_month_just_ended() -> None:
    tick = datetime(2026, 12, 1, 6, 0, tzinfo=ZoneInfo("Asia/Bangkok"))
    schedule = defs.get_repository_def().get_schedule_def("monthly_eef_report")
    (request,) = schedule.evaluate_tick(dg.build_schedule_context(scheduled_execution_time=tick)).run_requests
    assert request.partition_key == "2026-11-01"
    assert schedule.cron_schedule == "0 6 1 * *" and schedule.execution_timezone == "Asia/Bangkok"
