"""Sync from the local KoboToolbox-compatible server: every submission, edits as versions, no doubles."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine
from sqlmodel import Session, col, select

import forms
from connectors.kobo.client import KoboClient
from connectors.kobo.config import KoboConfig
from connectors.xlsform import convert
from orchestration.kobo_sync import KOBO, kobo_row, sync_kobo
from sandbox.kobo import KoboSandbox
from simulation.generator import generate_children, registration_xml
from warehouse.models import Submission, SubmissionVersion
from warehouse.status import form_status

FORM = "child_registration"


@pytest.fixture(scope="module")
def kobo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KoboClient]:
    token = secrets.token_urlsafe(16)
    with KoboSandbox(tmp_path_factory.mktemp("kobo"), token=token) as server, \
            KoboClient(KoboConfig(base_url=server.url, token=SecretStr(token))) as client:
        path = forms.FORMS_DIR / f"{FORM}.xlsx"
        media = forms.media_paths()
        client.deploy_form(path, attachments={n: media[n] for n in convert(path).media})
        yield client


def _submit(client: KoboClient, count: int, seed: int) -> list[tuple[str, bytes]]:
    version = convert(forms.FORMS_DIR / f"{FORM}.xlsx").version
    sent = []
    for child in generate_children(count, seed=seed):
        instance_id = f"uuid:{uuid.uuid4()}"
        xml = registration_xml(child, form_version=version, instance_id=instance_id)
        assert client.submit_openrosa(xml).status == "created"
        sent.append((instance_id, xml))
    return sent


def test_kobo_feed_lands_in_the_raw_layer_and_edits_become_versions(
    kobo: KoboClient, engine: Engine
) -> None:
    sent = _submit(kobo, 12, seed=300)
    (first,) = sync_kobo(kobo, engine, form_ids=[FORM])
    assert first.in_sync and first.new_submissions >= 12
    (again,) = sync_kobo(kobo, engine, form_ids=[FORM])
    assert (again.new_submissions, again.new_versions) == (0, 0)  # read again, nothing written
    root, xml = sent[0]
    edited_id = f"uuid:{uuid.uuid4()}"
    edit = xml.decode().replace(f"<instanceID>{root}</instanceID>",
                                f"<instanceID>{edited_id}</instanceID><deprecatedID>{root}"
                                "</deprecatedID>")
    edit = edit.replace("<house_no>", "<house_no>99/", 1)
    assert edit != xml.decode()
    assert kobo.submit_openrosa(edit.encode()).status == "created"
    (after,) = sync_kobo(kobo, engine, form_ids=[FORM])
    assert (after.new_submissions, after.new_versions, after.in_sync) == (0, 1, True)
    with Session(engine) as session:
        current = session.exec(select(Submission).where(
            col(Submission.source) == KOBO, col(Submission.submission_id) == root)).one()
        history = session.exec(select(SubmissionVersion).where(
            col(SubmissionVersion.submission_id) == root)).all()
        (status,) = [r for r in form_status(session) if r["source"] == KOBO]
    assert current.version_count == 2 and current.instance_id == edited_id
    assert [v.version_no for v in history] == [1, 2]
    assert status["in_sync"] and status["quarantined"] == 0


@pytest.mark.parametrize(("raw", "key"), [
    ({"meta/rootUuid": "uuid:a", "_uuid": "b"}, "uuid:a"),
    ({"meta/rootUuid": "a"}, "uuid:a"),
    ({"_uuid": "b"}, "uuid:b"),
    ({"meta/instanceID": "uuid:c"}, None),
])
def test_rows_are_keyed_by_root_uuid(raw: dict[str, str], key: str | None) -> None:
    row = kobo_row(raw)
    assert (row.id if row else None) == key


def test_flat_kobo_keys_become_groups_like_centrals() -> None:
    row = kobo_row({"meta/rootUuid": "uuid:a", "meta/instanceID": "uuid:a", "child/first_name": "ก",
                    "_submission_time": "2026-11-30T01:02:03", "__version__": "v1",
                    "_validation_status": {"uid": "validation_status_approved"}})
    assert row is not None
    assert row.data == {"meta": {"rootUuid": "uuid:a", "instanceID": "uuid:a"},
                        "child": {"first_name": "ก"}}
    assert row.system.submission_date is not None and row.system.submission_date.tzinfo is not None
    assert (row.system.form_version, row.system.review_state) == ("v1", "validation_status_approved")
