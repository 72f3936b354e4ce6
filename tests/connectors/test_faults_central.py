"""The Central client under every injected fault, over real HTTP: reads come out exact, safe
requests are sent again, and writes that are not safe to repeat are never sent twice."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import pytest
import requests
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from connectors.central.client import CentralClient
from connectors.central.config import CentralConfig
from connectors.central.errors import CentralAnswerCut, CentralError
from connectors.http import BodyCut, Resend, whole_answer
from orchestration.pipeline import sync_central
from sandbox.central import CentralSandbox
from tests.contract.central_contract import start_sandbox, unique_form_id, write_xlsform
from warehouse.content_store import ContentStore
from warehouse.models import Attachment, Submission

PHOTO = "photo.jpg"
CUTS = ("drop", "drop_after_headers", "truncate", "cut_chunked", "cut_unframed")
# (kind, status) pairs: every kind of fault the local server injects.
EVERY_FAULT = [("status", 500), ("status", 503), ("status", 429), ("delay", None),
               *[(kind, None) for kind in CUTS]]
Row = tuple[str, str | None, str | None]  # __id, current instanceID, review state


@dataclass
class World:
    server: CentralSandbox
    config: CentralConfig
    form_id: str  # 9 submissions (edited, reviewed, one deleted), photos with most
    writes: str  # a form for the write tests, each on its own submission
    truth: list[Row]
    deleted: list[str]
    photos: dict[str, bytes]  # the photo of each live submission whose photo Central holds


def _xml(form_id: str, instance_id: str, *, name: str = "เด็ก", deprecated: str | None = None) -> bytes:
    meta = f"<deprecatedID>{deprecated}</deprecatedID>" if deprecated else ""
    return (f'<?xml version="1.0"?><data id="{form_id}" version="2026113001"><name>{name}</name>'
            f"<age>9</age><photo>{PHOTO}</photo><meta>{meta}<instanceID>{instance_id}</instanceID>"
            "</meta></data>").encode()


def _rows(client: CentralClient, form_id: str, *, filter: str | None = None) -> list[Row]:
    return [(s.id, (s.data.get("meta") or {}).get("instanceID"), s.system.review_state)
            for page in client.iter_submission_pages(form_id, filter=filter, expand=False)
            for s in page.submissions]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    directory = tmp_path_factory.mktemp("faults")
    server, config = start_sandbox(directory / "server")
    config = config.model_copy(update={"max_retries": 3, "backoff_factor": 0.01, "page_size": 3})
    try:
        with CentralClient(config) as client:
            form_id, writes = unique_form_id("faults"), unique_form_id("writes")
            for each in (form_id, writes):
                client.deploy_form(write_xlsform(directory, each,
                                                 extra_fields=(("image", "photo", "รูป / Photo"),)))
            user = client.ensure_app_user(f"faults {uuid.uuid4().hex[:6]}")
            client.assign_form(form_id, user.id)
            photos, roots = {}, []
            for n in range(9):
                root = f"uuid:{uuid.uuid4()}"
                photos[root] = hashlib.sha256(root.encode()).digest() * (300 + 97 * n)
                client.submit_openrosa(_xml(form_id, root, name=f"เด็ก {n}"),
                                       app_user_token=user.token or "",
                                       attachments={PHOTO: photos[root]} if n % 4 else None)
                roots.append(root)
            for root in roots[:3]:
                client.edit_submission(form_id, root, _xml(form_id, f"uuid:{uuid.uuid4()}",
                                                           deprecated=root))
            client.review(form_id, roots[3], "approved")
            client.review(form_id, roots[4], "hasIssues")
            client.delete_submission(form_id, roots[5])
            truth = _rows(client, form_id)
            held = {root: photos[root] for root, _, _ in truth
                    if any(a.exists for a in client.list_attachments(form_id, root))}
            assert len(truth) == 8 and len(held) >= 3
            yield World(server, config, form_id, writes, truth, [roots[5]], held)
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def no_faults_left(world: World) -> Iterator[None]:
    world.server.faults.clear()
    yield
    world.server.faults.clear()


def _fault(world: World, kind: str, status: int | None, pattern: str, *, method: str = "GET",
           times: int = 2, after: int = 0, applied: bool = True) -> None:
    world.server.faults.add(method=method, path_pattern=pattern, kind=kind, status=status,
                            times=times, after=after, retry_after=0 if status == 429 else None,
                            delay_seconds=0.05 if kind == "delay" else 0.0, applied=applied)


@pytest.mark.parametrize(("kind", "status"), EVERY_FAULT)
def test_the_feed_comes_out_exact(world: World, kind: str, status: int | None) -> None:
    """The second page's answer breaks twice; the client asks again and misses or doubles nothing."""
    _fault(world, kind, status, r"\.svc/Submissions", after=1)
    with CentralClient(world.config) as client:
        rows = _rows(client, world.form_id)
        assert len(world.server.faults.fired) == 2
        _fault(world, kind, status, r"\.svc/Submissions")
        deleted = [row[0] for row in _rows(client, world.form_id, filter="__system/deletedAt ne null")]
        _fault(world, kind, status, r"\.svc/Submissions")
        count = client.count_submissions(world.form_id)
    assert rows == world.truth and deleted == world.deleted and count == len(world.truth)
    # A delay is no failure: it slows one answer and the next request goes through untouched.
    assert len(world.server.faults.fired) == (4 if kind == "delay" else 6)


