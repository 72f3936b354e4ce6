"""Deletions and restores at Central reach the warehouse through the delete sweep, as versions."""

from __future__ import annotations

import requests
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from tests.integration.test_sync import FORM, _submit, _sync
from tests.support.local_central import LocalCentral
from warehouse.history import versions
from warehouse.models import Submission
from warehouse.status import form_status


def _admin(central: LocalCentral) -> requests.Session:
    http = requests.Session()
    token = http.post(f"{central.server.url}/v1/sessions", timeout=30, json={
        "email": central.config.username,
        "password": central.config.password.get_secret_value()}).json()["token"]
    http.headers["Authorization"] = f"Bearer {token}"
    return http


def _submission_url(central: LocalCentral, instance_id: str) -> str:
    return (f"{central.server.url}/v1/projects/{central.project_id}/forms/{FORM}/submissions/"
            f"{instance_id}")


def test_deletes_and_restores_are_swept_into_the_warehouse(central: LocalCentral, engine: Engine) -> None:
    ids = _submit(central, 4, seed=500)
    _sync(central, engine)
    http = _admin(central)
    for instance_id in ids[:2]:
        assert http.delete(_submission_url(central, instance_id), timeout=30).status_code == 200
    swept = _sync(central, engine)
    assert swept.in_sync and swept.new_versions == 2
    with Session(engine) as session:
        deleted = {r.submission_id for r in session.exec(select(Submission).where(
            col(Submission.deleted_at).is_not(None)))}
        (row,) = [r for r in form_status(session) if r["form_id"] == FORM]
        history = versions(session, source="central", project_id=str(central.project_id),
                           form_id=FORM, submission_id=ids[0])
    assert set(ids[:2]) <= deleted and row["deleted"] >= 2 and row["in_sync"]
    assert [v.deleted_at is not None for v in history] == [False, True]

    restored = http.post(f"{_submission_url(central, ids[0])}/restore", timeout=30)
    assert restored.status_code == 200
    after = _sync(central, engine)
    assert after.in_sync
    with Session(engine) as session:
        current = session.exec(select(Submission).where(
            col(Submission.submission_id) == ids[0])).one()
    assert current.deleted_at is None and current.version_count == 3
