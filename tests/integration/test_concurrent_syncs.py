"""Two syncs of one form at once: the second stops cleanly, nothing is corrupted or doubled."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from orchestration.pipeline import sync_central
from tests.integration.test_sync import FORM, _submit
from tests.support.local_central import LocalCentral
from warehouse.locks import SyncInProgress
from warehouse.models import Submission, SubmissionVersion


def test_a_second_sync_of_the_same_form_stops_with_a_clear_message(
    central: LocalCentral, engine: Engine
) -> None:
    _submit(central, 10, seed=70)
    slow = central.server.faults.add(method="GET", path_pattern=r"\.svc/Submissions", status=None,
                                     times=1, after=0, delay_seconds=3.0)
    outcome: dict[str, Any] = {}

    def first() -> None:
        with central.client() as client:
            outcome["first"] = sync_central(client, central.project_id, engine, form_ids=[FORM])

    worker = threading.Thread(target=first)
    worker.start()
    try:
        # The first sync takes the lock before it asks for submissions; once the server has that
        # request (held back three seconds), the lock is certainly held.
        _wait_for(lambda: slow.seen >= 1)
        with central.client() as client, pytest.raises(
            SyncInProgress, match="another odksync sync of central project"
        ):
            sync_central(client, central.project_id, engine, form_ids=[FORM])
    finally:
        worker.join(timeout=60)
        central.server.faults.clear()
    (result,) = outcome["first"]
    assert result.in_sync
    with Session(engine) as session:
        current = session.exec(select(func.count()).select_from(Submission)).one()
        versions = session.exec(select(func.count()).select_from(SubmissionVersion)).one()
    assert current == versions == result.warehouse_count


def _wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the first sync never reached the server")
        time.sleep(0.02)
