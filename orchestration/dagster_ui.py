"""`odksync ui`: the Dagster UI on loopback with this workspace and DAGSTER_HOME."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from rich.console import Console

from orchestration.settings import Settings

WORKSPACE = Path(__file__).resolve().parents[1] / "workspace.yaml"


def run_ui(settings: Settings, *, port: int, console: Console) -> None:
    """Start dagster-webserver on 127.0.0.1 (it has no login: never expose it beyond loopback),
    on the DAGSTER_HOME `odksync demo` writes to, so the demo's runs and check results show."""
    from orchestration.graph_run import prepare_home

    prepare_home(settings)
    console.print(f"Dagster UI: http://127.0.0.1:{port} — ข้อมูลการรันอยู่ที่ (runs kept in) "
                  f"{settings.dagster_home}; Ctrl-C เพื่อหยุด (to stop)", highlight=False, soft_wrap=True)
    env = {**os.environ, "DAGSTER_HOME": str(settings.dagster_home),
           "ODKSYNC_DATA_DIR": str(settings.data_dir)}
    command = [sys.executable, "-m", "dagster_webserver", "-h", "127.0.0.1", "-p", str(port),
               "-w", str(WORKSPACE)]
    # The webserver takes this process's place: a stop signal reaches it, nothing is left running.
    sys.stdout.flush()
    os.chdir(WORKSPACE.parent)
    os.execve(sys.executable, command, env)