@pytest.mark.parametrize("kind", CUTS)
def test_a_sync_under_faults_equals_the_server(world: World, engine: Engine, tmp_path: Path,
                                               kind: str) -> None:
    """Feed, delete sweep and photo downloads each broken twice: the warehouse is still exact."""
    store = ContentStore(tmp_path / "attachments")
    _fault(world, kind, None, r"\.svc/Submissions", after=1, times=2)
    _fault(world, kind, None, r"/attachments/photo\.jpg$", times=2)
    with CentralClient(world.config) as client:
        sync_central(client, int(str(world.config.project_id)), engine, form_ids=[world.form_id],
                     attachments=store)
    assert len(world.server.faults.fired) == 4
    with Session(engine) as session:
        subs = session.exec(select(Submission).where(col(Submission.form_id) == world.form_id)).all()
        files = session.exec(select(Attachment).where(col(Attachment.form_id) == world.form_id)).all()
    current = sorted((s.submission_id, s.instance_id, s.review_state) for s in subs if s.deleted_at is None)
    assert current == sorted(world.truth)
    assert [s.submission_id for s in subs if s.deleted_at is not None] == world.deleted
    present = {a.submission_id: a.sha256 for a in files if a.state == "present"}
    # Every photo Central holds arrived whole, once.
    assert present == {root: hashlib.sha256(photo).hexdigest() for root, photo in world.photos.items()}
    assert all(store.verify(digest) for digest in present.values())
    assert not list((tmp_path / "attachments" / "incoming").iterdir())  # no .part left behind


@pytest.mark.parametrize("kind", CUTS)
def test_a_cut_download_is_fetched_again_and_never_kept_short(world: World, tmp_path: Path,
                                                              kind: str) -> None:
    root = next(iter(world.photos))
    dest = tmp_path / "photo.jpg"
    _fault(world, kind, None, r"/attachments/photo\.jpg$", times=3)
    with CentralClient(world.config) as client:
        done = client.download_attachment(world.form_id, root, PHOTO, dest)
    assert dest.read_bytes() == world.photos[root] and done.size == len(world.photos[root])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["photo.jpg"]
    # With the retries used up the download fails, and nothing short is left in place.
    _fault(world, kind, None, r"/attachments/photo\.jpg$", times=10)
    config = world.config.model_copy(update={"max_retries": 1})
    with CentralClient(config) as client, pytest.raises(CentralError):
        client.download_attachment(world.form_id, root, PHOTO, tmp_path / "again.jpg")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["photo.jpg"]


def test_lasting_cuts_stop_after_the_retries(world: World) -> None:
    _fault(world, "truncate", None, r"\.svc/Submissions", times=50)
    with CentralClient(world.config) as client, pytest.raises(CentralAnswerCut) as caught:
        client.count_submissions(world.form_id)
    assert len(world.server.faults.fired) == 4  # once, then max_retries (3) more
    assert "broke off its answer to GET" in str(caught.value) and "4 times" in str(caught.value)


def _posts(world: World, since: int, method: str, path_end: str) -> int:
    """How many `method` requests the server received for a path ending so (ids are quoted)."""
    return sum(1 for r in world.server.request_log[since:] if r.method == method
               and unquote(r.path).endswith(path_end))


@pytest.mark.parametrize(("kind", "applied"),
                         [("drop", True), ("drop", False), ("drop_after_headers", True),
                          ("truncate", True), ("cut_chunked", True), ("cut_unframed", True),
                          ("status", False)])
