"""Contract-test fixtures: a real ODK Central when ODK_CENTRAL_* are set, else the local sandbox."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from connectors.central.client import CentralClient
from connectors.central.config import CentralConfig
from tests.contract.central_contract import (
    Target,
    real_central_config,
    start_sandbox,
    unique_form_id,
    write_xlsform,
)


@pytest.fixture(scope="session")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    real = real_central_config()
    if real is not None:
        yield Target(config=real, sandbox=None)
        return
    server, config = start_sandbox(tmp_path_factory.mktemp("central"))
    try:
        yield Target(config=config, sandbox=server)
    finally:
        server.stop()


@pytest.fixture(scope="session")
def central_config(target: Target) -> CentralConfig:
    """The config for the server under test (a real Central or the sandbox), with a project."""
    return target.config


@pytest.fixture
def client(central_config: CentralConfig) -> Iterator[CentralClient]:
    with CentralClient(central_config) as c:
        yield c


@pytest.fixture
def deployed_form(client: CentralClient, tmp_path: Path) -> Callable[..., str]:
    """Deploy a fresh uniquely named form and return its id."""

    def deploy(prefix: str = "contract", **options: Any) -> str:
        form_id = unique_form_id(prefix)
        result = client.deploy_form(write_xlsform(tmp_path, form_id, **options))
        assert result.action == "created"
        return form_id

    return deploy
