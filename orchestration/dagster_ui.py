"""`odksync ui`: the Dagster UI on loopback with this workspace and DAGSTER_HOME."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from orchestration.settings import Settings

WORKSPACE = Path(__file__).resolve().parents[1] / "workspace.yaml"


def run_ui(settings: Settings, *, port: int) -> None:
    """Start dagster-webserver on 127.0.0.1 (it has no login: never expose it beyond loopback)."""
    settings.dagster_home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DAGSTER_HOME": str(settings.dagster_home),
           "ODKSYNC_DATA_DIR": str(settings.data_dir)}
    command = [sys.executable, "-m", "dagster_webserver", "-h", "127.0.0.1", "-p", str(port),
               "-w", str(WORKSPACE)]
    raise SystemExit(subprocess.call(command, env=env, cwd=WORKSPACE.parent))