def test_a_rest_submission_is_never_sent_twice(world: World, kind: str, applied: bool) -> None:
    root = f"uuid:{uuid.uuid4()}"
    since = len(world.server.request_log)
    _fault(world, kind, 503 if kind == "status" else None, r"/submissions$", method="POST",
           times=5, applied=applied)
    with CentralClient(world.config) as client:
        client.login()
        with pytest.raises(CentralError) as caught:
            client.submit_rest(world.writes, _xml(world.writes, root))
        world.server.faults.clear()
        held = client.get_submission(world.writes, root)
    assert _posts(world, since, "POST", "/submissions") == 1
    assert (held is not None) is applied
    if kind != "status":
        assert "may have taken effect, so it was not sent again" in str(caught.value)


@pytest.mark.parametrize("kind", CUTS)
def test_a_review_is_never_sent_twice(world: World, kind: str) -> None:
    root = f"uuid:{uuid.uuid4()}"
    with CentralClient(world.config) as client:
        client.submit_rest(world.writes, _xml(world.writes, root))
        since = len(world.server.request_log)
        _fault(world, kind, None, r"/submissions/uuid", method="PATCH", times=5)
        with pytest.raises(CentralError, match="may have taken effect"):
            client.review(world.writes, root, "rejected")
        world.server.faults.clear()
        held = client.get_submission(world.writes, root)
    assert _posts(world, since, "PATCH", root) == 1
    assert held is not None and held.review_state == "rejected"


@pytest.mark.parametrize("kind", CUTS)
def test_an_edit_is_resent_and_lands_once(world: World, kind: str) -> None:
    root, second = f"uuid:{uuid.uuid4()}", f"uuid:{uuid.uuid4()}"
    with CentralClient(world.config) as client:
        client.submit_rest(world.writes, _xml(world.writes, root))
        since = len(world.server.request_log)
        _fault(world, kind, None, r"/submissions/uuid", method="PUT", times=1)
        done = client.edit_submission(world.writes, root, _xml(world.writes, second, deprecated=root))
        assert done.current_version is not None and done.current_version.instance_id == second
        assert len(client.list_versions(world.writes, root)) == 2
    assert _posts(world, since, "PUT", root) == 2


@pytest.mark.parametrize("kind", CUTS)
def test_delete_and_restore_are_resent_and_done_once(world: World, kind: str) -> None:
    root = f"uuid:{uuid.uuid4()}"
    with CentralClient(world.config) as client:
        client.submit_rest(world.writes, _xml(world.writes, root))
        _fault(world, kind, None, r"/submissions/uuid", method="DELETE", times=1)
        client.delete_submission(world.writes, root)
        assert client.get_submission(world.writes, root) is None
        _fault(world, kind, None, r"/restore$", method="POST", times=1)
        client.restore_submission(world.writes, root)
        assert client.get_submission(world.writes, root) is not None
        with pytest.raises(CentralError) as caught:  # a restore with no resend: 404 is an error
            client.restore_submission(world.writes, root)
    assert caught.value.status_code == 404


def test_whole_answer_backs_off_and_obeys_retry_after(world: World) -> None:
    """The waits between resends, recorded instead of slept: backoff × 2ⁿ, then bounded."""
    url = f"{world.server.url}/v1/projects"
    world.server.faults.add(method="GET", path_pattern="/v1/projects$", kind="truncate", times=10)
    waits: list[float] = []
    with requests.Session() as http, pytest.raises(BodyCut):
        whole_answer(lambda: http.get(url, stream=True), repeatable=True,
                     resend=Resend(retries=3, backoff_factor=0.5), sleep=waits.append)
    assert waits == [0.5, 1.0, 2.0]
    with requests.Session() as http, pytest.raises(BodyCut):  # not repeatable: sent once
        whole_answer(lambda: http.get(url, stream=True), repeatable=False,
                     resend=Resend(retries=3, backoff_factor=0.5), sleep=waits.append)
    assert len(waits) == 3 and len(world.server.faults.fired) == 5


def test_a_429_waits_as_retry_after_says_before_resending(world: World) -> None:
    retry_after = Resend(retries=1, backoff_factor=9.0)
    answer = requests.Response()
    answer.headers["Retry-After"] = "2"
    assert retry_after.wait(0, answer) == 2.0
    answer.headers["Retry-After"] = "Wed, 21 Oct 2015 07:28:00 GMT"  # a date gone by: at once
    assert retry_after.wait(0, answer) == 0.0
    assert retry_after.wait(1, None) == 18.0
