"""Dagster: raw/central_attachments holds each form's media once, and a cut-off pass resumes."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from pathlib import Path

import dagster as dg
import pytest
from sqlmodel import Session, col, select

from connectors.central.client import CentralClient
from connectors.central.config import CentralConfig
from orchestration.assets.attachments import central_attachments
from orchestration.assets.raw import central_submissions
from orchestration.definitions import defs
from orchestration.resources import CentralResource, WarehouseResource, settings_resource
from sandbox.central import CentralSandbox
from tests.contract.central_contract import write_xlsform
from tests.contract.test_central_submission_admin import PHOTO, photo_xml
from warehouse.content_store import ContentStore
from warehouse.models import Attachment

ADMIN = "admin@odksync.local"
FORM = "home_visit"  # a programme form id, so that it is one of the assets' partitions


def test_attachments_asset_is_downstream_of_submissions_and_partitioned_alike() -> None:
    graph = defs.get_repository_def().asset_graph
    key = dg.AssetKey(["raw", "central_attachments"])
    assert dg.AssetKey(["raw", "central_submissions"]) in graph.get(key).parent_keys
    assert defs.get_assets_def(key).partitions_def == \
        defs.get_assets_def(dg.AssetKey(["raw", "central_submissions"])).partitions_def


def test_a_cut_off_attachments_pass_resumes_with_the_files_still_lacking(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    password = secrets.token_urlsafe(16)
    with CentralSandbox(tmp_path / "server", admin_email=ADMIN, admin_password=password) as server:
        config = CentralConfig(base_url=server.url, username=ADMIN, password=password)
        with CentralClient(config) as client:
            project_id = client.ensure_project("media")
        config = config.model_copy(update={"project_id": project_id})
        photos = [secrets.token_bytes(2048 + i) for i in range(4)]
        with CentralClient(config) as client:
            client.deploy_form(write_xlsform(tmp_path, FORM, extra_fields=(
                ("image", "photo", "รูปถ่าย / Photo"),)))
            user = client.ensure_app_user("collect media")
            client.assign_form(FORM, user.id)
            for content in photos:
                client.submit_openrosa(photo_xml(FORM, f"uuid:{uuid.uuid4()}", name="เด็กชาย ภาพ"),
                                       app_user_token=str(user.token), attachments={PHOTO: content})
        monkeypatch.setenv("ODK_CENTRAL_URL", server.url)
        monkeypatch.setenv("ODK_CENTRAL_USERNAME", ADMIN)
        monkeypatch.setenv("ODK_CENTRAL_PASSWORD", password)
        monkeypatch.setenv("ODK_CENTRAL_PROJECT_ID", str(project_id))
        monkeypatch.delenv("DATABASE_URL", raising=False)
        settings = settings_resource(data_dir=str(tmp_path / "data"))
        resources = {"settings": settings, "warehouse": WarehouseResource(config=settings),
                     "central": CentralResource(config=settings)}
        assert dg.materialize([central_submissions], partition_key=FORM, resources=resources).success

        # The server fails every download after the second: the pass stops midway.
        server.faults.add(method="GET", path_pattern=r"/attachments/photo\.jpg$", status=500,
                          times=1000, after=2)
        cut = dg.materialize([central_attachments], partition_key=FORM, resources=resources,
                             raise_on_error=False)
        assert not cut.success
        engine = WarehouseResource(config=settings).engine()
        with Session(engine) as session:
            held = session.exec(select(Attachment).where(col(Attachment.form_id) == FORM,
                                                         col(Attachment.state) == "present")).all()
        assert len(held) == 2  # what was fetched before the cut is kept

        server.faults.clear()
        server.clear_request_log()
        done = dg.materialize([central_attachments], partition_key=FORM, resources=resources)
        downloads = [r for r in server.request_log
                     if r.path.endswith("/attachments/photo.jpg") and r.status == 200]
    assert done.success and len(downloads) == 2  # only the files still lacking
    (materialization,) = done.asset_materializations_for_node("raw__central_attachments")
    metadata = {k: v.value for k, v in materialization.metadata.items()}
    assert metadata["expected"] == 4 and metadata["present"] == 4 and metadata["missing"] == 0
    assert metadata["bytes"] == sum(len(p) for p in photos)
    store = ContentStore(tmp_path / "data" / "attachments")
    assert all(store.verify(hashlib.sha256(p).hexdigest()) for p in photos)
