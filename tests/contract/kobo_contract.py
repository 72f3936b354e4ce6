"""Helpers and fixtures of the Kobo contract tests: a real Kobo when KOBO_URL/KOBO_TOKEN are set,
else the local Kobo-compatible server; submissions as KoboCollect writes them."""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from connectors.kobo import KoboClient, KoboConfig

WRITES = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass
class KoboTarget:
    """The server under test; `sandbox` is None against a real KoboToolbox."""

    config: KoboConfig
    sandbox: Any | None

    def require_sandbox(self, why: str) -> Any:
        if self.sandbox is None:
            pytest.skip(f"needs the local Kobo sandbox ({why}); running against a real KoboToolbox")
        return self.sandbox


@pytest.fixture(scope="session")
def kobo_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KoboTarget]:
    if os.environ.get("KOBO_URL"):
        if not os.environ.get("KOBO_TOKEN"):
            pytest.fail("KOBO_URL is set but KOBO_TOKEN is not: the Kobo contract tests need an "
                        "API token of a throwaway account on that server")
        yield KoboTarget(KoboConfig(base_url=os.environ["KOBO_URL"],
                                    token=SecretStr(os.environ["KOBO_TOKEN"]), backoff_factor=0.1), None)
        return
    from sandbox.kobo import KoboSandbox

    token = secrets.token_urlsafe(16)
    with KoboSandbox(tmp_path_factory.mktemp("kobo"), token=token) as server:
        yield KoboTarget(KoboConfig(base_url=server.url, token=SecretStr(token), backoff_factor=0.05), server)


@pytest.fixture
def kobo(kobo_target: KoboTarget) -> Iterator[KoboClient]:
    with KoboClient(kobo_target.config) as client:
        yield client


def writes_since(target: KoboTarget, since: int) -> list[Any]:
    return [r for r in target.require_sandbox("request log").request_log[since:]
            if r.method in WRITES]


def kobo_submission_xml(asset_uid: str, formhub_uuid: str | None, *, name: str = "เด็กหญิง ทดสอบ",
                        age: int = 9, instance_id: str | None = None,
                        deprecated_id: str | None = None) -> bytes:
    """A submission for write_xlsform's form as KoboCollect writes it: the root id is the asset
    uid (Kobo's id_string) and formhub/uuid names the deployment."""
    instance_id = instance_id or f"uuid:{uuid.uuid4()}"
    formhub = f"<formhub><uuid>{formhub_uuid}</uuid></formhub>" if formhub_uuid else ""
    deprecated = f"<deprecatedID>{deprecated_id}</deprecatedID>" if deprecated_id else ""
    return (f'<?xml version="1.0"?><data id="{asset_uid}">{formhub}<name>{name}</name>'
            f"<age>{age}</age><meta><instanceID>{instance_id}</instanceID>{deprecated}</meta>"
            "</data>").encode()


def unique_form_id(prefix: str = "kobo") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def xlsform(tmp_path: Path, form_id: str, **options: Any) -> Path:
    from tests.contract.central_contract import write_xlsform

    return write_xlsform(tmp_path, form_id, **options)
