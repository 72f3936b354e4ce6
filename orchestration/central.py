"""Which ODK Central to talk to: the configured one, or the bundled local server under the data dir."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from connectors.central.client import CentralClient
from connectors.central.config import CentralConfig
from orchestration.settings import LOCAL_ADMIN_EMAIL, Settings

LOCAL_PROJECT_NAME = "odksync"
# The local server's state lives here; the warehouse knows it by project and form, not by port.
LOCAL_STATE_DIRNAME = "central"


class ConfigurationError(RuntimeError):
    """A setting is missing or wrong; the message says which one and what to do."""


def local_state_dir(settings: Settings) -> Path:
    return settings.data_dir / LOCAL_STATE_DIRNAME


def local_admin_password(settings: Settings) -> str:
    return settings.local_secret("local_central_password")


def running_local_url(settings: Settings) -> str | None:
    """The URL of a local server already serving this data dir (`odksync sandbox`), if alive."""
    marker = local_state_dir(settings) / "server.json"
    try:
        info: dict[str, Any] = json.loads(marker.read_text(encoding="utf-8"))
        os.kill(int(info["pid"]), 0)
    except (OSError, ValueError, KeyError):
        return None
    return str(info["url"])


def write_server_marker(settings: Settings, url: str) -> Path:
    marker = local_state_dir(settings) / "server.json"
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps({"url": url, "pid": os.getpid()}), encoding="utf-8")
    return marker


@contextmanager
def central_config(settings: Settings) -> Iterator[CentralConfig]:
    """Yield the Central to use; with no ODK_CENTRAL_URL, the local server (started if needed)."""
    if not settings.uses_local_central:
        if not (settings.central_username and settings.central_password):
            raise ConfigurationError(
                "ODK_CENTRAL_URL is set but ODK_CENTRAL_USERNAME or ODK_CENTRAL_PASSWORD is not: "
                "set both (a web user of that server), or unset ODK_CENTRAL_URL to use the local server."
            )
        yield CentralConfig(base_url=str(settings.central_url),
                            username=settings.central_username,
                            password=settings.central_password,
                            project_id=settings.central_project_id,
                            verify_tls=settings.tls_verify)
        return
    password = local_admin_password(settings)
    running = running_local_url(settings)
    if running is not None:
        yield CentralConfig(base_url=running, username=LOCAL_ADMIN_EMAIL, password=SecretStr(password))
        return
    from sandbox.central import CentralSandbox

    with CentralSandbox(local_state_dir(settings), admin_email=LOCAL_ADMIN_EMAIL,
                        admin_password=password) as server:
        yield CentralConfig(base_url=server.url, username=LOCAL_ADMIN_EMAIL, password=SecretStr(password))


@contextmanager
def central_client(settings: Settings) -> Iterator[tuple[CentralClient, int]]:
    """An open client and the project id to work in (the local server gets its project made)."""
    with central_config(settings) as config:
        if settings.uses_local_central:
            with CentralClient(config) as bootstrap:
                project_id = bootstrap.ensure_project(LOCAL_PROJECT_NAME)
            config = config.model_copy(update={"project_id": project_id})
        elif settings.central_project_id is None:
            raise ConfigurationError(
                "ODK_CENTRAL_PROJECT_ID is not set: give the id of the ODK Central project that "
                "holds the programme's forms."
            )
        else:
            project_id = settings.central_project_id
        with CentralClient(config) as client:
            yield client, project_id
