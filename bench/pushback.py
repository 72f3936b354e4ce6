"""Benchmark: push-back of N simulated children to the local Central, beside the feed read it rests on.

Simulated field work (registrations, visits, plans, follow-ups) goes to a fresh local server and
through sync → normalise → match → status into a SQLite warehouse (not timed). Then, in this order:

* baseline: reading the `children` entity list's OData feed once, page by page (the same page size),
  through the project's client, storing nothing;
* first push: what push-back writes on top of the simulation's own entity updates (at least each
  entity's warehouse child_id, and the creating submission asked once per entity);
* second push: nothing has changed, so no write; two passes over the feed.

Each line: seconds, and the requests the server logged by method.

    nice -n 10 .venv/bin/python bench/pushback.py [--children 761] [--page-size 500]
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

ADMIN = "admin@odksync.local"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--children", type=int, default=761)
    parser.add_argument("--page-size", type=int, default=500)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    from connectors.central.client import CentralClient
    from connectors.central.config import CentralConfig
    from orchestration.pipeline import deploy_forms, sync_central
    from orchestration.pushback import push_central
    from sandbox.central import CentralSandbox
    from simulation.submitter import simulate
    from warehouse.db import ensure_schema, make_engine, session_scope
    from warehouse.matching.identity import match_warehouse
    from warehouse.normalise.driver import normalise_pending
    from warehouse.plan_status.engine import recompute_status

    work = Path(tempfile.mkdtemp(prefix="bench-push-"))
    password = secrets.token_urlsafe(16)
    with CentralSandbox(work / "central", admin_email=ADMIN, admin_password=password) as server:
        config = CentralConfig(base_url=server.url, username=ADMIN, password=password)
        with CentralClient(config) as admin:
            project_id = admin.ensure_project("bench push")
            deploy_forms(admin, project_id)
        engine = make_engine(f"sqlite:///{work / 'warehouse.sqlite3'}")
        ensure_schema(engine)
        with CentralClient(config.model_copy(update={"project_id": project_id})) as client:
            started = time.perf_counter()
            simulate(client, children=args.children, seed=args.seed)
            sync_central(client, project_id, engine)
            with session_scope(engine) as session:
                normalise_pending(session)
                session.commit()
                match_warehouse(session)
                session.commit()
                recompute_status(session)
                session.commit()
            print(f"set-up (not timed in the figures): {time.perf_counter() - started:.1f} s")

            def measured(label: str, work_fn: object) -> None:
                assert callable(work_fn)
                mark = len(server.request_log)
                t0 = time.perf_counter()
                result = work_fn()
                seconds = time.perf_counter() - t0
                methods = Counter(r.method for r in list(server.request_log)[mark:])
                print(f"{label:<14} {seconds:7.2f} s  requests {dict(sorted(methods.items()))}  {result}")

            measured("baseline read", lambda: sum(len(p.entities) for p in client.iter_entity_pages(
                "children", page_size=args.page_size, project_id=project_id)))
            def push() -> object:
                return push_central(client, project_id, engine, page_size=args.page_size)

            measured("first push", push)
            measured("second push", push)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
