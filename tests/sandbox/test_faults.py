"""Injected faults on the wire: each kind breaks the answer as described, and a seed reproduces them."""

from __future__ import annotations

import contextlib
import secrets
from pathlib import Path

import pytest
import requests

from sandbox.central import CentralSandbox
from sandbox.common.faults import KINDS
from sandbox.kobo import KoboSandbox
from tests.sandbox.central_helpers import start


def _projects(sandbox: CentralSandbox, admin: requests.Session) -> list[str]:
    return [p["name"] for p in admin.get(f"{sandbox.url}/v1/projects").json()]


def test_a_drop_closes_before_any_byte(sandbox: CentralSandbox, admin: requests.Session) -> None:
    sandbox.faults.add(method="GET", path_pattern="/v1/projects$", kind="drop")
    with pytest.raises(requests.ConnectionError, match="without response"):
        admin.get(f"{sandbox.url}/v1/projects")
    assert sandbox.request_log[-1].fault == "drop"


@pytest.mark.parametrize("applied", [True, False])
def test_a_dropped_write_took_effect_only_when_applied(
    sandbox: CentralSandbox, admin: requests.Session, applied: bool
) -> None:
    sandbox.faults.add(method="POST", path_pattern="/v1/projects$", kind="drop", applied=applied)
    with pytest.raises(requests.ConnectionError):
        admin.post(f"{sandbox.url}/v1/projects", json={"name": "ภาค 9"})
    assert ("ภาค 9" in _projects(sandbox, admin)) is applied
    assert sandbox.request_log[-2].status == (200 if applied else 0)


@pytest.mark.parametrize(
    ("kind", "framing"),
    [("drop_after_headers", "length"), ("truncate", "length"), ("cut_chunked", "chunked"),
     ("cut_unframed", "none")],
)
def test_body_faults_send_the_headers_then_part_of_the_body(
    sandbox: CentralSandbox, admin: requests.Session, project: int, kind: str, framing: str
) -> None:
    whole = admin.get(f"{sandbox.url}/v1/projects").content
    sandbox.faults.add(method="GET", path_pattern="/v1/projects$", kind=kind, keep=0.5)
    answer = admin.get(f"{sandbox.url}/v1/projects", stream=True)
    assert answer.status_code == 200 and answer.headers["Connection"] == "close"
    assert answer.headers.get("Content-Length") == (str(len(whole)) if framing == "length" else None)
    assert ("Transfer-Encoding" in answer.headers) is (framing == "chunked")
    if framing == "none":  # the body just ends: only its content shows it is short
        assert whole.startswith(answer.content) and len(answer.content) == len(whole) // 2
    else:
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            answer.content  # noqa: B018
    assert admin.get(f"{sandbox.url}/v1/projects").content == whole  # the next answer is whole


def test_an_answer_without_body_is_dropped_instead(sandbox: CentralSandbox,
                                                   admin: requests.Session) -> None:
    sandbox.faults.add(method="HEAD", kind="truncate")
    with pytest.raises(requests.ConnectionError):
        admin.head(f"{sandbox.url}/v1/projects")


def test_status_faults_say_when_to_come_back(sandbox: CentralSandbox, admin: requests.Session) -> None:
    sandbox.faults.add(method="GET", path_pattern="/v1/projects$", status=429, retry_after=7)
    answer = admin.get(f"{sandbox.url}/v1/projects")
    assert (answer.status_code, answer.headers["Retry-After"]) == (429, "7")
    assert admin.get(f"{sandbox.url}/v1/projects").status_code == 200


def test_unknown_kinds_and_bad_settings_are_refused(sandbox: CentralSandbox) -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        sandbox.faults.add(kind="explode")
    with pytest.raises(ValueError, match="keep"):
        sandbox.faults.add(kind="truncate", keep=1.0)
    with pytest.raises(ValueError, match="rate"):
        sandbox.faults.add_random(1, 1.5)


def _replay(sandbox: CentralSandbox, admin: requests.Session, seed: int) -> list[tuple[str, str, str]]:
    """The same 120 requests; which of them met which fault."""
    sandbox.faults.clear()
    sandbox.faults.add_random(seed, 0.3, path_pattern=r"/v1/projects", method="GET",
                              delay_seconds=0.0)
    for n in range(120):
        with contextlib.suppress(requests.RequestException):
            admin.get(f"{sandbox.url}/v1/projects" + ("" if n % 3 else f"?n={n}")).content  # noqa: B018
    fired = [(f.method, f.target, f.kind) for f in sandbox.faults.fired]
    sandbox.faults.clear()
    return fired


def test_a_seed_fails_the_same_requests_the_same_way(sandbox: CentralSandbox,
                                                     admin: requests.Session) -> None:
    first = _replay(sandbox, admin, seed=11)
    assert _replay(sandbox, admin, seed=11) == first
    assert _replay(sandbox, admin, seed=12) != first
    assert {kind for _, _, kind in first} == set(KINDS)  # every kind is drawn
    assert 15 < len(first) < 60


def test_random_faults_keep_to_their_requests_and_limit(sandbox: CentralSandbox,
                                                        admin: requests.Session) -> None:
    sandbox.faults.add_random("s", 1.0, kinds=["status"], statuses=[503], path_pattern="/forms",
                              limit=2)
    assert admin.get(f"{sandbox.url}/v1/projects").status_code == 200
    assert [admin.get(f"{sandbox.url}/v1/projects/1/forms").status_code for _ in range(3)] == \
        [503, 503, 404]
    assert [f.status for f in sandbox.faults.fired] == [503, 503]


def test_the_kobo_server_injects_the_same_faults(tmp_path: Path) -> None:
    token = secrets.token_urlsafe(12)
    with KoboSandbox(tmp_path / "kobo", token=token) as kobo:
        session = requests.Session()
        session.headers["Authorization"] = f"Token {token}"
        kobo.faults.add(method="GET", path_pattern="/api/v2/assets/", kind="truncate")
        with pytest.raises(requests.exceptions.ChunkedEncodingError):
            session.get(f"{kobo.url}/api/v2/assets/")
        assert session.get(f"{kobo.url}/api/v2/assets/").json()["count"] == 0


def test_faults_stay_per_server(tmp_path: Path, sandbox: CentralSandbox,
                                admin: requests.Session) -> None:
    other = start(tmp_path / "other")
    try:
        other.faults.add(kind="drop", times=100)
        assert admin.get(f"{sandbox.url}/v1/projects").status_code == 200
    finally:
        other.stop()
