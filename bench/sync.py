"""Benchmark: a full sync of N simulated registrations from the local server, against the limit.

The limit is the time plain `requests` takes merely to download and parse the same OData pages
(same page size, following nextLink) with no warehouse at all. The server runs in a process of its
own, as a real Central would; every measurement runs in a fresh worker process of its own, plain
and sync alternating `--repeats` times (best time kept), so neither meets a warmer server or a
fuller heap, and each worker's peak resident memory (max RSS) is its own. Schema creation of the
empty warehouse is not timed; everything from the first request to the last commit is.

Beside each best time: the worker's peak RSS, its CPU seconds in the timed part, and the server's
CPU seconds meanwhile (on a busy shared machine the wall times follow the sum of the two CPUs).
Memory is flat when the sync's peak RSS at N is close to its peak at 10,000. The idle re-sync is
ten forms of 200 submissions synced in full, then once more (the first incremental window, asked
unconditionally), then timed with nothing changed: its seconds and the requests each form cost,
read from the server's request log.

    .venv/bin/python bench/sync.py [--submissions 20000] [--repeats 3] [--page-size 1000]

The server's state is kept under bench/out/central-sync between runs (populating is slow).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

FORM_ID = "child_registration"
DEFAULT_CACHE = REPO / "bench" / "out" / "central-sync"
ADMIN = "admin@odksync.local"
MEMORY_BASE = 10_000  # the size whose peak memory the large run is compared with
IDLE_FORMS, IDLE_SIZE = 10, 200


# ---- workers: each measurement in a fresh process, answering one JSON line -----------------------


def max_rss_mib() -> float:
    """This process's peak resident memory since its exec (ru_maxrss would count its parent's)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def plain_download(url: str, password: str, project_id: int, page_size: int) -> dict[str, Any]:
    """The limit: follow nextLink with requests and parse each page, storing nothing."""
    import requests

    started, cpu = time.perf_counter(), time.process_time()
    with requests.Session() as http:
        token = http.post(f"{url}/v1/sessions",
                          json={"email": ADMIN, "password": password}).json()["token"]
        http.headers["Authorization"] = f"Bearer {token}"
        link: str | None = (f"{url}/v1/projects/{project_id}/forms/{FORM_ID}.svc/Submissions"
                            f"?$top={page_size}&$count=true&$expand=*")
        rows = 0
        while link:
            page = http.get(link, timeout=120).json()
            rows += len(page["value"])
            link = page.get("@odata.nextLink")
    return {"seconds": time.perf_counter() - started, "rows": rows,
            "cpu_seconds": time.process_time() - cpu}


def full_sync(url: str, password: str, project_id: int, page_size: int) -> dict[str, Any]:
    """odksync's own sync of the form into an empty SQLite warehouse."""
    from connectors.central.client import CentralClient
    from orchestration.pipeline import sync_central
    from warehouse.db import ensure_schema, make_engine

    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/warehouse.sqlite3")
        ensure_schema(engine)
        started, cpu = time.perf_counter(), time.process_time()
        with CentralClient(_config(url, password, page_size)) as client:
            (result,) = sync_central(client, project_id, engine, form_ids=[FORM_ID])
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        engine.dispose()
    return {"seconds": seconds, "cpu_seconds": cpu, "rows": result.fetched, "in_sync": result.in_sync,
            "warehouse_count": result.warehouse_count, "source_count": result.source_count}


def idle_resync(url: str, password: str, project_ids: list[int], log: Path) -> dict[str, Any]:
    """Ten forms synced once, then again unchanged: that second pass's time and requests per form."""
    from connectors.central.client import CentralClient
    from orchestration.pipeline import CentralSource
    from warehouse.db import ensure_schema, make_engine, session_scope
    from warehouse.sync import sync_form

    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/warehouse.sqlite3")
        ensure_schema(engine)
        with CentralClient(_config(url, password, 1000)) as client:
            def sync_all() -> list[Any]:
                results = []
                for project_id in project_ids:
                    with session_scope(engine) as session:
                        results.append(sync_form(
                            CentralSource(client, project_id), session=session, source="central",
                            project_id=str(project_id), form_id=FORM_ID))
                return results

            first = sync_all()  # full
            sync_all()  # the first incremental window after it: asked unconditionally, once
            mark = log.stat().st_size
            started = time.perf_counter()
            again = sync_all()
            seconds = time.perf_counter() - started
        engine.dispose()
    with log.open("rb") as fh:
        fh.seek(mark)
        records = [json.loads(line) for line in fh.read().splitlines() if line.strip()]
    per_form: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    for record in records:
        parts = record["path"].split("/")
        key = "/".join(parts[:6]) if len(parts) > 5 and parts[4] == "forms" else "other"
        per_form[key] += 1
        statuses[record["status"]] += 1
    return {"seconds": seconds, "forms": len(project_ids),
            "first_rows": sum(r.fetched for r in first), "fetched_again": sum(r.fetched for r in again),
            "modes": sorted({r.mode for r in again}), "requests": len(records),
            "max_per_form": max((n for k, n in per_form.items() if k != "other"), default=0),
            "other": per_form["other"], "statuses": {str(k): v for k, v in sorted(statuses.items())}}


