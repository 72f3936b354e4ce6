"""Property: after any sequence of creates, edits, reviews, deletes, restores and faults, with syncs
in between, one more sync leaves the warehouse exactly equal to the server.

Faults of every kind the local server injects (error statuses, delays, dropped connections,
answers cut after their headers or mid-body, framed or not) meet the syncs' requests: a seeded
share of them at random, plus lasting faults the sequence adds. Everything is drawn from the
sequence's seed, so a failing sequence fails the same way again.
"""

from __future__ import annotations

import contextlib
import random
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from connectors.central.client import CentralClient
from connectors.central.config import CentralConfig
from connectors.central.errors import CentralError
from connectors.xlsform import convert
from orchestration.pipeline import CentralSource
from sandbox.central import CentralSandbox
from sandbox.common.faults import KINDS
from tests.contract.central_contract import write_xlsform
from warehouse.models import Submission
from warehouse.sync import sync_form

SEQUENCES = 100  # per database: 200 in all, on SQLite and PostgreSQL
RANDOM_FAULT_RATE = 0.12  # the share of the syncs' requests that meet a random fault
REVIEW_STATES = ("approved", "hasIssues", "rejected")


@dataclass
class World:
    server: CentralSandbox
    config: CentralConfig
    http: requests.Session
    xform: str  # a tiny form's XForm, its id to be replaced per sequence
    base: str = ""


@dataclass
class FormState:
    """What the test did to one form: logical id → current instanceID, and which are deleted."""

    form_id: str
    current: dict[str, str] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    password = secrets.token_urlsafe(16)
    directory: Path = tmp_path_factory.mktemp("property")
    xform = convert(write_xlsform(directory, "prop_template")).xml
    with CentralSandbox(directory / "server", admin_password=password) as server:
        config = CentralConfig(base_url=server.url, username="admin@odksync.local",
                               password=password, backoff_factor=0.01, max_retries=3, page_size=7)
        with CentralClient(config) as client:
            project = client.ensure_project("property")
        http = requests.Session()
        token = http.post(f"{server.url}/v1/sessions", timeout=30,
                          json={"email": config.username, "password": password}).json()["token"]
        http.headers["Authorization"] = f"Bearer {token}"
        world = World(server, config.model_copy(update={"project_id": project}), http, xform)
        world.base = f"{server.url}/v1/projects/{project}/forms"
        yield world


def _xml(form_id: str, instance_id: str, rng: random.Random, deprecated: str | None = None) -> bytes:
    meta = f"<instanceID>{instance_id}</instanceID>"
    if deprecated:
        meta += f"<deprecatedID>{deprecated}</deprecatedID>"
    return (f'<data id="{form_id}" version="2026113001"><name>เด็ก {rng.randint(1, 999)}</name>'
            f"<age>{rng.randint(0, 25)}</age><meta>{meta}</meta></data>").encode()


def _ok(response: requests.Response) -> None:
    assert response.status_code < 300, (response.status_code, response.text[:300])


def _new_id(rng: random.Random) -> str:
    return f"uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}"


def _sync_requests(form_id: str) -> str:
    """What the syncs send and the test's own writes do not: the form's feeds and the login."""
    return rf"{form_id}\.svc/|/v1/sessions$"


