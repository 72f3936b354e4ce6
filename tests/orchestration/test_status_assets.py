"""The plan_status asset and its overdue check, called directly on a small warehouse (SQLite, PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from sqlalchemy import Engine, update
from sqlmodel import Session

from orchestration.assets.plan_status import plan_status
from orchestration.definitions import defs
from orchestration.resources import WarehouseResource, settings_resource
from tests.warehouse.test_plan_status_warehouse import _child, _form
from warehouse.plan_status.store import CurrentStatus

TODAY = datetime.now(UTC).date()


@pytest.fixture
def resources(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("DATABASE_URL", database_url)
    settings = settings_resource(data_dir=str(tmp_path / "data"))
    return {"settings": settings, "warehouse": WarehouseResource(config=settings)}


def _materialise(resources: dict[str, Any]) -> dict[str, Any]:
    with dg.build_asset_context(resources=resources) as context:
        result = plan_status(context)
    assert isinstance(result, dg.MaterializeResult) and result.metadata is not None
    return {k: getattr(v, "value", v) for k, v in result.metadata.items()}


def _check() -> dg.AssetChecksDefinition:
    key = dg.AssetCheckKey(dg.AssetKey("plan_status"), "plans_have_no_overdue_followups")
    return defs.get_repository_def().asset_checks_defs_by_key[key]


def _evaluate(resources: dict[str, Any]) -> dg.AssetCheckResult:
    result = _check()(warehouse=resources["warehouse"])
    assert isinstance(result, dg.AssetCheckResult)
    return result


def _two_children(engine: Engine) -> None:
    """C1 in progress with its next follow-up a month ahead; C2 screened, then a plan form jumping to 70
    (refused)."""
    with Session(engine) as session:
        _child(session, "C1")
        _child(session, "C2")
        start = TODAY - timedelta(days=60)
        _form(session, "C1", "r1", 10, start)
        _form(session, "C1", "v1", 20, start + timedelta(days=2))
        _form(session, "C1", "p1", 40, start + timedelta(days=5))
        _form(session, "C1", "f1", 50, TODAY - timedelta(days=1), next_fu=TODAY + timedelta(days=30))
        _form(session, "C2", "r2", 10, start)
        _form(session, "C2", "v2", 20, start + timedelta(days=3))
        _form(session, "C2", "p2", 70, start + timedelta(days=4), form_id="assistance_plan")  # not allowed
        session.commit()


def test_plan_status_counts_children_per_status_thai_first_with_exceptions_and_overdue(
    engine: Engine, resources: dict[str, Any]
) -> None:
    _two_children(engine)
    meta = _materialise(resources)
    assert (meta["children"], meta["recomputed"], meta["exceptions"], meta["open_exceptions"]) == (2, 2, 1, 1)
    assert meta["overdue"] == 0 and meta["withdrawn"] == 0
    assert meta["by_status"] == {"20": 1, "50": 1}
    preview = meta["preview"]
    assert "| 50 | ดำเนินการตามแผน (IN_PROGRESS) | 1 |" in preview
    assert "| 20 | คัดกรอง/เยี่ยมบ้านแล้ว (SCREENED) | 1 |" in preview
    assert "| 10 | ค้นพบ/ลงทะเบียน (IDENTIFIED) | 0 |" in preview
    assert "| | **รวม (total)** | **2** |" in preview
    assert "ข้อยกเว้นรอแก้ 1 รายการ จาก 1" in preview and "เกินกำหนดติดตาม 0 คน" in preview
    again = _materialise(resources)
    assert again["recomputed"] == 0 and again["by_status"] == meta["by_status"]  # a rerun rewrites nothing


def test_plans_have_no_overdue_followups_warns_with_the_count_share_and_child_ids(
    engine: Engine, resources: dict[str, Any]
) -> None:
    _two_children(engine)
    _materialise(resources)
    green = _evaluate(resources)
    assert green.passed and green.metadata["open_cases"].value == 2 and green.metadata["overdue"].value == 0
    # The follow-up C1's last visit set has passed (as if the visit had set yesterday).
    with Session(engine) as session:
        session.execute(update(CurrentStatus).where(CurrentStatus.child_id == "C1")  # type: ignore[arg-type]
                        .values(next_followup_due=TODAY - timedelta(days=3)))
        session.commit()
    _materialise(resources)  # the engine judges overdue again on every run, on today
    result = _evaluate(resources)
    assert not result.passed and result.severity == dg.AssetCheckSeverity.WARN
    assert result.metadata["overdue"].value == 1 and result.metadata["share"].value == 0.5
    assert result.metadata["examples"].value == [
        {"child_id": "C1", "status": 50, "due": (TODAY - timedelta(days=3)).isoformat(), "days_overdue": 3}]
    assert "1 of 2 open case(s) overdue" in (result.description or "")


def test_an_overdue_follow_up_of_a_closed_case_is_not_counted(
    engine: Engine, resources: dict[str, Any]
) -> None:
    with Session(engine) as session:
        _child(session, "C3")
        _form(session, "C3", "r3", 10, date(2026, 1, 5))
        _form(session, "C3", "x3", 90, date(2026, 1, 9), form_id="plan_followup", next_fu=date(2026, 2, 1))
        session.commit()
    _materialise(resources)
    result = _evaluate(resources)
    assert result.passed and result.metadata["open_cases"].value == 0
