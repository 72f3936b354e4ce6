"""Submission media land once in the content store, verified; unchanged files are not fetched again."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from connectors.central.client import CentralClient
from connectors.central.config import CentralConfig
from orchestration.pipeline import sync_central
from sandbox.central import CentralSandbox
from tests.contract.central_contract import write_xlsform
from tests.contract.test_central_submission_admin import PHOTO, photo_xml
from warehouse.content_store import ContentStore
from warehouse.models import Attachment
from warehouse.status import form_status


@dataclass
class PhotoServer:
    server: CentralSandbox
    config: CentralConfig
    form_id: str
    token: str


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PhotoServer]:
    password = secrets.token_urlsafe(16)
    directory = tmp_path_factory.mktemp("photos")
    with CentralSandbox(directory / "server", admin_password=password) as server:
        config = CentralConfig(base_url=server.url, username="admin@odksync.local", password=password)
        form_id = "media_visit"
        with CentralClient(config) as client:
            project = client.ensure_project("photos")
            config = config.model_copy(update={"project_id": project})
        with CentralClient(config) as client:
            client.deploy_form(write_xlsform(directory, form_id,
                                             extra_fields=(("image", "photo", "รูปถ่าย / Photo"),)))
            user = client.ensure_app_user("collect photos")
            client.assign_form(form_id, user.id)
        yield PhotoServer(server, config, form_id, str(user.token))


def _submit(photos: PhotoServer, content: bytes | None) -> str:
    root = f"uuid:{uuid.uuid4()}"
    with CentralClient(photos.config) as client:
        client.submit_openrosa(photo_xml(photos.form_id, root, name="เด็กชาย ภาพ"),
                               app_user_token=photos.token,
                               attachments={PHOTO: content} if content is not None else None)
    return root


def _sync(photos: PhotoServer, engine: Engine, store: ContentStore) -> None:
    with CentralClient(photos.config) as client:
        sync_central(client, int(str(photos.config.project_id)), engine,
                     form_ids=[photos.form_id], attachments=store)


def test_media_are_stored_once_verified_and_not_fetched_again(
    photos: PhotoServer, engine: Engine, tmp_path: Path
) -> None:
    store = ContentStore(tmp_path / "attachments")
    content = secrets.token_bytes(4096)
    root = _submit(photos, content)
    waiting = _submit(photos, None)  # Collect sent the form before the photo: expected, missing
    _sync(photos, engine, store)
    with Session(engine) as session:
        rows = {a.submission_id: a for a in session.exec(select(Attachment).where(
            col(Attachment.form_id) == photos.form_id))}
        (status,) = [r for r in form_status(session) if r["form_id"] == photos.form_id]
    sha = hashlib.sha256(content).hexdigest()
    assert rows[root].state == "present" and rows[root].sha256 == sha and rows[root].size == 4096
    assert store.verify(sha) and store.path_for(sha).read_bytes() == content
    assert rows[waiting].state == "missing" and status["attachments_missing"] >= 1

    photos.server.clear_request_log()
    _sync(photos, engine, store)
    downloads = [r for r in photos.server.request_log
                 if "/attachments/" in r.path and r.status == 200]
    assert downloads == []  # held files are neither listed again nor downloaded again


def test_store_names_files_by_digest_only(tmp_path: Path) -> None:
    store = ContentStore(tmp_path)
    with pytest.raises(ValueError, match="SHA-256"):
        store.path_for("../../etc/passwd")
    scratch = store.scratch()
    scratch.write_bytes(b"photo")
    digest, size = store.ingest(scratch)
    again = store.scratch()
    again.write_bytes(b"photo")
    assert store.ingest(again) == (digest, size) and not again.exists()
    assert store.path_for(digest).parent.parent.parent == tmp_path