def _step(world: World, state: FormState, rng: random.Random, engine: Engine) -> None:
    live = sorted(set(state.current) - state.deleted)
    action = rng.choices(["create", "edit", "review", "delete", "restore", "fault", "sync"],
                         weights=[5, 3, 2, 1, 1, 1, 2])[0]
    url = f"{world.base}/{state.form_id}/submissions"
    headers = {"Content-Type": "application/xml"}
    if action == "create" or (action in ("edit", "review", "delete") and not live):
        instance_id = _new_id(rng)
        _ok(world.http.post(url, data=_xml(state.form_id, instance_id, rng), headers=headers,
                            timeout=30))
        state.current[instance_id] = instance_id
    elif action == "edit":
        logical = rng.choice(live)
        new = _new_id(rng)
        _ok(world.http.put(f"{url}/{logical}", headers=headers, timeout=30,
                           data=_xml(state.form_id, new, rng, deprecated=state.current[logical])))
        state.current[logical] = new
    elif action == "review":
        _ok(world.http.patch(f"{url}/{rng.choice(live)}", timeout=30,
                             json={"reviewState": rng.choice(REVIEW_STATES)}))
    elif action == "delete":
        logical = rng.choice(live)
        _ok(world.http.delete(f"{url}/{logical}", timeout=30))
        state.deleted.add(logical)
    elif action == "restore" and state.deleted:
        logical = rng.choice(sorted(state.deleted))
        _ok(world.http.post(f"{url}/{logical}/restore", timeout=30))
        state.deleted.discard(logical)
    elif action == "fault":
        # Transient faults are retried by the client; a lasting one makes a sync fail midway.
        status = rng.choice([500, 503, 429])
        world.server.faults.add(method="GET", path_pattern=rf"{state.form_id}\.svc/Submissions",
                                kind=rng.choice(KINDS), status=status, times=rng.choice([1, 1, 9]),
                                after=rng.randint(0, 2), retry_after=0 if status != 500 else None,
                                delay_seconds=0.01, applied=rng.random() < 0.5,
                                keep=rng.uniform(0.0, 0.9))
    elif action == "sync":
        with contextlib.suppress(CentralError):  # a lasting fault: the next sync must still be exact
            _sync(world, state, engine)


def _sync(world: World, state: FormState, engine: Engine) -> None:
    with CentralClient(world.config) as client, Session(engine) as session:
        sync_form(CentralSource(client, int(str(world.config.project_id))), session=session,
                  source="central", project_id=str(world.config.project_id),
                  form_id=state.form_id)


def _server_truth(world: World, form_id: str) -> dict[str, tuple[str | None, str | None, bool]]:
    """Logical id → (current instanceID, review state, deleted) as the server says."""
    truth = {}
    with CentralClient(world.config) as client:
        for deleted, window in ((False, None), (True, "__system/deletedAt ne null")):
            for page in client.iter_submission_pages(form_id, filter=window, expand=False):
                for s in page.submissions:
                    meta = s.data.get("meta") or {}
                    truth[s.id] = (meta.get("instanceID"), s.system.review_state, deleted)
    return truth


def _warehouse(engine: Engine, form_id: str) -> dict[str, tuple[str | None, str | None, bool]]:
    with Session(engine) as session:
        rows = session.exec(select(Submission).where(col(Submission.form_id) == form_id)).all()
    return {r.submission_id: (r.instance_id, r.review_state, r.deleted_at is not None) for r in rows}


def test_random_histories_end_exactly_equal_to_the_server(world: World, engine: Engine) -> None:
    label = engine.dialect.name
    met: set[str] = set()  # the kinds of fault the syncs met
    for sequence in range(SEQUENCES):
        seed = f"{label}-{sequence}"
        rng = random.Random(seed)
        form_id = f"prop_{label[:2]}_{sequence}"
        _ok(world.http.post(f"{world.base}?publish=true", timeout=30,
                            data=world.xform.replace("prop_template", form_id).encode(),
                            headers={"Content-Type": "application/xml"}))
        state = FormState(form_id)
        world.server.faults.add_random(seed, RANDOM_FAULT_RATE, path_pattern=_sync_requests(form_id),
                                       delay_seconds=0.01)
        try:
            for _ in range(rng.randint(6, 18)):
                _step(world, state, rng, engine)
        finally:
            met.update(fired.kind for fired in world.server.faults.fired)
            world.server.faults.clear()
        _sync(world, state, engine)
        truth = _server_truth(world, form_id)
        assert set(truth) == set(state.current), f"sequence {sequence}: the test lost track"
        assert _warehouse(engine, form_id) == truth, f"sequence {sequence} ({form_id})"
    assert met == set(KINDS), f"the syncs never met {sorted(set(KINDS) - met)}"
