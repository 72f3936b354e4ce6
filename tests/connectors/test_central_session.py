"""The session: retries and timeout on both schemes, TLS on, User-Agent, no cookies, no files."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyodk._utils.session import Adapter

from connectors.central.client import CentralClient
from connectors.central.config import CentralConfig
from connectors.central.session import CentralSession, build_retry, idempotent_post


def config(**overrides: object) -> CentralConfig:
    values: dict[str, object] = {"base_url": "http://127.0.0.1:8383/", "username": "a@b.c", "password": "pw"}
    values.update(overrides)
    return CentralConfig.model_validate(values)


@pytest.mark.parametrize("scheme", ["http://", "https://"])
def test_retrying_adapter_on_both_schemes(scheme: str) -> None:
    session = CentralSession(config(timeout=12.5, max_retries=4))
    adapter = session.get_adapter(scheme + "central.example.org/v1/projects")
    assert isinstance(adapter, Adapter)
    assert adapter.timeout == 12.5
    retry = adapter.max_retries
    assert retry.total == 4 and set(retry.status_forcelist) == {429, 500, 502, 503, 504}
    assert retry.respect_retry_after_header and "POST" not in retry.allowed_methods
    with idempotent_post():
        assert (
            "POST"
            in session.get_adapter(scheme + "central.example.org/v1/sessions").max_retries.allowed_methods
        )


def test_retry_policy_follows_the_config() -> None:
    retry = build_retry(config(max_retries=2, backoff_factor=1.5), retry_post=True)
    assert (retry.total, retry.backoff_factor, retry.raise_on_status) == (2, 1.5, False)
    assert {"GET", "PUT", "DELETE", "POST"} <= set(retry.allowed_methods)


def test_session_defaults() -> None:
    session = CentralSession(config())
    assert session.verify is True
    assert session.base_url == "http://127.0.0.1:8383/v1/"
    assert (
        session.headers["User-Agent"].startswith("odksync/")
        and " pyodk/1.3.0" in session.headers["User-Agent"]
    )
    assert "Authorization" not in session.headers


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("https://c.example.org/", "https://c.example.org"),
        ("https://c.example.org/v1", "https://c.example.org"),
        (" http://127.0.0.1:8383/v1/ ", "http://127.0.0.1:8383"),
    ],
)
def test_base_url_normalised(given: str, stored: str) -> None:
    assert config(base_url=given).base_url == stored


def test_base_url_needs_a_scheme() -> None:
    with pytest.raises(ValueError, match="must start with http"):
        config(base_url="central.example.org")


def test_password_stays_secret() -> None:
    assert "pw'" not in repr(config()) and "pw" not in str(config().password)


def test_no_pyodk_files_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PYODK_CONFIG_FILE", str(tmp_path / "cfg.toml"))
    monkeypatch.setenv("PYODK_CACHE_FILE", str(tmp_path / "cache.toml"))
    with CentralClient(config(project_id=3)) as client:
        assert client.pyodk.project_id == 3
        assert client.pyodk.session is client.session
    assert list(tmp_path.iterdir()) == []
