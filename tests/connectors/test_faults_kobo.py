"""The Kobo client under every injected fault, over real HTTP: the data feed comes out exact and
OpenRosa submissions (which Kobo takes once per instanceID) are never doubled."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import SecretStr

from connectors.kobo import KoboClient, KoboConfig, KoboError
from sandbox.kobo import KoboSandbox
from tests.contract.kobo_contract import kobo_submission_xml, unique_form_id, xlsform

CUTS = ("drop", "drop_after_headers", "truncate", "cut_chunked", "cut_unframed")
EVERY_FAULT = [("status", 500), ("status", 503), ("status", 429), ("delay", None),
               *[(kind, None) for kind in CUTS]]


@dataclass
class World:
    server: KoboSandbox
    config: KoboConfig
    uid: str
    formhub: str | None
    sent: list[str]  # instanceIDs in submission order


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    directory = tmp_path_factory.mktemp("kobo_faults")
    token = secrets.token_urlsafe(16)
    with KoboSandbox(directory / "server", token=token) as server:
        config = KoboConfig(base_url=server.url, token=SecretStr(token), max_retries=3,
                            backoff_factor=0.01)
        with KoboClient(config) as kobo:
            deployed = kobo.deploy_form(xlsform(directory, unique_form_id("faults")))
            info = kobo.get_asset(str(deployed.uid))
            sent = [f"uuid:{uuid.uuid4()}" for _ in range(8)]
            for n, instance_id in enumerate(sent):
                kobo.submit_openrosa(kobo_submission_xml(info.uid, info.deployment_uuid, age=n,
                                                         instance_id=instance_id))
        yield World(server, config, info.uid, info.deployment_uuid, sent)


@pytest.fixture(autouse=True)
def no_faults_left(world: World) -> Iterator[None]:
    world.server.faults.clear()
    yield
    world.server.faults.clear()


def _fault(world: World, kind: str, status: int | None, pattern: str, *, method: str = "GET",
           times: int = 2, after: int = 0) -> None:
    world.server.faults.add(method=method, path_pattern=pattern, kind=kind, status=status,
                            times=times, after=after, retry_after=0 if status == 429 else None,
                            delay_seconds=0.05 if kind == "delay" else 0.0)


def _feed(kobo: KoboClient, world: World) -> list[str]:
    return [row["meta/instanceID"] for page in kobo.iter_submission_pages(world.uid, limit=3)
            for row in page.results]


@pytest.mark.parametrize(("kind", "status"), EVERY_FAULT)
def test_the_data_feed_comes_out_exact(world: World, kind: str, status: int | None) -> None:
    """The second page's answer breaks twice; the pull asks again, missing and doubling nothing."""
    _fault(world, kind, status, r"/data/", after=1)
    with KoboClient(world.config) as kobo:
        rows = _feed(kobo, world)
        _fault(world, kind, status, r"/data/")
        count = kobo.count_submissions(world.uid)
        _fault(world, kind, status, r"/api/v2/assets/(\?|$)")
        assets = [a.uid for a in kobo.list_assets()]
    assert rows == world.sent[: len(rows)] and len(rows) == len(world.sent) == count
    assert world.uid in assets
    assert len(world.server.faults.fired) == (4 if kind == "delay" else 6)


@pytest.mark.parametrize("kind", CUTS)
def test_lasting_cuts_stop_after_the_retries(world: World, kind: str) -> None:
    _fault(world, kind, None, r"/data/", times=50)
    with KoboClient(world.config) as kobo, pytest.raises(KoboError) as caught:
        _feed(kobo, world)
    assert len(world.server.faults.fired) == 4  # once, then max_retries (3) more
    assert f"KoboToolbox at {world.config.base_url}" in str(caught.value)


@pytest.mark.parametrize("kind", CUTS)
def test_an_openrosa_submission_is_resent_and_stored_once(world: World, kind: str) -> None:
    """Kobo takes an instanceID once (a repeat is 202 Duplicate), so the post is safe to resend."""
    instance_id = f"uuid:{uuid.uuid4()}"
    _fault(world, kind, None, r"/submission$", method="POST", times=1)
    with KoboClient(world.config) as kobo:
        result = kobo.submit_openrosa(kobo_submission_xml(world.uid, world.formhub,
                                                          instance_id=instance_id))
        world.server.faults.clear()
        rows = _feed(kobo, world)
    assert result.status in ("created", "duplicate")
    assert rows.count(instance_id) == 1
    world.sent.append(instance_id)
    assert rows == world.sent


def test_a_write_not_safe_to_repeat_is_sent_once(world: World, tmp_path: Path) -> None:
    """An XLSForm import (POST) whose answer broke off is reported, not sent again."""
    _fault(world, "truncate", None, r"/api/v2/imports/$", method="POST", times=5)
    before = len(world.server.request_log)
    with KoboClient(world.config) as kobo, pytest.raises(KoboError, match="may have taken effect"):
        kobo.deploy_form(xlsform(tmp_path, unique_form_id("once")))
    posts = [r for r in world.server.request_log[before:]
             if r.method == "POST" and r.path == "/api/v2/imports/"]
    assert len(posts) == 1
