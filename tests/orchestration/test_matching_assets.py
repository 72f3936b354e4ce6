"""Matched children, the review queue and its check, called directly on a small warehouse (SQLite,
PostgreSQL)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session

from bench.matching.generate import generate
from orchestration.assets.matching import matched_children, review_queue
from orchestration.checks_summary import describe_checks
from orchestration.definitions import defs
from orchestration.graph_run import CheckOutcome
from orchestration.resources import WarehouseResource, settings_resource
from tests.warehouse.normalise_support import raw, sample, store
from warehouse.matching.identity import match_warehouse, observation_key, pair_key
from warehouse.matching.review import decide
from warehouse.matching.store import ChildAssignment, ReviewPair
from warehouse.normalise.driver import normalise_pending

FORM = "child_registration"
NATIONAL_ID = "1700724206134"  # the sample registration's ID


@pytest.fixture
def resources(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("DATABASE_URL", database_url)
    settings = settings_resource(data_dir=str(tmp_path / "data"))
    return {"settings": settings, "warehouse": WarehouseResource(config=settings)}


def _registrations(engine: Engine, children: list[tuple[str, dict[str, Any]]]) -> None:
    """Registrations (submission id, changes to the sample child) stored as a sync would, normalised."""
    with Session(engine) as session:
        rows = []
        for submission_id, changes in children:
            data = sample(FORM, submission_id)
            data["child"].update(changes)
            rows.append(raw(FORM, submission_id, data))
        store(session, FORM, rows)
        normalise_pending(session)
        session.commit()


def _materialise(asset: dg.AssetsDefinition, resources: dict[str, Any]) -> dict[str, Any]:
    with dg.build_asset_context(resources=resources) as context:
        result = asset(context)
    assert isinstance(result, dg.MaterializeResult) and result.metadata is not None
    return {k: getattr(v, "value", v) for k, v in result.metadata.items()}


def _check() -> dg.AssetChecksDefinition:
    key = dg.AssetCheckKey(dg.AssetKey("review_queue"), "uncertain_matches_await_review")
    return defs.get_repository_def().asset_checks_defs_by_key[key]


def _evaluate(resources: dict[str, Any]) -> dg.AssetCheckResult:
    result = _check()(warehouse=resources["warehouse"])
    assert isinstance(result, dg.AssetCheckResult)
    return result


def test_matched_children_counts_children_evidence_and_keeps_ids_on_a_rerun(
    engine: Engine, resources: dict[str, Any]
) -> None:
    # Two registrations of one child (same ID, a nickname typed differently) and one other child.
    _registrations(engine, [("uuid:m1", {}), ("uuid:m2", {"nickname": "ปาม"}),
                            ("uuid:m3", {"national_id": None, "id_scheme": "NONE", "first_name": "สมหญิง",
                                         "last_name": "ใจดี", "sex": "F", "birth_date": "2016-05-04"})])
    first = _materialise(matched_children, resources)
    assert (first["observations"], first["children"], first["new_ids"]) == (3, 2, 2)
    assert (first["merges"], first["splits"], first["pending_reviews"]) == (0, 0, 0)
    shares = first["evidence_share"]
    assert set(shares) == {"review", "entity", "id", "model", "alone"}
    assert shares["id"] == pytest.approx(2 / 3, abs=1e-3)
    assert shares["alone"] == pytest.approx(1 / 3, abs=1e-3)
    assert "**3 รายการ → เด็ก 2 คน**" in first["preview"]
    assert "| เลขประจำตัวหรือ G-code ตรงกัน (the same ID or G-code) | 66.7% |" in first["preview"]
    with Session(engine) as session:
        ids = {a.obs_key: a.child_id for a in session.scalars(select(ChildAssignment))}
    assert ids[observation_key("central", "1", FORM, "uuid:m1")] == \
        ids[observation_key("central", "1", FORM, "uuid:m2")]

    _registrations(engine, [("uuid:m4", {})])  # a new visit of the first child
    second = _materialise(matched_children, resources)
    assert (second["observations"], second["children"], second["new_ids"], second["merges"]) == (4, 2, 0, 0)
    with Session(engine) as session:
        again = {a.obs_key: a.child_id for a in session.scalars(select(ChildAssignment))}
    assert {k: again[k] for k in ids} == ids  # nobody's id changed
    assert again[observation_key("central", "1", FORM, "uuid:m4")] == ids[observation_key(
        "central", "1", FORM, "uuid:m1")]


def test_the_review_queue_shows_each_pending_pair_thai_first_masked_with_its_command(
    engine: Engine, resources: dict[str, Any]
) -> None:
    _registrations(engine, [("uuid:r1", {}), ("uuid:r2", {"national_id": None, "id_scheme": "NONE"})])
    left, right = sorted(observation_key("central", "1", FORM, s) for s in ("uuid:r1", "uuid:r2"))
    key = pair_key(left, right)
    with Session(engine) as session:
        session.add(ReviewPair(pair_key=key, left_key=left, right_key=right, score=0.63, status="pending",
                               created_at=datetime(2026, 11, 1, tzinfo=UTC)))
        session.commit()
    queue = _materialise(review_queue, resources)
    assert queue["pending"] == 1 and queue["decided"] == 0
    assert queue["oldest_pending_days"] >= 1.0 and queue["oldest_pending_since"].startswith("2026-11-01")
    preview = queue["preview"]
    row = next(line for line in preview.splitlines() if key in line)
    assert row.startswith("| ขจิตร อะคะปัน (ปาล์ม) 2011-01-01 M x-xxxx-xxxxx-13-4")  # Thai first, ID masked
    assert f"| 0.63 | `{key}` | `odksync review accept {key}` | `odksync review reject {key}` |" in row
    assert NATIONAL_ID not in preview and not re.search(r"\d{13}", preview)

    result = _evaluate(resources)
    assert not result.passed and result.severity == dg.AssetCheckSeverity.WARN
    assert result.metadata["pending"].value == 1
    assert result.metadata["examples"].value == [{
        "pair": key, "score": 0.63, "accept": f"odksync review accept {key}",
        "reject": f"odksync review reject {key}"}]


def test_uncertain_matches_await_review_fails_while_a_pair_waits_and_passes_once_decided(
    engine: Engine, resources: dict[str, Any]
) -> None:
    assert _evaluate(resources).passed  # an empty warehouse: nothing waits
    rows, _ = generate(300, seed=3)
    with Session(engine) as session:
        summary = match_warehouse(session, rows)
        session.commit()
        pending = list(session.scalars(select(ReviewPair).where(ReviewPair.status == "pending")))
    assert summary.pending_reviews == len(pending) >= 2
    queue = _materialise(review_queue, resources)
    assert queue["pending"] == len(pending)
    for pair in pending:
        assert f"`odksync review accept {pair.pair_key}`" in queue["preview"]
    result = _evaluate(resources)
    assert not result.passed and result.severity == dg.AssetCheckSeverity.WARN
    assert result.metadata["pending"].value == len(pending)
    assert f"{len(pending)} pair(s) waiting for review" in (result.description or "")
    outcome = CheckOutcome(asset="review_queue", name="uncertain_matches_await_review", passed=False,
                           severity="WARN", description=result.description or "",
                           metadata={k: getattr(v, "value", v) for k, v in result.metadata.items()})
    (line,) = describe_checks({("review_queue", outcome.name): outcome})
    assert line.startswith(f"⚠️ เตือน: {len(pending)} คู่ระเบียนรอคนตัดสิน") and "odksync review list" in line

    with Session(engine) as session:
        for i, pair in enumerate(pending):
            decide(session, pair.pair_key, "accepted" if i % 2 else "rejected", by="ครูสมศรี")
        session.commit()
    decided = _evaluate(resources)
    assert decided.passed and decided.metadata["decided"].value == len(pending)
    assert _materialise(review_queue, resources)["preview"] == "ไม่มีคู่ที่รอตรวจสอบ (no pairs waiting for review)"


def test_the_demo_line_of_the_core_run_says_what_matching_did() -> None:
    from orchestration.demo import describe_run
    from orchestration.graph_run import RunOutcome

    run = RunOutcome(label="core", run_id="r", success=True, failures=[], materialised={
        "normalised_submissions": {"done_this_run": 9, "held": 9, "normalised": 8, "quarantined": 1},
        "matched_children": {"observations": 8, "children": 6, "new_ids": 6, "merges": 0, "splits": 0,
                             "pending_reviews": 1}})
    line = describe_run(run)
    assert line.endswith("; จับคู่ (match): 8 รายการ → เด็ก 6 คน, รหัสใหม่ 6 (new ids), รวม 0 (merged), "
                         "แยก 0 (split), รอตรวจสอบ 1 คู่ (pairs waiting for review)")
