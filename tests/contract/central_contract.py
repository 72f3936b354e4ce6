"""Helpers of the Central contract tests: the server under test, tiny XLSForms, submissions."""

from __future__ import annotations

import os
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from pydantic import SecretStr

from connectors.central.client import CentralClient
from connectors.central.config import CentralConfig

SANDBOX_ADMIN = "admin@odksync.test"
REAL_CENTRAL_ENV = ("ODK_CENTRAL_URL", "ODK_CENTRAL_USERNAME", "ODK_CENTRAL_PASSWORD")


@dataclass
class Target:
    """The server under test; `sandbox` is None against a real ODK Central."""

    config: CentralConfig
    sandbox: Any | None

    def require_sandbox(self, why: str) -> Any:
        """The sandbox, or skip: fault injection and clock moves need the local server."""
        if self.sandbox is None:
            pytest.skip(f"needs the local sandbox ({why}); running against a real ODK Central")
        return self.sandbox


def real_central_config() -> CentralConfig | None:
    if not os.environ.get("ODK_CENTRAL_URL"):
        return None
    missing = [name for name in (*REAL_CENTRAL_ENV, "ODK_CENTRAL_PROJECT_ID") if not os.environ.get(name)]
    if missing:
        pytest.fail(
            f"ODK_CENTRAL_URL is set but {', '.join(missing)} is not: the contract tests need a "
            "web user and a throwaway project on that server"
        )
    return CentralConfig(
        base_url=os.environ["ODK_CENTRAL_URL"],
        username=os.environ["ODK_CENTRAL_USERNAME"],
        password=SecretStr(os.environ["ODK_CENTRAL_PASSWORD"]),
        project_id=int(os.environ["ODK_CENTRAL_PROJECT_ID"]),
        backoff_factor=0.1,
    )


def start_sandbox(directory: Path, **options: Any) -> tuple[Any, CentralConfig]:
    """A started sandbox and a config for its admin, with a project made for the tests."""
    from sandbox.central import CentralSandbox

    password = secrets.token_urlsafe(16)
    server = CentralSandbox(directory, admin_email=SANDBOX_ADMIN, admin_password=password, **options).start()
    config = CentralConfig(
        base_url=server.url, username=SANDBOX_ADMIN, password=SecretStr(password), backoff_factor=0.05
    )
    with CentralClient(config) as client:
        project_id = client.ensure_project("odksync contract tests")
    return server, config.model_copy(update={"project_id": project_id})


def unique_form_id(prefix: str = "contract") -> str:
    """Form ids unique per run, so that tests against one real project never collide."""
    return f"{prefix}_{datetime.now(UTC):%m%d%H%M%S}_{uuid.uuid4().hex[:6]}"


def write_xlsform(
    directory: Path,
    form_id: str,
    *,
    version: str = "2026113001",
    title: str = "แบบทดสอบ contract",
    extra_fields: tuple[tuple[str, str, str], ...] = (),
    media_csv: str | None = None,
    declare_form_id: bool = True,
) -> Path:
    """A tiny XLSForm: name, age, optional extra rows, optionally a select from a CSV file."""
    workbook = openpyxl.Workbook()
    survey = workbook.active
    assert survey is not None
    survey.title = "survey"
    survey.append(["type", "name", "label"])
    survey.append(["text", "name", "ชื่อ / Name"])
    survey.append(["integer", "age", "อายุ / Age"])
    for row in extra_fields:
        survey.append(list(row))
    if media_csv is not None:
        survey.append([f"select_one_from_file {media_csv}", "village", "หมู่บ้าน / Village"])
    settings = workbook.create_sheet("settings")
    if declare_form_id:
        settings.append(["form_id", "version", "form_title"])
        settings.append([form_id, version, title])
    else:
        settings.append(["version", "form_title"])
        settings.append([version, title])
    path = directory / f"{form_id}.xlsx"
    workbook.save(path)
    return path


def write_media_csv(directory: Path, name: str, rows: list[tuple[str, str]]) -> Path:
    path = directory / name
    lines = ["name,label"] + [f"{value},{label}" for value, label in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def submission_xml(
    form_id: str,
    *,
    version: str = "2026113001",
    instance_id: str | None = None,
    name: str = "เด็กชาย ทดสอบ",
    age: int = 9,
) -> bytes:
    """A submission as Collect writes it for the form built by write_xlsform."""
    instance_id = instance_id or f"uuid:{uuid.uuid4()}"
    return (
        f'<?xml version="1.0"?><data id="{form_id}" version="{version}">'
        f"<name>{name}</name><age>{age}</age>"
        f"<meta><instanceID>{instance_id}</instanceID></meta></data>"
    ).encode()


def write_requests(log: Any, *, since: int = 0) -> list[Any]:
    """The sandbox's logged writes after position `since`, the login excepted."""
    return [
        r
        for r in list(log)[since:]
        if r.method in {"POST", "PUT", "PATCH", "DELETE"} and not r.path.endswith("/v1/sessions")
    ]