def _config(url: str, password: str, page_size: int) -> Any:
    from connectors.central.config import CentralConfig

    return CentralConfig(base_url=url, username=ADMIN, password=password, page_size=page_size)


def worker(args: argparse.Namespace) -> None:
    password = sys.stdin.readline().strip()
    projects = [int(p) for p in args.projects.split(",")]
    if args.worker == "plain":
        out = plain_download(args.url, password, projects[0], args.page_size)
    elif args.worker == "sync":
        out = full_sync(args.url, password, projects[0], args.page_size)
    else:
        out = idle_resync(args.url, password, projects, Path(args.log))
    out["max_rss_mib"] = max_rss_mib()
    print(json.dumps(out), flush=True)


def run_worker(kind: str, url: str, password: str, projects: list[int], page_size: int,
               log: Path | None = None) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--url", url,
               "--projects", ",".join(map(str, projects)), "--page-size", str(page_size)]
    if log is not None:
        command += ["--log", str(log)]
    done = subprocess.run(command, input=password + "\n", capture_output=True, text=True,
                          cwd=REPO, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{kind} worker failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# ---- the server and its data ----------------------------------------------------------------------


@contextmanager
def server_process(data_dir: Path, password: str) -> Iterator[tuple[str, int]]:
    """The local server in a process of its own; yields its URL and process id."""
    code = ("import sys; from pathlib import Path; from sandbox.central import serve; "
            f"serve(Path(sys.argv[1]), 0, {ADMIN!r}, sys.stdin.readline().strip())")
    process = subprocess.Popen([sys.executable, "-c", code, str(data_dir)], cwd=REPO,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(password + "\n")
        process.stdin.flush()
        line = process.stdout.readline()
        yield next(word for word in line.split() if word.startswith("http://")), process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def cpu_seconds_of(pid: int) -> float:
    """CPU time (user + system) a process has used so far; 0 where /proc cannot tell."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def populate(client: Any, name: str, total: int, seed: int) -> int:
    """A project `name` whose form holds exactly `total` registrations (kept between runs)."""
    from orchestration.pipeline import deploy_forms
    from simulation.generator import generate_children, registration_xml

    project_id: int = client.ensure_project(name)
    deploy_forms(client, project_id)
    have = client.count_submissions(FORM_ID, project_id=project_id)
    if have >= total:
        return project_id
    version = next(f.version for f in client.list_forms(project_id=project_id)
                   if f.xml_form_id == FORM_ID)
    user = client.ensure_app_user("bench enumerator", project_id=project_id)
    client.assign_form(FORM_ID, user.id, project_id=project_id)
    children = generate_children(total, seed=seed)[have:]
    print(f"populating {name!r} with {len(children)} registrations…", file=sys.stderr, flush=True)

    def submit(child: Any) -> None:
        xml = registration_xml(child, form_version=str(version), instance_id=child.instance_id)
        client.submit_openrosa(xml, app_user_token=user.token, project_id=project_id)

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(submit, children))
    return project_id


# ---- the run --------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--memory-base", type=int, default=MEMORY_BASE)
    parser.add_argument("--idle-forms", type=int, default=IDLE_FORMS)
    parser.add_argument("--idle-size", type=int, default=IDLE_SIZE)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--populate-only", action="store_true")
    parser.add_argument("--worker", choices=["plain", "sync", "idle"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--projects", help=argparse.SUPPRESS)
    parser.add_argument("--log", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    from connectors.central.client import CentralClient

    cache: Path = args.cache
    cache.mkdir(parents=True, exist_ok=True)
    password_file = cache / "password"
    if not password_file.exists():
        password_file.write_text(secrets.token_urlsafe(16))
    password = password_file.read_text().strip()
    n, base_n = args.submissions, min(args.memory_base, args.submissions)
    with server_process(cache / "server", password) as (url, server_pid):
        with CentralClient(_config(url, password, args.page_size)) as client:
            project = populate(client, f"bench {n}", n, seed=20_000)
            base_project = populate(client, f"bench {base_n}", base_n, seed=20_000)
            idle_projects = [populate(client, f"bench idle {i}", args.idle_size, seed=30_000 + i)
                             for i in range(args.idle_forms)]
            total = client.count_submissions(FORM_ID, project_id=project)
        if args.populate_only:
            return

        def run(kind: str, projects: list[int]) -> dict[str, Any]:
            before = cpu_seconds_of(server_pid)
            result = run_worker(kind, url, password, projects, args.page_size,
                                cache / "server" / "central-requests.log")
            result["server_cpu_seconds"] = cpu_seconds_of(server_pid) - before
            return result

        plains, syncs = [], []
        for _ in range(args.repeats):  # alternate, so neither side always meets the warmer server
            plains.append(run("plain", [project]))
            syncs.append(run("sync", [project]))
        base_syncs = [run("sync", [base_project]) for _ in range(args.repeats)]
        idle = min((run("idle", idle_projects) for _ in range(args.repeats)),
                   key=lambda r: r["seconds"])
    for result in syncs:
        if not (result["rows"] == total and result["in_sync"]):
            raise SystemExit(f"the sync did not end in sync: {result} (server holds {total})")
    if any(p["rows"] != total for p in plains):
        raise SystemExit(f"the plain download missed rows: {plains} (server holds {total})")
    report(args, total, plains, syncs, base_syncs, idle, base_n)


def report(args: argparse.Namespace, total: int, plains: list[dict[str, Any]],
           syncs: list[dict[str, Any]], base_syncs: list[dict[str, Any]], idle: dict[str, Any],
           base_n: int) -> None:
    plain_s = min(p["seconds"] for p in plains)
    sync_s = min(s["seconds"] for s in syncs)
    plain_mem = max(p["max_rss_mib"] for p in plains)
    sync_mem = max(s["max_rss_mib"] for s in syncs)
    base_mem = max(s["max_rss_mib"] for s in base_syncs)
    print(f"\nfull sync of {total} registrations, page size {args.page_size}, "
          f"best of {args.repeats} (alternating, each run a fresh process)")
    best_plain = min(plains, key=lambda p: p["seconds"])
    best_sync = min(syncs, key=lambda s: s["seconds"])
    print(f"{'':28}{'seconds':>10}{'subs/s':>10}{'max RSS MiB':>13}{'cpu s':>8}{'server cpu s':>14}")
    print(f"{'plain requests (the limit)':28}{plain_s:>10.2f}{total / plain_s:>10.0f}{plain_mem:>13.1f}"
          f"{best_plain['cpu_seconds']:>8.1f}{best_plain['server_cpu_seconds']:>14.1f}")
    print(f"{'odksync sync into SQLite':28}{sync_s:>10.2f}{total / sync_s:>10.0f}{sync_mem:>13.1f}"
          f"{best_sync['cpu_seconds']:>8.1f}{best_sync['server_cpu_seconds']:>14.1f}")
    print(f"ratio sync/limit: {sync_s / plain_s:.2f}× the time")
    print("all runs, seconds: plain " + " ".join(f"{p['seconds']:.2f}" for p in plains)
          + " | sync " + " ".join(f"{s['seconds']:.2f}" for s in syncs))
    print(f"memory: sync max RSS {base_mem:.1f} MiB at {base_n} vs {sync_mem:.1f} MiB at {total} "
          f"(ratio {sync_mem / base_mem:.2f})")
    print(f"idle re-sync of {idle['forms']} forms of {args.idle_size}: {idle['seconds']:.3f} s, "
          f"{idle['requests']} requests ({idle['max_per_form']} at most per form, "
          f"{idle['other']} not about a form), statuses {idle['statuses']}, "
          f"rows fetched again {idle['fetched_again']}, modes {idle['modes']}")


if __name__ == "__main__":
    main()
