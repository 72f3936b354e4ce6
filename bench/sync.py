"""Benchmark: a full sync of N simulated registrations from the local server, against the limit.

The limit is the time plain `requests` takes merely to download and parse the same OData pages
(same page size, following nextLink) with no warehouse at all. Both run in this process against
the same server (in its own process, as a real Central would be), alternating, so the ratio holds
on a noisy shared machine. Time and memory are measured in separate passes: tracemalloc slows
Python down and would distort the timing.

    .venv/bin/python bench/sync.py [--submissions 20000] [--page-size 1000]
"""

from __future__ import annotations

import argparse
import gc
import secrets
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from connectors.central.client import CentralClient  # noqa: E402
from connectors.central.config import CentralConfig  # noqa: E402
from orchestration.pipeline import deploy_forms, sync_central  # noqa: E402
from simulation.generator import generate_children, registration_xml  # noqa: E402
from warehouse.db import ensure_schema, make_engine  # noqa: E402

FORM_ID = "child_registration"
CACHE = REPO / "bench" / "out" / "central-sync"
PASSWORD_FILE = CACHE / "password"


def measure(work: Callable[[], Any]) -> tuple[float, float, Any]:
    """(seconds, peak MiB of Python allocations, result) of one call."""
    gc.collect()
    tracemalloc.start()
    started = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak / 2**20, result


def populate(client: CentralClient, project_id: int, total: int) -> None:
    """Make sure the server holds `total` registrations (kept between runs under bench/out)."""
    deploy_forms(client, project_id)
    have = client.count_submissions(FORM_ID, project_id=project_id)
    if have >= total:
        return
    version = next(f.version for f in client.list_forms(project_id=project_id)
                   if f.xml_form_id == FORM_ID)
    user = client.ensure_app_user("bench enumerator", project_id=project_id)
    client.assign_form(FORM_ID, user.id, project_id=project_id)
    children = generate_children(total, seed=20000)[have:]
    print(f"populating the server with {len(children)} registrations (cached in {CACHE})…")

    def submit(child: Any) -> None:
        xml = registration_xml(child, form_version=str(version), instance_id=child.instance_id)
        client.submit_openrosa(xml, app_user_token=user.token, project_id=project_id)

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(submit, children))


def plain_download(base_url: str, password: str, project_id: int, page_size: int) -> int:
    """The limit: follow nextLink with requests and parse each page, storing nothing."""
    with requests.Session() as http:
        token = http.post(f"{base_url}/v1/sessions",
                          json={"email": "admin@odksync.local", "password": password}).json()["token"]
        http.headers["Authorization"] = f"Bearer {token}"
        url: str | None = (f"{base_url}/v1/projects/{project_id}/forms/{FORM_ID}.svc/Submissions"
                           f"?$top={page_size}&$count=true&$expand=*")
        rows = 0
        while url:
            page = http.get(url, timeout=120).json()
            rows += len(page["value"])
            url = page.get("@odata.nextLink")
        return rows


@contextmanager
def server_process(data_dir: Path, password: str) -> Iterator[str]:
    """The local server in a process of its own; yields its URL."""
    code = ("import sys; from pathlib import Path; from sandbox.central import serve; "
            "serve(Path(sys.argv[1]), 0, 'admin@odksync.local', sys.stdin.readline().strip())")
    process = subprocess.Popen([sys.executable, "-c", code, str(data_dir)], cwd=REPO,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(password + "\n")
        process.stdin.flush()
        line = process.stdout.readline()
        url = next(word for word in line.split() if word.startswith("http://"))
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def timed(work: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=20_000)
    parser.add_argument("--page-size", type=int, default=1000)
    args = parser.parse_args()
    CACHE.mkdir(parents=True, exist_ok=True)
    if not PASSWORD_FILE.exists():
        PASSWORD_FILE.write_text(secrets.token_urlsafe(16))
    password = PASSWORD_FILE.read_text().strip()
    with server_process(CACHE / "server", password) as url:
        config = CentralConfig(base_url=url, username="admin@odksync.local",
                               password=password, page_size=args.page_size)
        with CentralClient(config) as client:
            project_id = client.ensure_project("bench")
            populate(client, project_id, args.submissions)
            total = client.count_submissions(FORM_ID, project_id=project_id)

        def download() -> int:
            return plain_download(url, password, project_id, args.page_size)

        def sync() -> Any:
            with tempfile.TemporaryDirectory() as tmp:
                engine = make_engine(f"sqlite:///{tmp}/warehouse.sqlite3")
                ensure_schema(engine)
                with CentralClient(config) as client:
                    (result,) = sync_central(client, project_id, engine, form_ids=[FORM_ID])
                engine.dispose()
                return result

        base_times, sync_times = [], []
        for _ in range(3):  # alternate, so neither side always meets the warmer server
            base_times.append(timed(download))
            sync_times.append(timed(sync))
        _, base_mem, base_rows = measure(download)
        _, sync_mem, result = measure(sync)
    base_s, sync_s = min(t for t, _ in base_times), min(t for t, _ in sync_times)
    assert result.fetched == total == base_rows, (result.fetched, total, base_rows)
    print(f"\nsync of {total} registrations, page size {args.page_size} (best of {len(sync_times)})")
    print(f"{'':28}{'seconds':>10}{'subs/s':>10}{'peak MiB':>10}")
    print(f"{'plain requests (the limit)':28}{base_s:>10.2f}{total / base_s:>10.0f}{base_mem:>10.1f}")
    print(f"{'odksync sync into SQLite':28}{sync_s:>10.2f}{total / sync_s:>10.0f}{sync_mem:>10.1f}")
    print(f"ratio sync/limit: {sync_s / base_s:.2f}× the time, "
          f"{sync_mem / max(base_mem, 0.1):.2f}× the memory")
    print(f"in sync: {result.in_sync} ({result.warehouse_count}/{result.source_count})")


if __name__ == "__main__":
    main()
