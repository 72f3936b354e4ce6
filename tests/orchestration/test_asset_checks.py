"""Asset checks: each passes on good data and fails when its one property is broken (SQLite, PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import Engine, update
from sqlmodel import Session

from orchestration.checks import (
    every_child_has_an_lao,
    national_ids_pass_the_check_digit,
    quarantine_is_below_threshold,
)
from orchestration.definitions import defs
from orchestration.resources import WarehouseResource, settings_resource
from tests.warehouse.normalise_support import raw, sample, store
from warehouse.models import SyncState
from warehouse.normalise.driver import normalise_pending
from warehouse.normalised import ChildObservation, NormalisedSubmission

FORM = "child_registration"


@pytest.fixture
def resources(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    monkeypatch.setenv("DATABASE_URL", database_url)
    settings = settings_resource(data_dir=str(tmp_path / "data"))
    return {"settings": settings, "warehouse": WarehouseResource(config=settings)}


def _registrations(engine: Engine, ids: list[tuple[str, str]], *, national_id: str | None = None) -> None:
    """Store registrations (submission id, instanceID) as a sync would, then normalise them."""
    with Session(engine) as session:
        rows = []
        for submission_id, instance_id in ids:
            data = sample(FORM, instance_id)
            if national_id is not None:
                data["child"]["national_id"] = national_id
            rows.append(raw(FORM, submission_id, data))
        store(session, FORM, rows)
        normalise_pending(session)
        session.commit()


def _check(name: str, asset: list[str]) -> dg.AssetChecksDefinition:
    return defs.get_repository_def().asset_checks_defs_by_key[dg.AssetCheckKey(dg.AssetKey(asset), name)]


def _run(check: dg.AssetChecksDefinition, resources: dict[str, object]) -> dg.AssetCheckResult:
    needed = {k: v for k, v in resources.items() if k in check.required_resource_keys}
    result = check(**needed)
    assert isinstance(result, dg.AssetCheckResult)
    return result


def test_submissions_have_unique_instance_ids_fails_on_a_visit_received_twice(
    engine: Engine, resources: dict[str, object]
) -> None:
    check = _check("submissions_have_unique_instance_ids", ["raw", "central_submissions"])
    assert check.check_specs and next(iter(check.check_specs)).blocking
    _registrations(engine, [("uuid:a1", "uuid:a1"), ("uuid:b1", "uuid:b1")])
    assert _run(check, resources).passed
    _registrations(engine, [("uuid:c1", "uuid:a1")])  # another key, the same instanceID
    result = _run(check, resources)
    assert not result.passed
    assert result.metadata["failing"].value == 1
    assert result.metadata["examples"].value == [
        {"form_id": FORM, "instance_id": "uuid:a1", "submissions": 2}]


def test_warehouse_count_equals_source_count_fails_when_the_source_holds_more(
    engine: Engine, resources: dict[str, object]
) -> None:
    check = _check("warehouse_count_equals_source_count", ["raw", "central_submissions"])
    _registrations(engine, [("uuid:a2", "uuid:a2"), ("uuid:b2", "uuid:b2")])
    with Session(engine) as session:
        session.add(SyncState(source="central", project_id="1", form_id=FORM, source_count=2,
                              last_ok=True, last_success_at=datetime.now(UTC)))
        session.commit()
    assert _run(check, resources).passed
    with Session(engine) as session:
        session.execute(update(SyncState).values(source_count=3))
        session.commit()
    result = _run(check, resources)
    assert not result.passed and result.severity == dg.AssetCheckSeverity.WARN
    (example,) = result.metadata["examples"].value
    assert example["source_count"] == 3 and example["warehouse_count"] == 2


def test_national_ids_pass_the_check_digit_warns_with_the_share(
    engine: Engine, resources: dict[str, object]
) -> None:
    _registrations(engine, [("uuid:a3", "uuid:a3")])
    assert _run(national_ids_pass_the_check_digit, resources).passed
    _registrations(engine, [("uuid:b3", "uuid:b3")], national_id="1700724206135")  # last digit off by one
    result = _run(national_ids_pass_the_check_digit, resources)
    assert not result.passed and result.severity == dg.AssetCheckSeverity.WARN
    assert result.metadata["checked"].value == 2 and result.metadata["failing"].value == 1
    assert result.metadata["share"].value == 0.5
    (example,) = result.metadata["examples"].value
    assert example["submission_id"] == "uuid:b3"
    assert example["as_entered"] == "•••••••••6135"  # personal data: masked in the evidence


def test_a_zero_series_id_kept_with_a_warning_still_counts_as_failing_the_check_digit(
    engine: Engine, resources: dict[str, object]
) -> None:
    """A 0-series ID failing the check digit is kept as valid (a warning, DOMAIN.md §2.1), yet the
    check must still count it, so the field team confirms it against the card."""
    _registrations(engine, [("uuid:a5", "uuid:a5")], national_id="0123489001231")
    result = _run(national_ids_pass_the_check_digit, resources)
    assert not result.passed and result.severity == dg.AssetCheckSeverity.WARN
    assert result.metadata["checked"].value == 1 and result.metadata["failing"].value == 1
    (example,) = result.metadata["examples"].value
    assert "zero_series" in example["flags"] and "check_digit" in example["flags"]


def test_every_child_has_an_lao_fails_on_a_child_without_one(
    engine: Engine, resources: dict[str, object]
) -> None:
    _registrations(engine, [("uuid:a4", "uuid:a4"), ("uuid:b4", "uuid:b4")])
    assert _run(every_child_has_an_lao, resources).passed
    with Session(engine) as session:
        session.execute(update(ChildObservation).where(ChildObservation.submission_id == "uuid:b4")  # type: ignore[arg-type]
                        .values(lao_code=" "))
        session.commit()
    result = _run(every_child_has_an_lao, resources)
    assert not result.passed and result.severity == dg.AssetCheckSeverity.ERROR
    assert result.metadata["examples"].value == [{"form_id": FORM, "submission_id": "uuid:b4"}]


def test_quarantine_is_below_threshold_fails_above_the_configured_share(
    engine: Engine, resources: dict[str, object], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ODKSYNC_QUARANTINE_THRESHOLD", "0.25")
    settings = settings_resource(data_dir=str(tmp_path / "data"))  # binds the variable just set
    resources = {**resources, "settings": settings, "warehouse": WarehouseResource(config=settings)}
    _registrations(engine, [(f"uuid:q{i}", f"uuid:q{i}") for i in range(4)])
    assert _run(quarantine_is_below_threshold, resources).passed
    with Session(engine) as session:
        session.execute(update(NormalisedSubmission).where(
            NormalisedSubmission.submission_id.in_(["uuid:q0"]))  # type: ignore[attr-defined]
            .values(state="quarantined"))
        session.commit()
    result = _run(quarantine_is_below_threshold, resources)
    assert result.passed and result.metadata["rate"].value == 0.25  # at the threshold: still fine
    with Session(engine) as session:
        session.execute(update(NormalisedSubmission).where(
            NormalisedSubmission.submission_id.in_(["uuid:q1"]))  # type: ignore[attr-defined]
            .values(state="quarantined"))
        session.commit()
    result = _run(quarantine_is_below_threshold, resources)
    assert not result.passed
    assert result.metadata["threshold"].value == 0.25 and result.metadata["quarantined"].value == 2
