"""The sync benchmark runs end to end on a tiny server and prints every figure it promises."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_sync_benchmark_prints_its_table_on_a_small_run(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "sync.py"), "--submissions", "30", "--repeats", "1",
         "--memory-base", "10", "--idle-forms", "2", "--idle-size", "3", "--page-size", "7",
         "--cache", str(tmp_path / "cache")],
        capture_output=True, text=True, cwd=REPO, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "full sync of 30 registrations, page size 7, best of 1" in out
    assert re.search(r"plain requests \(the limit\)\s+[\d.]+\s+\d+\s+[\d.]+", out)
    assert re.search(r"odksync sync into SQLite\s+[\d.]+\s+\d+\s+[\d.]+", out)
    assert re.search(r"ratio sync/limit: [\d.]+× the time", out)
    assert re.search(r"memory: sync max RSS [\d.]+ MiB at 10 vs [\d.]+ MiB at 30", out)
    # Unchanged forms: each asks its two feeds conditionally and hears 304 twice, nothing else.
    idle = next(line for line in out.splitlines() if line.startswith("idle re-sync"))
    assert "of 2 forms of 3" in idle and "4 requests (2 at most per form, 0 not about a form)" in idle
    assert "statuses {'304': 4}" in idle and "rows fetched again 0" in idle
