"""Sync from the local Central over real HTTP into SQLite and PostgreSQL: exact, incremental, safe."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from orchestration.pipeline import sync_central
from simulation.generator import generate_children, malformed_registration_xml, registration_xml
from tests.support.local_central import LocalCentral
from warehouse.models import Submission, SubmissionVersion
from warehouse.status import form_status

FORM = "child_registration"


def _version(central: LocalCentral) -> str:
    with central.client() as client:
        return next(str(f.version) for f in client.list_forms() if f.xml_form_id == FORM)


def _submit(central: LocalCentral, how_many: int, seed: int) -> list[str]:
    """Submit fresh registrations as an app user through OpenRosa; their instance ids."""
    version = _version(central)
    ids = []
    with central.client() as client:
        user = client.ensure_app_user(f"tester {seed}")
        client.assign_form(FORM, user.id)
        for child in generate_children(how_many, seed=seed):
            instance_id = f"uuid:{uuid.uuid4()}"
            result = client.submit_openrosa(
                registration_xml(child, form_version=version, instance_id=instance_id),
                app_user_token=user.token)
            assert result.status == "created"
            ids.append(instance_id)
    return ids


def _sync(central: LocalCentral, engine: Engine, **kwargs: Any) -> Any:
    with central.client() as client:
        (result,) = sync_central(client, central.project_id, engine, form_ids=[FORM], **kwargs)
    return result


def _held(engine: Engine) -> set[str]:
    with Session(engine) as session:
        return set(session.exec(select(Submission.submission_id).where(
            col(Submission.form_id) == FORM)).all())


def test_first_sync_holds_every_submission_and_a_second_asks_only_for_changes(
    central: LocalCentral, engine: Engine
) -> None:
    submitted = set(_submit(central, 30, seed=1))
    first = _sync(central, engine)
    assert submitted <= _held(engine)
    assert first.mode == "full" and first.in_sync
    central.server.clear_request_log()
    second = _sync(central, engine)
    # Only the overlap window (the last seconds before the newest row) is read again, and unchanged.
    assert (second.mode, second.new_submissions, second.new_versions) == ("incremental", 0, 0)
    assert second.fetched <= second.source_count
    odata = [r for r in central.server.request_log if ".svc/Submissions" in r.path]
    queries = [_unquote(r.query) for r in odata if "$top=0" not in _unquote(r.query)]
    # Only windows: new or changed since the watermark, and deleted since the last sweep.
    assert len(queries) == 2
    assert any("__system/submissionDate gt" in q and "__system/updatedAt gt" in q for q in queries)
    assert any("__system/deletedAt gt" in q for q in queries)
    with Session(engine) as session:
        (row,) = [r for r in form_status(session) if r["form_id"] == FORM]
    assert row["in_sync"] and row["warehouse_count"] == row["source_count"] == len(_held(engine))


def test_new_submissions_arrive_incrementally(central: LocalCentral, engine: Engine) -> None:
    _sync(central, engine)
    before = _held(engine)
    added = set(_submit(central, 5, seed=2))
    result = _sync(central, engine)
    assert result.mode == "incremental" and result.new_submissions == 5
    assert _held(engine) == before | added


def test_a_503_in_the_middle_of_paging_is_retried_and_the_sync_is_exact(
    central: LocalCentral, engine: Engine
) -> None:
    _submit(central, 25, seed=3)
    central.server.faults.add(method="GET", path_pattern=r"\.svc/Submissions", status=503,
                              times=1, after=1)
    try:
        with central.client() as client:
            (result,) = sync_central(client, central.project_id, engine, form_ids=[FORM])
    finally:
        central.server.faults.clear()
    assert result.in_sync and result.warehouse_count == result.source_count


def test_a_sync_that_dies_midway_is_completed_exactly_by_the_next(
    central: LocalCentral, engine: Engine
) -> None:
    _submit(central, 12, seed=4)
    central.server.faults.add(method="GET", path_pattern=r"\.svc/Submissions", status=500,
                              times=100, after=1)
    with pytest.raises(Exception), central.client() as client:  # noqa: B017
        client_config = client.config.model_copy(update={"page_size": 5, "max_retries": 0})
        from connectors.central.client import CentralClient

        with CentralClient(client_config) as small:
            sync_central(small, central.project_id, engine, form_ids=[FORM])
    central.server.faults.clear()
    with Session(engine) as session:
        partial = session.exec(select(func.count()).select_from(Submission)).one()
        (row,) = [r for r in form_status(session) if r["form_id"] == FORM]
    assert partial > 0 and not row["in_sync"] and row["last_error"]
    result = _sync(central, engine)
    assert result.in_sync
    with Session(engine) as session:
        versions = session.exec(select(func.count()).select_from(SubmissionVersion)).one()
    assert versions == result.warehouse_count  # nothing doubled: one version per submission


def test_malformed_submissions_are_stored_flagged_and_do_not_stop_the_sync(
    central: LocalCentral, engine: Engine
) -> None:
    """Central accepts these; the sync keeps each one as received and flags what its feed shows.

    Central's OData drops unknown elements and renders absent ones (and non-numeric integers) as
    null, so those two are stored unflagged here; a missing instanceID and a value of the wrong
    shape are visible and flagged as errors.
    """
    version = _version(central)
    child = next(c for c in generate_children(20, seed=5) if c.consent_ok and c.birth_date)
    sent = {}
    with central.client() as client:
        for kind in ("unknown_field", "missing_required", "missing_instance_id"):
            instance_id = f"uuid:{uuid.uuid4()}"
            client.submit_rest(FORM, malformed_registration_xml(
                kind, child, form_version=version, instance_id=instance_id))
            sent[kind] = instance_id
        instance_id = f"uuid:{uuid.uuid4()}"
        good = registration_xml(child, form_version=version, instance_id=instance_id).decode()
        day = child.birth_date.isoformat()
        bad_date = good.replace(f">{day}<", f">{day[8:]}/{day[5:7]}/{int(day[:4]) + 543}<", 1)
        assert bad_date != good
        client.submit_rest(FORM, bad_date.encode())
        sent["wrong_date"] = instance_id
    good_ids = _submit(central, 3, seed=6)
    result = _sync(central, engine)
    assert result.in_sync and set(good_ids) <= _held(engine)
    with Session(engine) as session:
        rows = session.exec(select(Submission).where(col(Submission.form_id) == FORM)).all()
    by_instance = {r.instance_id: r for r in rows}
    codes = {kind: [i["code"] for i in by_instance[iid].issues]
             for kind, iid in sent.items() if iid in by_instance}
    assert codes["wrong_date"] == ["wrong_type"] and by_instance[sent["wrong_date"]].has_errors
    assert codes["unknown_field"] == [] and codes["missing_required"] == []
    without_id = [r for r in rows if r.instance_id is None]
    assert without_id and all([i["code"] for i in r.issues] == ["missing_instance_id"]
                              and r.has_errors for r in without_id)
    with Session(engine) as session:
        (status,) = [r for r in form_status(session) if r["form_id"] == FORM]
    assert status["quarantined"] >= 2 and status["in_sync"]


def _unquote(text: str) -> str:
    from urllib.parse import unquote_plus

    return unquote_plus(text)
