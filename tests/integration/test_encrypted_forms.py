"""An encrypted form syncs exactly as metadata only, and odksync says so: sync log, status, no files."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from connectors.central.client import CentralClient
from connectors.central.config import CentralConfig
from sandbox.central import CentralSandbox
from tests.orchestration.test_cli import odksync
from tests.support.encrypted import key_pair, seal, write_encrypted_xlsform
from warehouse.models import Attachment, Submission, SubmissionVersion

ADMIN = "admin@odksync.local"
VERSION = "2026113001"
LIST = "sealed_children"


@dataclass
class SealedServer:
    server: CentralSandbox
    config: CentralConfig
    project_id: int
    public_key: str
    token: str


@pytest.fixture(scope="module")
def sealed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SealedServer]:
    password = secrets.token_urlsafe(16)
    directory = tmp_path_factory.mktemp("sealed")
    with CentralSandbox(directory / "server", admin_email=ADMIN, admin_password=password) as server:
        config = CentralConfig(base_url=server.url, username=ADMIN, password=password)
        with CentralClient(config) as client:
            project_id = client.ensure_project("sealed")
        config = config.model_copy(update={"project_id": project_id})
        _, public_key = key_pair()
        with CentralClient(config) as client:
            user = client.ensure_app_user("collect sealed")
        yield SealedServer(server, config, project_id, public_key, str(user.token))


def _deploy(sealed: SealedServer, directory: Path, form_id: str) -> None:
    with CentralClient(sealed.config) as client:
        result = client.deploy_form(write_encrypted_xlsform(directory, form_id, sealed.public_key,
                                                            version=VERSION, entity_list=LIST))
        assert result.action == "created"
        client.assign_form(form_id, client.ensure_app_user("collect sealed").id)


def _submit(sealed: SealedServer, form_id: str, *, with_data: bool = True) -> str:
    """As Collect sends an encrypted form: the envelope, the sealed photo and the sealed XML."""
    envelope = seal(sealed.public_key, form_id, VERSION, media={"photo.jpg": b"\xff\xd8 photo"})
    files = envelope.files if with_data else None  # without: only the envelope has arrived
    with CentralClient(sealed.config) as client:
        result = client.submit_openrosa(envelope.envelope, app_user_token=sealed.token,
                                        attachments=files)
    assert result.status == "created"
    return envelope.instance_id


def _env(sealed: SealedServer, database_url: str, data_dir: Path) -> dict[str, str]:
    return {"ODKSYNC_DATA_DIR": str(data_dir), "DATABASE_URL": database_url,
            "ODK_CENTRAL_URL": sealed.server.url, "ODK_CENTRAL_USERNAME": ADMIN,
            "ODK_CENTRAL_PASSWORD": sealed.config.password.get_secret_value(),
            "ODK_CENTRAL_PROJECT_ID": str(sealed.project_id)}


def test_encrypted_form_syncs_exactly_as_metadata_only(
    sealed: SealedServer, engine: Engine, database_url: str, tmp_path: Path
) -> None:
    form_id = f"sealed_{secrets.token_hex(3)}"
    _deploy(sealed, tmp_path, form_id)
    readable = _submit(sealed, form_id)
    reviewed = _submit(sealed, form_id)
    waiting = _submit(sealed, form_id, with_data=False)
    with CentralClient(sealed.config) as client:
        client.review(form_id, reviewed, "approved")
    env = _env(sealed, database_url, tmp_path / "data")

    done = odksync("sync", "--form", form_id, cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    notices = [line for line in done.stderr.splitlines() if f"Form {form_id} is encrypted" in line]
    assert len(notices) == 1  # said once per sync, naming the form, what is lost and what to do
    assert all(w in notices[0] for w in ("3 submission(s)", "metadata only", "attachments",
                                         "entities", "private key", "without encryption"))

    with Session(engine) as session:
        rows = {r.submission_id: r for r in session.exec(select(Submission).where(
            col(Submission.form_id) == form_id))}
        payloads = [v.payload for v in session.exec(select(SubmissionVersion).where(
            col(SubmissionVersion.form_id) == form_id))]
        files = session.exec(select(Attachment).where(col(Attachment.form_id) == form_id)).all()
    assert set(rows) == {readable, reviewed, waiting}
    assert all(set(p) == {"__id", "__system"} for p in payloads)  # no field values at all
    assert {p["__system"]["status"] for p in payloads} == {"notDecrypted",
                                                           "missingEncryptedFormData"}
    assert rows[reviewed].review_state == "approved" and rows[readable].review_state is None
    assert all([i["code"] for i in r.issues] == ["not_decrypted"] and not r.has_errors
               for r in rows.values())
    assert rows[readable].attachments_expected == 2 and rows[readable].attachments_present == 2
    assert files == []  # sealed .enc files are never downloaded
    store = tmp_path / "data" / "attachments"
    assert not store.exists() or not [p for p in store.rglob("*") if p.is_file()]

    # Central makes no entity from a sealed submission, though the form declares an entity list.
    sealed.server.drain_entity_queue()
    with CentralClient(sealed.config) as client:
        assert client.list_entities(LIST) == []
    assert sealed.server.entity_errors() == []

    status = odksync("status", "--json", cwd=tmp_path, env=env)
    (row,) = [r for r in json.loads(status.stdout)["forms"] if r["form_id"] == form_id]
    assert row["encrypted"] is True and row["metadata_only"] == 3
    assert row["source_count"] == row["warehouse_count"] == 3 and row["in_sync"] is True
    assert row["quarantined"] == 0 and "เข้ารหัส" in row["note"] and "metadata only" in row["note"]
    table = odksync("status", cwd=tmp_path, env=env)
    assert "3 metadata only" in table.stdout and "แบบฟอร์มนี้มีการเข้ารหัส" in table.stdout

    # A delete and a review still sync exactly, as new versions of metadata-only rows.
    with CentralClient(sealed.config) as client:
        client.delete_submission(form_id, waiting)
        client.review(form_id, readable, "hasIssues")
    again = odksync("sync", "--form", form_id, cwd=tmp_path, env=env)
    assert again.returncode == 0, again.stderr
    with Session(engine) as session:
        after = {r.submission_id: r for r in session.exec(select(Submission).where(
            col(Submission.form_id) == form_id))}
    assert after[waiting].deleted_at is not None
    assert after[readable].review_state == "hasIssues" and after[readable].version_count == 2
    (row,) = [r for r in json.loads(odksync("status", "--json", cwd=tmp_path, env=env).stdout)[
        "forms"] if r["form_id"] == form_id]
    assert row["metadata_only"] == 2 and row["deleted"] == 1
    assert row["source_count"] == row["warehouse_count"] == 2 and row["in_sync"] is True


def test_plain_form_status_is_not_encrypted(
    sealed: SealedServer, engine: Engine, database_url: str, tmp_path: Path
) -> None:
    from tests.contract.central_contract import submission_xml, write_xlsform

    form_id = f"plain_{secrets.token_hex(3)}"
    with CentralClient(sealed.config) as client:
        client.deploy_form(write_xlsform(tmp_path, form_id, version=VERSION))
        client.submit_rest(form_id, submission_xml(form_id, version=VERSION))
    env = _env(sealed, database_url, tmp_path / "data")
    done = odksync("sync", "--form", form_id, cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert "is encrypted" not in done.stderr
    (row,) = [r for r in json.loads(odksync("status", "--json", cwd=tmp_path, env=env).stdout)[
        "forms"] if r["form_id"] == form_id]
    assert row["encrypted"] is False and row["metadata_only"] == 0 and row["note"] is None
