"""Reconciling Central's id list: deletions purged before any sweep saw them, restores, the schedule."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from orchestration.pipeline import CentralSource, sync_central
from tests.integration.test_deletes import _admin, _submission_url
from tests.integration.test_sync import FORM, _submit, _unquote
from tests.support.local_central import LocalCentral
from warehouse.history import field_changes, versions
from warehouse.models import Submission
from warehouse.reconcile import is_found_absent
from warehouse.status import form_status
from warehouse.sync import sync_form


class Clock:
    """The warehouse side's clock, moved by hand beside the server's."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def _sync(central: LocalCentral, engine: Engine, clock: Clock, **kwargs: Any) -> Any:
    with central.client() as client:
        (result,) = sync_central(client, central.project_id, engine, form_ids=[FORM], clock=clock,
                                 **kwargs)
    return result


def _row(engine: Engine, submission_id: str) -> Submission:
    with Session(engine) as session:
        return session.exec(select(Submission).where(
            col(Submission.submission_id) == submission_id)).one()


def _history(central: LocalCentral, engine: Engine, submission_id: str) -> list[Any]:
    with Session(engine) as session:
        return versions(session, source="central", project_id=str(central.project_id),
                        form_id=FORM, submission_id=submission_id)


def _id_list_requests(central: LocalCentral) -> list[str]:
    return [q for r in central.server.request_log if f"/forms/{FORM}" in r.path
            and "$select=__id" in (q := _unquote(r.query))]


def _delete(http: requests.Session, central: LocalCentral, instance_id: str) -> None:
    assert http.delete(_submission_url(central, instance_id), timeout=30).status_code == 200


def test_a_submission_purged_unseen_is_found_absent_and_a_restore_comes_back(
    central: LocalCentral, engine: Engine
) -> None:
    clock = Clock()
    gone, restored, kept = _submit(central, 3, seed=900)
    _sync(central, engine, clock)
    http = _admin(central)
    _delete(http, central, restored)
    central.server.advance_clock(timedelta(days=1))
    _submit(central, 1, seed=901)  # a day later: the three fall out of the incremental window
    clock.now += timedelta(days=1)
    swept = _sync(central, engine, clock)  # the delete sweep sees this one
    assert not swept.reconciled and _row(engine, restored).deleted_at is not None
    with Session(engine) as session:
        (status,) = [r for r in form_status(session) if r["form_id"] == FORM]
    deleted_before = status["deleted"]

    # Deleted, then purged 31 days later, with no sync in between: no feed will ever report it.
    # The restore does not move updatedAt either, so no incremental window brings that one back.
    http = _admin(central)  # the server's day moved on: a new session
    _delete(http, central, gone)
    assert http.post(f"{_submission_url(central, restored)}/restore", timeout=30).status_code == 200
    central.server.advance_clock(timedelta(days=31))
    clock.now += timedelta(days=31)
    central.server.clear_request_log()
    after = _sync(central, engine, clock)

    assert after.reconciled and after.found_absent == 1 and after.in_sync
    assert len(_id_list_requests(central)) == 1
    assert _row(engine, gone).deleted_at is not None
    history = _history(central, engine, gone)
    assert [v.deleted_at is not None for v in history] == [False, True]
    assert [is_found_absent(v) for v in history] == [False, True]
    assert field_changes(history) == []  # a deletion found is no change of any answer
    back = _row(engine, restored)
    assert back.deleted_at is None and back.version_count == 3
    assert _row(engine, kept).deleted_at is None and _row(engine, kept).version_count == 1
    with Session(engine) as session:
        (status,) = [r for r in form_status(session) if r["form_id"] == FORM]
    # One restored, one found absent: the deleted count holds the found-absent one.
    assert status["deleted"] == deleted_before and status["in_sync"]

    again = _sync(central, engine, clock)  # reconciled just now: not listed again, nothing written
    assert not again.reconciled and again.new_versions == 0
    assert len(_history(central, engine, gone)) == 2


def test_more_rows_held_than_the_source_counts_reconciles_at_once(
    central: LocalCentral, engine: Engine
) -> None:
    clock = Clock()
    first, second = _submit(central, 2, seed=910)
    _sync(central, engine, clock)
    _delete(_admin(central), central, first)
    central.server.purge_deleted(force=True)  # no sweep saw it, and the week is not over
    _submit(central, 1, seed=911)  # the feed changes, so the sync asks for the count
    clock.now += timedelta(hours=1)
    result = _sync(central, engine, clock)
    assert result.reconciled and result.found_absent == 1 and result.in_sync
    assert _row(engine, first).deleted_at is not None and _row(engine, second).deleted_at is None


def test_the_id_list_is_asked_once_a_week_and_on_full(central: LocalCentral, engine: Engine) -> None:
    clock = Clock()
    _submit(central, 2, seed=920)
    _sync(central, engine, clock)
    central.server.clear_request_log()
    full = _sync(central, engine, clock, full=True)
    assert full.reconciled and full.found_absent == 0 and len(_id_list_requests(central)) == 1
    reconciled_at = clock.now
    _sync(central, engine, clock)
    _sync(central, engine, clock)  # settled: the next sync asks the same queries as this one

    clock.now = reconciled_at + timedelta(days=6, hours=23)
    central.server.clear_request_log()
    idle = _sync(central, engine, clock)
    asked = [r for r in central.server.request_log if f"/forms/{FORM}" in r.path]
    assert [r.status for r in asked] == [304, 304] and not idle.reconciled
    assert idle.mode == "unchanged"

    clock.now = reconciled_at + timedelta(days=7)
    central.server.clear_request_log()
    weekly = _sync(central, engine, clock)
    asked = [r for r in central.server.request_log if f"/forms/{FORM}" in r.path]
    assert [r.status for r in asked] == [304, 304, 200] and weekly.reconciled
    (listed,) = _id_list_requests(central)
    assert "$count=true" in listed and "$top=10000" in listed
    assert weekly.mode == "unchanged" and weekly.in_sync and weekly.found_absent == 0


def test_an_id_list_that_disagrees_with_the_count_infers_nothing(
    central: LocalCentral, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    ids = _submit(central, 3, seed=930)
    _sync(central, engine, clock)
    http = _admin(central)
    with central.client() as client:
        # A deletion while the list is being paged: the pages' counts then disagree.
        client.session.hooks["response"].append(_once_after_first_id_page(
            lambda: _delete(http, central, ids[0])))
        source = CentralSource(client, central.project_id, id_page=2)
        with Session(engine) as session, caplog.at_level(logging.WARNING, "warehouse.reconcile"):
            result = sync_form(source, session=session, source="central",
                               project_id=str(central.project_id), form_id=FORM, full=True,
                               clock=clock)
    assert result.reconciled and result.found_absent == 0
    assert "not trusted, no deletion inferred" in caplog.text
    with Session(engine) as session:
        current = session.exec(select(Submission).where(col(Submission.form_id) == FORM,
                                                        col(Submission.deleted_at).is_(None))).all()
    assert set(ids) <= {r.submission_id for r in current}  # the deletion waits for the sweep
    swept = _sync(central, engine, clock)
    assert _row(engine, ids[0]).deleted_at is not None and swept.in_sync


def _once_after_first_id_page(action: Callable[[], None]) -> Callable[..., None]:
    done: list[bool] = []

    def hook(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        if not done and "%24select=__id" in response.url and "skiptoken" not in response.url:
            done.append(True)
            action()
    return hook
