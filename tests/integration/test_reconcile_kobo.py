"""Kobo lists no deletions: reconciling its ids finds them, and a list that shifted infers nothing."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote_plus

import pytest
import requests
from pydantic import SecretStr
from sqlalchemy import Engine
from sqlmodel import Session, col, select

import forms
from connectors.kobo.client import KoboClient
from connectors.kobo.config import KoboConfig
from connectors.xlsform import convert
from orchestration.kobo_sync import KOBO, KOBO_PROJECT, KoboSource, sync_kobo
from sandbox.kobo import KoboSandbox
from tests.integration.test_kobo_sync import FORM, _submit
from warehouse.history import versions
from warehouse.models import Submission
from warehouse.reconcile import is_found_absent
from warehouse.status import form_status
from warehouse.sync import sync_form


@pytest.fixture(scope="module")
def kobo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[KoboSandbox, KoboClient]]:
    token = secrets.token_urlsafe(16)
    with KoboSandbox(tmp_path_factory.mktemp("kobo"), token=token) as server, \
            KoboClient(KoboConfig(base_url=server.url, token=SecretStr(token))) as client:
        path = forms.FORMS_DIR / f"{FORM}.xlsx"
        media = forms.media_paths()
        client.deploy_form(path, attachments={n: media[n] for n in convert(path).media})
        yield server, client


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def _uid(client: KoboClient) -> str:
    asset = client.find_asset(FORM)
    assert asset is not None
    return asset.uid


def _delete(client: KoboClient, root: str) -> None:
    url = client.session.url(client.session.urls.data, uid=_uid(client)) + f"{root}/"
    assert client.session.call("DELETE", url).status_code == 204


def _row(engine: Engine, root: str) -> Submission:
    with Session(engine) as session:
        return session.exec(select(Submission).where(col(Submission.source) == KOBO,
                                                     col(Submission.submission_id) == root)).one()


def _id_lists(server: KoboSandbox) -> list[str]:
    return [q for r in server.request_log if "meta/rootUuid" in (q := unquote_plus(r.query))]


def test_a_kobo_deletion_is_found_absent_and_a_resubmission_restores_it(
    kobo_server: tuple[KoboSandbox, KoboClient], engine: Engine
) -> None:
    server, kobo = kobo_server
    clock = Clock()
    sent = _submit(kobo, 3, seed=950)
    sync_kobo(kobo, engine, form_ids=[FORM], clock=clock)
    (gone, xml), (kept, _) = sent[0], sent[1]
    _delete(kobo, gone)
    clock.now += timedelta(hours=1)
    server.clear_request_log()
    (found,) = sync_kobo(kobo, engine, form_ids=[FORM], clock=clock)
    # The warehouse held one more than Kobo counts: the id list is asked at once.
    assert found.reconciled and found.found_absent == 1 and found.in_sync
    assert len(_id_lists(server)) == 1
    assert _row(engine, gone).deleted_at is not None and _row(engine, kept).deleted_at is None
    with Session(engine) as session:
        history = versions(session, source=KOBO, project_id=KOBO_PROJECT, form_id=FORM,
                           submission_id=gone)
        (status,) = [r for r in form_status(session) if r["source"] == KOBO]
    assert [is_found_absent(v) for v in history] == [False, True]
    assert status["deleted"] >= 1 and status["in_sync"]

    assert kobo.submit_openrosa(xml).status == "created"  # sent again from the phone
    clock.now += timedelta(hours=1)
    (back,) = sync_kobo(kobo, engine, form_ids=[FORM], clock=clock)
    restored = _row(engine, gone)
    assert restored.deleted_at is None and restored.version_count == 3 and back.in_sync


def test_kobo_ids_are_listed_weekly_and_not_in_between(
    kobo_server: tuple[KoboSandbox, KoboClient], engine: Engine
) -> None:
    server, kobo = kobo_server
    clock = Clock()
    _submit(kobo, 1, seed=960)
    start = clock.now
    sync_kobo(kobo, engine, form_ids=[FORM], clock=clock)
    clock.now = start + timedelta(days=6, hours=23)
    server.clear_request_log()
    (idle,) = sync_kobo(kobo, engine, form_ids=[FORM], clock=clock)
    assert not idle.reconciled and _id_lists(server) == []
    clock.now = start + timedelta(days=7)
    server.clear_request_log()
    (weekly,) = sync_kobo(kobo, engine, form_ids=[FORM], clock=clock)
    assert weekly.reconciled and weekly.found_absent == 0 and weekly.in_sync
    (listed,) = _id_lists(server)
    assert "limit=1000" in listed and '"_uuid"' in listed and '"_id"' in listed


def test_a_kobo_id_list_that_shifted_while_paging_infers_nothing(
    kobo_server: tuple[KoboSandbox, KoboClient], engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    _, kobo = kobo_server
    clock = Clock()
    _submit(kobo, 4, seed=970)
    sync_kobo(kobo, engine, form_ids=[FORM], clock=clock)
    with Session(engine) as session:
        held = set(session.exec(select(Submission.submission_id).where(
            col(Submission.source) == KOBO, col(Submission.deleted_at).is_(None))).all())
    # Kobo pages by offset: deleting a row of the first page after it was read shifts a live row
    # past the second. Taken as it is, that list would call the live row absent.
    deleted: list[str] = []

    def delete_first(root: str) -> None:
        _delete(kobo, root)
        deleted.append(root)

    hook = _once_after_first_id_page(delete_first)
    kobo.session.hooks["response"].append(hook)
    try:
        source = KoboSource(kobo, {FORM: _uid(kobo)}, id_page=2)
        with Session(engine) as session, caplog.at_level(logging.WARNING, "warehouse.reconcile"):
            result = sync_form(source, session=session, source=KOBO, project_id=KOBO_PROJECT,
                               form_id=FORM, full=True, clock=clock)
    finally:
        kobo.session.hooks["response"].remove(hook)
    assert len(deleted) == 1
    assert result.reconciled and result.found_absent == 0
    assert "not trusted, no deletion inferred" in caplog.text
    with Session(engine) as session:
        after = set(session.exec(select(Submission.submission_id).where(
            col(Submission.source) == KOBO, col(Submission.deleted_at).is_(None))).all())
    assert after == held  # nothing marked deleted, the shifted live row least of all

    clock.now += timedelta(hours=1)
    (next_sync,) = sync_kobo(kobo, engine, form_ids=[FORM], clock=clock)  # a list that holds
    assert next_sync.found_absent == 1 and next_sync.in_sync
    assert _row(engine, deleted[0]).deleted_at is not None


def _once_after_first_id_page(action: Callable[[str], None]) -> Callable[..., None]:
    """A response hook: after the id list's first page, `action` on the first key it listed."""
    done: list[bool] = []

    def hook(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        query = unquote_plus(response.url)
        if not done and "meta/rootUuid" in query and "start=0" in query:
            done.append(True)
            action(response.json()["results"][0]["meta/rootUuid"])
    return hook
