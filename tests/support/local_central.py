"""A started local Central with the programme forms deployed, for pipeline-level tests."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from connectors.central.client import CentralClient
from connectors.central.config import CentralConfig
from orchestration.pipeline import deploy_forms
from sandbox.central import CentralSandbox

ADMIN = "admin@odksync.local"


@dataclass
class LocalCentral:
    server: CentralSandbox
    config: CentralConfig
    project_id: int

    def client(self) -> CentralClient:
        return CentralClient(self.config)


@pytest.fixture(scope="module")
def central(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCentral]:
    password = secrets.token_urlsafe(16)
    state: Path = tmp_path_factory.mktemp("central")
    with CentralSandbox(state, admin_email=ADMIN, admin_password=password) as server:
        config = CentralConfig(base_url=server.url, username=ADMIN, password=password)
        with CentralClient(config) as client:
            project_id = client.ensure_project("odksync-tests")
            deploy_forms(client, project_id)
        yield LocalCentral(server, config.model_copy(update={"project_id": project_id}), project_id)
