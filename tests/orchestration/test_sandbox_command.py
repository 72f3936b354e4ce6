"""`odksync sandbox`: both local servers answer, other commands find them, secrets stay unprinted."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests


def test_sandbox_serves_central_and_kobo_and_is_found_by_other_commands(tmp_path: Path) -> None:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith(("ODK_", "KOBO_", "DATABASE_URL"))},
           "ODKSYNC_DATA_DIR": str(tmp_path)}
    process = subprocess.Popen(
        [sys.executable, "-m", "orchestration.cli", "sandbox", "--port", "0", "--kobo-port", "0"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    marker = tmp_path / "central" / "server.json"
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.2)
        url = json.loads(marker.read_text())["url"]
        password = (tmp_path / "secrets" / "local_central_password").read_text().strip()
        login = requests.post(f"{url}/v1/sessions", json={"email": "admin@odksync.local",
                                                         "password": password}, timeout=10)
        assert login.status_code == 200 and login.json()["token"]
        listed = subprocess.run([sys.executable, "-m", "orchestration.cli", "forms", "deploy",
                                 "--dry-run"], env=env, capture_output=True, text=True, timeout=300)
        assert listed.returncode == 0, listed.stderr
        assert "child_registration: would be created" in listed.stdout
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    assert "KoboToolbox-compatible server: http://127.0.0.1:" in output
    token = (tmp_path / "secrets" / "local_kobo_token").read_text().strip()
    assert password not in output and token not in output
    assert not marker.exists()
