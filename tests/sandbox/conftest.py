"""A started sandbox per test (in tmp_path, port 0), an admin session, a project and a form."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from sandbox.central import CentralSandbox
from tests.sandbox.central_helpers import login, start, visit_form


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[CentralSandbox]:
    sb = start(tmp_path / "central", domain="https://central.example.org")
    yield sb
    sb.stop()


@pytest.fixture
def admin(sandbox: CentralSandbox) -> requests.Session:
    return login(sandbox)


@pytest.fixture
def project(sandbox: CentralSandbox, admin: requests.Session) -> int:
    answer = admin.post(f"{sandbox.url}/v1/projects", json={"name": "Region 1"})
    answer.raise_for_status()
    return int(answer.json()["id"])


@pytest.fixture
def form(sandbox: CentralSandbox, admin: requests.Session, project: int) -> str:
    answer = admin.post(f"{sandbox.url}/v1/projects/{project}/forms?publish=true",
                        data=visit_form(), headers={"Content-Type": "application/xml"})
    answer.raise_for_status()
    return "visit"
