"""A sync killed with SIGKILL at random points is completed exactly by the next sync."""

from __future__ import annotations

import json
import os
import random
import secrets
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from connectors.central.client import CentralClient
from connectors.central.config import CentralConfig
from orchestration.pipeline import deploy_forms, sync_central
from sandbox.central import CentralSandbox
from simulation.generator import generate_children, registration_xml
from warehouse.models import Submission, SubmissionVersion

FORM = "child_registration"
TRIALS = 12  # per database: 24 kills in all, on SQLite and PostgreSQL
REPO = Path(__file__).resolve().parents[2]

# The sync under test runs in a child process so that it can be SIGKILLed like a real crash.
DRIVER = """
import json, os, sys
from pydantic import SecretStr
from connectors.central.client import CentralClient
from connectors.central.config import CentralConfig
from orchestration.pipeline import sync_central
from warehouse.db import make_engine
spec = json.loads(sys.stdin.readline())
config = CentralConfig(base_url=spec["url"], username=spec["user"], password=SecretStr(spec["password"]),
                       project_id=spec["project"], page_size=25)
engine = make_engine(spec["database"])
print("started", flush=True)
with CentralClient(config) as client:
    sync_central(client, spec["project"], engine, form_ids=[spec["form"]])
print("finished", flush=True)
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[CentralSandbox, CentralConfig]]:
    password = secrets.token_urlsafe(16)
    with CentralSandbox(tmp_path_factory.mktemp("crash"), admin_password=password) as sb:
        config = CentralConfig(base_url=sb.url, username="admin@odksync.local", password=password)
        with CentralClient(config) as client:
            project = client.ensure_project("crash")
            deploy_forms(client, project)
        yield sb, config.model_copy(update={"project_id": project})


def _add(config: CentralConfig, count: int, seed: int) -> None:
    with CentralClient(config) as client:
        version = next(str(f.version) for f in client.list_forms() if f.xml_form_id == FORM)
        for child in generate_children(count, seed=seed):
            xml = registration_xml(child, form_version=version, instance_id=f"uuid:{uuid.uuid4()}")
            client.submit_rest(FORM, xml)


def _server_ids(config: CentralConfig) -> set[str]:
    with CentralClient(config) as client:
        return {s.id for page in client.iter_submission_pages(FORM, expand=False)
                for s in page.submissions}


def _kill_midway(spec: dict[str, object], after: float) -> bool:
    """Start the sync, SIGKILL it `after` seconds into its work; True if it was still running."""
    process = subprocess.Popen([sys.executable, "-c", DRIVER], cwd=REPO, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True, env={**os.environ})
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(json.dumps(spec) + "\n")
    process.stdin.flush()
    assert process.stdout.readline().strip() == "started"
    time.sleep(after)
    alive = process.poll() is None
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    return alive


def test_sigkill_at_random_points_is_completed_exactly_by_the_next_sync(
    server: tuple[CentralSandbox, CentralConfig], engine: Engine, database_url: str
) -> None:
    sandbox, config = server
    # Slow every page a little so that the kills land between and inside page writes.
    sandbox.faults.add(method="GET", path_pattern=r"\.svc/Submissions", status=None,
                       times=10_000, delay_seconds=0.15)
    rng = random.Random(20261130)
    spec = {"url": sandbox.url, "user": config.username, "password": config.password_value(),
            "project": config.project_id, "form": FORM, "database": database_url}
    killed_midway = 0
    try:
        for trial in range(TRIALS):
            _add(config, 60, seed=1000 + trial)
            killed_midway += _kill_midway(spec, after=rng.uniform(0.0, 0.9))
            with CentralClient(config) as client:
                (result,) = sync_central(client, int(str(config.project_id)), engine, form_ids=[FORM])
            expected = _server_ids(config)
            with Session(engine) as session:
                held = set(session.exec(select(Submission.submission_id)).all())
                versions = session.exec(select(func.count()).select_from(SubmissionVersion)).one()
                doubled = session.exec(select(func.count()).select_from(Submission).where(
                    col(Submission.version_count) != 1)).one()
            assert held == expected, f"trial {trial}"
            assert versions == len(expected) and doubled == 0, f"trial {trial}: versions doubled"
            assert result.in_sync
    finally:
        sandbox.faults.clear()
    assert killed_midway >= TRIALS // 2  # most kills really interrupted a running sync
