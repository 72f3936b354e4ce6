"""Benchmark: normalise N raw submissions, against the limit of merely parsing their JSON.

The submissions are the four programme forms as the local Central serves them (the payloads of
tests/warehouse/data/normalise_samples.json), each copy with its own instance id, child name,
13-digit ID (some with a wrong check digit), dates and household answers, in the mix of the
simulated 761-children round (registrations 19 %, home visits 19 %, plans 21 %, follow-ups 41 %).

Three measurements, each in a fresh worker process so each peak memory is its own:

- parse: `json.loads` of every submission's raw JSON, nothing else (the baseline);
- normalise: `json.loads` and the pure normaliser (`normalise_payload`) of each, rows discarded;
- warehouse: `odksync normalise`'s driver over a raw layer holding the N submissions, writing
  every typed row into SQLite (populating the raw layer is not timed).

Memory is flat when the resident memory after the last batch is close to that after the first
tenth of the work (RSS sampled in the progress callback), so it does not grow with N.

    .venv/bin/python bench/normalise.py [--submissions 100000] [--only parse,normalise,warehouse]
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SAMPLES = REPO / "tests" / "warehouse" / "data" / "normalise_samples.json"
OUT = REPO / "bench" / "out"
MIX = (("child_registration", 0.19), ("home_visit", 0.19), ("assistance_plan", 0.21),
       ("plan_followup", 0.41))
VERSION = {"child_registration": "2026113003", "home_visit": "2026113001",
           "assistance_plan": "2026113001", "plan_followup": "2026113001"}
FIRST = ("สมชาย", "ณัฐวุฒิ", "กัญญารัตน์", "ธนพร", "ศิริพร", "อนุชา", "พัชราภา", "วีรยุทธ")
LAST = ("ใจดี", "แสงทอง", "ศรีสุข", "บุญมา", "คำแหล้", "อะคะปัน")


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def peak_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _check_digit(first12: str) -> int:
    return (11 - sum(int(c) * (13 - i) for i, c in enumerate(first12)) % 11) % 10


def submissions(n: int, seed: int = 2026) -> Iterator[tuple[str, str, str, str]]:
    """(form_id, form_version, submission_id, raw JSON) for n varied copies of the samples."""
    samples = json.loads(SAMPLES.read_text(encoding="utf-8"))
    rng = random.Random(seed)
    forms = [f for f, _ in MIX]
    weights = [w for _, w in MIX]
    for i in range(n):
        form = rng.choices(forms, weights)[0]
        data = copy.deepcopy(samples[form])
        sid = f"uuid:bench-{i:08d}"
        data["meta"]["instanceID"] = sid
        data["__id"] = sid
        day = (date(2026, 1, 1) + timedelta(days=rng.randint(0, 320))).isoformat()
        data["today"] = day
        if form == "child_registration":
            province = rng.choice(["10", "50", "70", "67"])
            body = f"1{province}{rng.randint(0, 99):02d}{rng.randint(0, 9999999):07d}"
            check = _check_digit(body) if rng.random() > 0.03 else (_check_digit(body) + 1) % 10
            data["child"]["national_id"] = body + str(check)
            data["child"]["first_name"] = rng.choice(FIRST)
            data["child"]["last_name"] = rng.choice(LAST)
        elif form == "home_visit":
            data["visit"]["visit_date"] = day
            data["household"]["hh_size"] = rng.randint(1, 9)
            data["household"]["hh_income_month"] = rng.randrange(0, 30_000, 500)
        elif form == "assistance_plan":
            data["plan"]["plan_date"] = day
        else:
            data["followup"]["fu_date"] = day
        yield form, VERSION[form], sid, json.dumps(data, ensure_ascii=False)


def write_input(n: int) -> Path:
    path = OUT / f"normalise-{n}.jsonl"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8") as f:
            for form, version, sid, text in submissions(n):
                f.write(json.dumps([form, version, sid]) + "\t" + text + "\n")
    return path


def _lines(path: Path) -> Iterator[tuple[str, str, str, str]]:
    with path.open(encoding="utf-8") as f:
        for line in f:
            head, text = line.split("\t", 1)
            form, version, sid = json.loads(head)
            yield form, version, sid, text


# ---- workers -------------------------------------------------------------------------------------


def work_parse(path: Path, n: int) -> dict[str, Any]:
    start, first = time.perf_counter(), None
    for i, (_, _, _, text) in enumerate(_lines(path), start=1):
        json.loads(text)
        if i == n // 10:
            first = rss_mib()
    return {"seconds": time.perf_counter() - start, "rss_tenth": first, "rss_end": rss_mib(),
            "peak": peak_mib()}


def work_normalise(path: Path, n: int) -> dict[str, Any]:
    from warehouse.normalise.common import Quarantined
    from warehouse.normalise.forms import normalise_payload

    start, first, rows, quarantined = time.perf_counter(), None, 0, 0
    for i, (form, version, _, text) in enumerate(_lines(path), start=1):
        try:
            rows += normalise_payload(form, version, json.loads(text)).count()
        except Quarantined:
            quarantined += 1
        if i == n // 10:
            first = rss_mib()
    return {"seconds": time.perf_counter() - start, "rss_tenth": first, "rss_end": rss_mib(),
            "peak": peak_mib(), "rows": rows, "quarantined": quarantined}


def work_warehouse(path: Path, n: int) -> dict[str, Any]:
    from datetime import UTC, datetime

    from warehouse.db import ensure_schema, make_engine, session_scope
    from warehouse.normalise.driver import normalise_pending
    from warehouse.raw import store_page

    class _System:
        def __init__(self, version: str) -> None:
            self.form_version, self.submission_date = version, datetime(2026, 11, 30, tzinfo=UTC)
            self.updated_at = self.deleted_at = self.review_state = None

    class _Sub:
        def __init__(self, sid: str, version: str, data: dict[str, Any]) -> None:
            self.id, self.system, self.data, self.raw = sid, _System(version), data, data

    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        engine = make_engine(f"sqlite:///{tmp}/w.sqlite3")
        ensure_schema(engine)
        page: dict[str, list[_Sub]] = {}
        with session_scope(engine) as session:
            for i, (form, version, sid, text) in enumerate(_lines(path), start=1):
                page.setdefault(form, []).append(_Sub(sid, version, json.loads(text)))
                if i % 2000 == 0 or i == n:
                    for form_id, subs in page.items():
                        store_page(session, subs, source="central", project_id="1", form_id=form_id,
                                   checker_for=lambda _v: None, now=datetime.now(UTC))
                    session.commit()
                    page = {}
        before = rss_mib()
        samples: list[tuple[int, float]] = []
        with session_scope(engine) as session:
            start = time.perf_counter()
            result = normalise_pending(session, progress=lambda done: samples.append((done, rss_mib())))
            seconds = time.perf_counter() - start
        tenth = next((rss for done, rss in samples if done >= n // 10), before)
        return {"seconds": seconds, "rss_tenth": tenth, "rss_end": samples[-1][1] if samples else before,
                "peak": peak_mib(), "rows": sum(result.rows.values()), "done": result.done,
                "quarantined": sum(result.quarantined.values())}


WORKERS = {"parse": work_parse, "normalise": work_normalise, "warehouse": work_warehouse}


def run_worker(kind: str, path: Path, n: int) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, "--worker", kind, "--input", str(path),
                           "--submissions", str(n)], capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submissions", type=int, default=100_000)
    parser.add_argument("--only", default="parse,normalise,warehouse")
    parser.add_argument("--worker", choices=sorted(WORKERS))
    parser.add_argument("--input", type=Path)
    args = parser.parse_args()
    n = args.submissions
    if args.worker:
        print(json.dumps(WORKERS[args.worker](args.input, n)))
        return
    path = write_input(n)
    print(f"{n:,} submissions ({path.stat().st_size / 2**20:.0f} MiB of raw JSON, {path.name})")
    results = {kind: run_worker(kind, path, n) for kind in args.only.split(",")}
    base = results.get("parse")
    for kind, r in results.items():
        rate = n / r["seconds"]
        growth = r["rss_end"] - (r["rss_tenth"] or r["rss_end"])
        line = (f"{kind:>10}: {r['seconds']:7.1f} s  {rate:9,.0f} submissions/s"
                f"  peak RSS {r['peak']:6.0f} MiB  RSS growth from 10% to 100% of the work {growth:+.0f} MiB")
        if base and kind != "parse":
            line += f"  ({base['seconds'] / r['seconds']:.2f}x the parse-only rate)"
        if "rows" in r:
            line += f"  rows {r['rows']:,}, quarantined {r['quarantined']}"
        print(line)
    target = 2000
    for kind in ("normalise", "warehouse"):
        if kind in results:
            rate = n / results[kind]["seconds"]
            print(f"target {target:,}/s ({kind}): {'met' if rate >= target else 'NOT met'}")


if __name__ == "__main__":
    main()
