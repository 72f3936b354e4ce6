"""Partner-export assets: one per agency, only its columns, delivered to its folder; held back when the
month's report does not reconcile with the status engine; each on its agency's cron (SQLite, PostgreSQL)."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from orchestration.assets.exports import agencies, partner_exports
from orchestration.assets.report import eef_report
from orchestration.definitions import defs
from orchestration.resources import WarehouseResource, settings_resource
from orchestration.status_checks import report_rows_reconcile_with_the_status_engine
from tests.orchestration.test_report_assets import PARTITION, _children
from warehouse.matching.store import Child
from warehouse.plan_status.store import StatusHistory

AGENCY = "pmj-ratchaburi"  # province 70: the sample registrations' LAO is there


@pytest.fixture
def resources(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("ODKSYNC_SECRET", "a-test-secret-of-enough-bytes")
    settings = settings_resource(data_dir=str(tmp_path / "data"))
    return {"settings": settings, "warehouse": WarehouseResource(config=settings)}


def _asset(agency_id: str) -> dg.AssetsDefinition:
    return next(a for a in partner_exports if a.key.path[-1] == agency_id.replace("-", "_"))


def _run(resources: dict[str, Any]) -> dg.ExecuteInProcessResult:
    """The agency's scheduled job: the month's report, its blocking check, then the export."""
    return dg.materialize([eef_report, _asset(AGENCY), report_rows_reconcile_with_the_status_engine],
                          partition_key=PARTITION, resources=resources, raise_on_error=False)


def test_an_agency_export_holds_only_its_columns_and_is_delivered_to_its_folder(
    engine: Engine, resources: dict[str, Any], tmp_path: Path
) -> None:
    _children(engine)
    run = _run(resources)
    assert run.success
    (materialisation,) = run.asset_materializations_for_node(f"exports__{AGENCY.replace('-', '_')}")
    meta = {k: getattr(v, "value", v) for k, v in materialisation.metadata.items()}
    agency = next(a for a in agencies if a.id == AGENCY)
    assert meta["columns"] == list(agency.output_columns)  # only what the agency is configured for
    assert meta["column_count"] == len(agency.output_columns)
    assert meta["rows"] == 2 and meta["delivery_status"] == "delivered" and meta["period"] == "2026-05"
    delivered = tmp_path / "data" / "outbox" / AGENCY / meta["file"]
    assert hashlib.sha256(delivered.read_bytes()).hexdigest() == meta["sha256"]
    header = delivered.read_text(encoding="utf-8-sig").splitlines()[0]
    assert "national_id" not in header and "child_name" not in header  # not configured for this agency
    again = _run(resources)  # the same month again: nothing new is sent
    (second,) = again.asset_materializations_for_node(f"exports__{AGENCY.replace('-', '_')}")
    assert second.metadata["delivery_status"].value == "delivered" and "ไม่เปลี่ยน 1" in str(
        second.metadata["outcome"].value)


def test_a_report_that_does_not_reconcile_holds_the_export_back(
    engine: Engine, resources: dict[str, Any], tmp_path: Path
) -> None:
    _children(engine)
    # A child the engine counts but the report cannot see (a status with no form behind it).
    with Session(engine) as session:
        session.add(Child(child_id="GHOST", minted_at=datetime.now(UTC)))
        session.add(StatusHistory(child_id="GHOST", seq=1, episode=1, plan_version=0, to_status=10,
                                  kind="start", at=date(2026, 5, 2), source_key="central/1/x/y"))
        session.commit()
    run = _run(resources)
    assert not run.success
    (evaluation,) = run.get_asset_check_evaluations()
    assert not evaluation.passed and evaluation.metadata["missing_examples"].value == ["GHOST"]
    assert run.asset_materializations_for_node(f"exports__{AGENCY.replace('-', '_')}") == []
    assert not (tmp_path / "data" / "outbox" / AGENCY).exists()  # nothing reached the agency


@pytest.mark.parametrize(("tick", "expected"), [
    (datetime(2026, 12, 7, 7, 0, tzinfo=ZoneInfo("Asia/Bangkok")), "2026-11-01"),
    (datetime(2026, 1, 5, 7, 0, tzinfo=ZoneInfo("Asia/Bangkok")), None),  # before the first month
])
def test_each_agency_schedule_asks_for_the_month_just_ended(tick: datetime, expected: str | None) -> None:
    repository = defs.get_repository_def()
    schedule = repository.get_schedule_def(f"export_{AGENCY.replace('-', '_')}")
    assert schedule.cron_schedule == next(a.schedule for a in agencies if a.id == AGENCY)
    data = schedule.evaluate_tick(dg.build_schedule_context(scheduled_execution_time=tick,
                                                            repository_def=repository))
    if expected is None:
        assert not data.run_requests and data.skip_message
        return
    (request,) = data.run_requests or []
    assert request.partition_key == expected
