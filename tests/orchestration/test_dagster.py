"""Dagster: the definitions load, and materialising the raw asset writes the server's rows."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
from sqlmodel import Session, func, select

from orchestration.assets.raw import central_submissions
from orchestration.definitions import defs
from orchestration.resources import CentralResource, WarehouseResource, settings_resource
from tests.support.local_central import ADMIN, LocalCentral
from warehouse.models import Submission


def test_definitions_load_with_the_raw_asset_partitioned_by_form() -> None:
    repository = defs.get_repository_def()
    key = dg.AssetKey(["raw", "central_submissions"])
    assert key in repository.asset_graph.get_all_asset_keys()
    partitions = defs.get_assets_def(key).partitions_def
    assert partitions is not None
    assert "child_registration" in partitions.get_partition_keys()


def test_materialising_the_raw_asset_writes_rows(
    central: LocalCentral, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ODK_CENTRAL_URL", central.server.url)
    monkeypatch.setenv("ODK_CENTRAL_USERNAME", ADMIN)
    monkeypatch.setenv("ODK_CENTRAL_PASSWORD", central.config.password.get_secret_value())
    monkeypatch.setenv("ODK_CENTRAL_PROJECT_ID", str(central.project_id))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    from tests.integration.test_sync import _submit

    _submit(central, 4, seed=40)
    settings = settings_resource(data_dir=str(tmp_path))
    result = dg.materialize(
        [central_submissions], partition_key="child_registration",
        resources={"settings": settings, "warehouse": WarehouseResource(config=settings),
                   "central": CentralResource(config=settings)},
    )
    assert result.success
    (materialization,) = result.asset_materializations_for_node("raw__central_submissions")
    metadata = materialization.metadata
    assert metadata["in_sync"].value is True and metadata["fetched"].value >= 4
    engine = WarehouseResource(config=settings).engine()
    with Session(engine) as session:
        assert session.exec(select(func.count()).select_from(Submission)).one() >= 4
