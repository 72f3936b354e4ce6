"""The pieces both clients share: URL settings, retry policy, User-Agent, one-line messages."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from connectors.http import (
    base_url,
    clear_secret,
    one_line,
    openrosa_message,
    retry_after_seconds,
    retry_policy,
    user_agent,
)


@pytest.mark.parametrize(
    ("value", "suffixes", "expected"),
    [
        (" https://central.example.org/v1/ ", ("/v1",), "https://central.example.org"),
        ("http://127.0.0.1:8383/odk/v1", ("/v1",), "http://127.0.0.1:8383/odk"),
        ("https://kf.example.org/api/v2/", ("/api/v2", "/api"), "https://kf.example.org"),
        ("https://kf.example.org/api", ("/api/v2", "/api"), "https://kf.example.org"),
        ("https://kf.example.org", ("/api/v2", "/api"), "https://kf.example.org"),
    ],
)
def test_base_url_drops_the_api_path(value: str, suffixes: tuple[str, ...], expected: str) -> None:
    assert base_url(value, api_suffixes=suffixes, server="X") == expected


def test_base_url_names_the_server_kind() -> None:
    with pytest.raises(ValueError, match=r"^KoboToolbox URL must start with http:// or https://"):
        base_url("kf.example.org", api_suffixes=(), server="KoboToolbox")


def test_clear_secret_takes_both_forms() -> None:
    assert clear_secret(SecretStr("s3cret")) == "s3cret"
    assert clear_secret("s3cret") == "s3cret"


def test_retry_policy_adds_post_only_when_asked() -> None:
    plain = retry_policy(total=2, backoff_factor=1.0, retry_post=False)
    posting = retry_policy(total=2, backoff_factor=1.0, retry_post=True, also=frozenset({"PATCH"}))
    assert plain.allowed_methods is not None and posting.allowed_methods is not None
    # Only safe methods are resent unless the call is marked safe to repeat.
    assert set(plain.allowed_methods) == {"GET", "HEAD", "OPTIONS"}
    assert {"POST", "PATCH", "GET", "PUT", "DELETE"} <= set(posting.allowed_methods)
    assert set(plain.status_forcelist or ()) == {429, 500, 502, 503, 504}
    assert plain.total == 2 and plain.raise_on_status is False


def test_user_agent_names_odksync_then_the_library() -> None:
    agent = user_agent("requests/2.0")
    assert agent.startswith("odksync/") and agent.endswith(" requests/2.0")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'<OpenRosaResponse><message nature="error">\xe0\xb8\x8b\xe0\xb9\x89\xe0\xb8\xb3</message>'
         b"</OpenRosaResponse>", "ซ้ำ"),
        (b"<OpenRosaResponse><message></message></OpenRosaResponse>", ""),
        (b'{"detail": "no"}', None),
    ],
)
def test_openrosa_message(content: bytes, expected: str | None) -> None:
    assert openrosa_message(content) == expected


def test_one_line() -> None:
    assert one_line("  a\n\tb  c\r\n") == "a b c"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("", None), ("3", 3.0), ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0), ("soon", None)],
)
def test_retry_after_seconds(value: str | None, expected: float | None) -> None:
    assert retry_after_seconds(value) == expected
