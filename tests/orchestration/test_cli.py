"""The `odksync` command as a person meets it: one clear line for what they can fix, not a traceback."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.local_central import ADMIN, LocalCentral


def odksync(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "orchestration.cli", *args], env={
        **{k: v for k, v in os.environ.items() if not k.startswith(("ODK_", "DATABASE_URL"))},
        **env}, cwd=cwd, capture_output=True, text=True, timeout=300)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_server_gives_one_line_naming_it(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    done = odksync("sync", cwd=tmp_path, env={
        "ODKSYNC_DATA_DIR": str(tmp_path), "ODK_CENTRAL_URL": url, "ODK_CENTRAL_USERNAME": ADMIN,
        "ODK_CENTRAL_PASSWORD": "not-this-one-xyz", "ODK_CENTRAL_PROJECT_ID": "1"})
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and url in lines[0] and "Traceback" not in done.stderr
    assert "not-this-one-xyz" not in done.stderr + done.stdout


@pytest.mark.usefixtures("central")
def test_a_wrong_password_gives_one_line_naming_the_server(central: LocalCentral, tmp_path: Path) -> None:
    secret = "wrong-password-123"
    done = odksync("sync", cwd=tmp_path, env={
        "ODKSYNC_DATA_DIR": str(tmp_path), "ODK_CENTRAL_URL": central.server.url,
        "ODK_CENTRAL_USERNAME": ADMIN, "ODK_CENTRAL_PASSWORD": secret,
        "ODK_CENTRAL_PROJECT_ID": str(central.project_id)})
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and central.server.url in lines[0] and "Traceback" not in done.stderr
    assert secret not in done.stderr + done.stdout


def test_status_json_has_the_pinned_keys_after_a_sync(central: LocalCentral, tmp_path: Path) -> None:
    env = {"ODKSYNC_DATA_DIR": str(tmp_path), "ODK_CENTRAL_URL": central.server.url,
           "ODK_CENTRAL_USERNAME": ADMIN,
           "ODK_CENTRAL_PASSWORD": central.config.password.get_secret_value(),
           "ODK_CENTRAL_PROJECT_ID": str(central.project_id)}
    synced = odksync("sync", cwd=tmp_path, env=env)
    assert synced.returncode == 0, synced.stderr
    done = odksync("status", "--json", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    forms = json.loads(done.stdout)["forms"]
    (row,) = [f for f in forms if f["form_id"] == "child_registration"]
    assert {"source", "form_id", "source_count", "warehouse_count", "quarantined", "last_sync",
            "in_sync"} <= set(row)
    assert row["source"] == "central" and row["in_sync"] is True
    assert row["last_sync"].endswith("Z")
    assert row["deleted"] == 0 and row["attachments_missing"] == 0 and row["lag_seconds"] >= 0


def test_status_before_any_sync_is_an_empty_list(tmp_path: Path) -> None:
    done = odksync("status", "--json", cwd=tmp_path, env={"ODKSYNC_DATA_DIR": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"forms": []}


def test_an_unreachable_kobo_gives_one_line_naming_it(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    done = odksync("forms", "deploy", "--target", "kobo", cwd=tmp_path, env={
        "ODKSYNC_DATA_DIR": str(tmp_path), "KOBO_URL": url, "KOBO_TOKEN": "kobo-secret-token-1"})
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and url in lines[0] and "Traceback" not in done.stderr
    assert "kobo-secret-token-1" not in done.stderr + done.stdout


def test_history_shows_a_synced_submission_and_what_it_said(central: LocalCentral, tmp_path: Path) -> None:
    env = {"ODKSYNC_DATA_DIR": str(tmp_path), "ODK_CENTRAL_URL": central.server.url,
           "ODK_CENTRAL_USERNAME": ADMIN,
           "ODK_CENTRAL_PASSWORD": central.config.password.get_secret_value(),
           "ODK_CENTRAL_PROJECT_ID": str(central.project_id)}
    from tests.integration.test_sync import _submit

    (instance_id,) = _submit(central, 1, seed=90)
    assert odksync("sync", cwd=tmp_path, env=env).returncode == 0
    shown = odksync("history", instance_id, "--form", "child_registration", cwd=tmp_path, env=env)
    assert shown.returncode == 0, shown.stderr
    assert "1 version(s)" in shown.stdout
    said = odksync("history", instance_id, "--form", "child_registration", "--as-of", "2100-01-01",
                   cwd=tmp_path, env=env)
    assert json.loads(said.stdout)["meta"]["instanceID"] == instance_id
