"""Benchmark: the EEF report's writers for N children, beside a plain streaming XLSX and a plain CSV write
of the same rows, measured in the same run.

The rows are synthetic report rows (not a synthetic warehouse): every column filled the way the
warehouse fills it — real LAO codes and names, keyed child_keys, masked IDs, codes, dates — generated
on the fly from a seed, so no case holds the rows. Each case runs in a fresh worker process, so each
peak memory (VmHWM) is its own:

- gen: generating the rows only (the cost inside every case below);
- plain_csv: `csv.writer` over the rows' values, UTF-8 with BOM (baseline);
- plain_xlsx: xlsxwriter in constant-memory mode, `write_row` of the rows' values (baseline);
- csv, xlsx: odksync's CsvWriter and XlsxWriter (typed cells, BE date format, formula neutraliser,
  continuation sheets, summary with chart, exceptions and columns sheets);
- report: the whole write path of `write_report` after the database: rows arriving in child order are
  sorted by (lao_code, child_key) in chunks spilled to disk and merged, then written to XLSX, CSV and
  JSON in one pass;
- warehouse (with --warehouse N[,N]): `write_report` itself over a synthetic SQLite warehouse of N
  children (a registration, a home visit, a plan of two interventions and a follow-up each, with their
  status history), filled in a separate process first (not timed): the selection from the database
  included, to show its memory does not grow with the number of children.

Target: report (the whole write path) within 1.5x of plain_xlsx; memory flat in N (compare the peak at
--small and --children).

    nice -n 10 .venv/bin/python bench/report.py [--children 1000000] [--small 100000] [--only xlsx,...]
        [--warehouse 20000,200000]
"""

from __future__ import annotations

import argparse
import csv
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

CASES = ("gen", "plain_csv", "plain_xlsx", "csv", "xlsx", "report")
SECRET = "bench-report-secret-0123456789"


def peak_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def rows(n: int, seed: int = 2026) -> Iterator[tuple[Any, ...]]:
    """N report rows as value tuples in the report's field order, in child-id order (not report order)."""
    from warehouse.cleaning.codes import laos
    from warehouse.plan_status import lifecycle
    from warehouse.privacy.pseudonym import child_key
    from warehouse.report.rows import lao_name

    rng = random.Random(seed)
    codes = sorted(laos())[::40]  # ~200 LAOs
    names = {code: lao_name(code) or "" for code in codes}
    ref = laos()
    statuses = [10, 20, 25, 30, 40, 50, 50, 50, 55, 60, 70, 80, 90]
    kinds = ["NFE", "RETURN_FORMAL", "VOCATIONAL", "SCHOLARSHIP", "MATERIALS", "CASH", "HEALTH_REF"]
    start = date(2025, 6, 1)
    for i in range(n):
        lao = codes[rng.randrange(len(codes))]
        status = statuses[rng.randrange(len(statuses))]
        registered = start + timedelta(days=rng.randrange(270))
        since = registered + timedelta(days=rng.randrange(60))
        followed = since + timedelta(days=rng.randrange(30)) if status >= 50 else None
        due = followed + timedelta(days=30) if followed and status < 70 else None
        yield (
            "2026-03", lao, names[lao], ref[lao]["province_code"], ref[lao]["district_code"] or None,
            f"{ref[lao]['province_code']}{rng.randrange(1, 20):02d}{rng.randrange(1, 15):02d}",
            child_key(f"child{i:08d}", SECRET), f"x-xxxx-xxxxx-{rng.randrange(100):02d}-{rng.randrange(10)}",
            "MF"[rng.randrange(2)], ("6-11", "12-14", "15-17", "18-24")[rng.randrange(4)],
            ("NEVER", "DROPOUT", "NOTCONT", "ATRISK", "NEET")[rng.randrange(5)],
            ("POVERTY", "FAMILY", "WORK", None)[rng.randrange(4)], registered, status,
            lifecycle.STATUSES[status].thai, since,
            "|".join(rng.sample(kinds, rng.randrange(0, 3))) if status >= 30 else "",
            "YN"[rng.randrange(2)],
            ("IN_NFE", "IN_FORMAL", "WORKING", None)[rng.randrange(4)] if followed else None,
            rng.randrange(1, 12), followed, due, "Y" if due and due < date(2026, 3, 31) else "N",
        )


def fill_warehouse(n: int, path: Path) -> None:
    """A SQLite warehouse of n children, written straight into the tables the report reads."""
    from datetime import UTC, datetime

    from sqlalchemy import insert

    from warehouse.db import ensure_schema, make_engine
    from warehouse.matching.store import Child, ChildAssignment
    from warehouse.normalised import ChildObservation, Education, FollowUp, Plan, PlanIntervention
    from warehouse.plan_status.store import StatusHistory

    engine = make_engine(f"sqlite:///{path}")
    ensure_schema(engine)
    now = datetime(2026, 4, 1, tzinfo=UTC)
    batch = 5000
    with engine.begin() as connection:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.exec_driver_sql("PRAGMA synchronous=OFF")
        generated = rows(n)
        for start in range(0, n, batch):
            tables: dict[Any, list[dict[str, Any]]] = {t: [] for t in (
                Child, ChildAssignment, ChildObservation, Education, FollowUp, Plan, PlanIntervention,
                StatusHistory)}
            for i in range(start, min(n, start + batch)):
                values = next(generated)
                child = f"child{i:08d}"
                tables[Child].append(dict(child_id=child, minted_at=now, status="active"))
                registered, lao = values[12], values[1]
                for k, (form, on) in enumerate((("child_registration", registered),
                                                ("home_visit", registered + timedelta(days=3)),
                                                ("assistance_plan", registered + timedelta(days=9)),
                                                ("plan_followup", registered + timedelta(days=30)))):
                    key = dict(source="central", project_id="1", form_id=form, submission_id=f"uuid:{i}-{k}")
                    tables[ChildAssignment].append(dict(
                        obs_key=f"central/1/{form}/uuid:{i}-{k}", child_id=child, evidence="id",
                        assigned_at=now))
                    tables[ChildObservation].append(dict(key, raw_version_id=1, observed_on=on, lao_code=lao,
                                                         sex=values[8], birth_year=2010 + i % 8))
                    if form == "child_registration":
                        tables[Education].append(dict(key, raw_version_id=1, oos_category=values[10]))
                    if form == "assistance_plan":
                        tables[Plan].append(dict(key, raw_version_id=1, plan_id=f"P{i}", plan_version=1,
                                                 plan_date=on, plan_status=40))
                        for position, (kind, funding) in enumerate((("NFE", "EEF"), ("CASH", "LAO")), 1):
                            tables[PlanIntervention].append(dict(key, raw_version_id=1, plan_id=f"P{i}",
                                                                 position=position, intv_type=kind,
                                                                 funding=funding))
                    if form == "plan_followup":
                        tables[FollowUp].append(dict(key, raw_version_id=1, fu_date=on, recommend_status=50,
                                                     child_current_status="IN_NFE"))
                for seq, (to, days) in enumerate(((10, 0), (20, 3), (30, 9), (40, 9), (50, 30)), 1):
                    tables[StatusHistory].append(dict(
                        child_id=child, seq=seq, episode=1, plan_version=1 if to >= 30 else 0,
                        plan_id=f"P{i}" if to >= 30 else None, from_status=None, to_status=to, kind="forward",
                        at=registered + timedelta(days=days), source_key="x"))
            for table, values_list in tables.items():
                connection.execute(insert(table), values_list)
    engine.dispose()


def work(case: str, n: int, folder: Path) -> dict[str, Any]:
    from warehouse.report.config import load_config
    from warehouse.report.model import ReportRow
    from warehouse.report.rows import CHUNK_ROWS, FIELDS, ReportSummary, _Spill
    from warehouse.report.writers import CsvWriter, JsonWriter, XlsxWriter

    config = load_config()
    columns = config.columns_for(None)

    def report_rows() -> Iterator[ReportRow]:
        for values in rows(n):
            yield ReportRow.model_construct(**dict(zip(FIELDS, values, strict=True)))

    started = time.perf_counter()
    if case == "fill":
        fill_warehouse(n, folder / "warehouse.sqlite3")
        return {"case": case, "n": n, "seconds": round(time.perf_counter() - started, 2),
                "peak_mib": round(peak_mib(), 1), "mib_written": 0}
    if case == "warehouse":
        from warehouse.db import make_engine
        from warehouse.report.build import write_report

        engine = make_engine(f"sqlite:///{folder / 'warehouse.sqlite3'}")
        started = time.perf_counter()
        result = write_report(engine, "2026-03", folder / "out", SECRET, actor="bench")
        engine.dispose()
        return {"case": case, "n": result.rows, "seconds": round(time.perf_counter() - started, 2),
                "peak_mib": round(peak_mib(), 1),
                "mib_written": round(sum(f["bytes"] for f in result.files) / 2**20, 1)}
    if case == "gen":
        count = sum(1 for _ in report_rows())
    elif case == "plain_csv":
        with (folder / "plain.csv").open("w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f, lineterminator="\r\n")
            writer.writerow(FIELDS)
            count = 0
            for count, values in enumerate(rows(n), start=1):  # noqa: B007 (count is the result)
                writer.writerow(values)
    elif case == "plain_xlsx":
        import xlsxwriter

        book = xlsxwriter.Workbook(str(folder / "plain.xlsx"), {
            "constant_memory": True, "default_date_format": config.xlsx_date_format})
        sheet = book.add_worksheet("รายงาน")
        sheet.write_row(0, 0, [c.header_th for c in columns])
        count = 0
        for count, values in enumerate(rows(n), start=1):
            if count % 1_000_000 == 0:  # Excel's sheet limit, as the odksync writer does
                sheet = book.add_worksheet(f"รายงาน {count // 1_000_000 + 1}")
            sheet.write_row(count % 1_000_000 + 1, 0, values)
        book.close()
    elif case == "csv":
        out = CsvWriter(folder / "odksync.csv", columns)
        for row in report_rows():
            out.row(row)
        count = out.close().rows
    elif case == "xlsx":
        xlsx = XlsxWriter(folder / "odksync.xlsx", columns, config)
        for row in report_rows():
            xlsx.row(row)
        count = xlsx.close(ReportSummary(), []).rows
    elif case == "report":
        summary = ReportSummary()
        spill = _Spill(CHUNK_ROWS, folder)
        for row in report_rows():
            spill.add(row)
            summary.rows[(row.lao_code, row.plan_status_code)] += 1
        xlsx = XlsxWriter(folder / "r.xlsx", columns, config)
        csv_out = CsvWriter(folder / "r.csv", columns)
        json_out = JsonWriter(folder / "r.json", columns, format_name=config.format, period="2026-03",
                              generated_at="2026-04-01T00:00:00+00:00")
        for values in spill.merged():  # as ReportSelection.values() gives them to write_report
            xlsx.values(values)
            csv_out.values(values)
            json_out.values(values)
        count = xlsx.close(summary, []).rows
        csv_out.close()
        json_out.close([])
    else:
        raise SystemExit(f"unknown case {case}")
    seconds = time.perf_counter() - started
    sizes = sum(p.stat().st_size for p in folder.iterdir() if p.suffix in (".csv", ".xlsx", ".json"))
    return {"case": case, "n": count, "seconds": round(seconds, 2), "peak_mib": round(peak_mib(), 1),
            "mib_written": round(sizes / 2**20, 1)}


def run_worker(case: str, n: int, folder: str | None = None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-report-") as scratch:
        done = subprocess.run([sys.executable, __file__, "--worker", case, "--children", str(n),
                               "--folder", folder or scratch], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{case} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run_warehouse(sizes: list[int]) -> None:
    peaks = []
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="bench-report-wh-") as folder:
            filled = run_worker("fill", n, folder)
            result = run_worker("warehouse", n, folder)
        peaks.append(result["peak_mib"])
        print(f" warehouse n={n:>9,}  {result['seconds']:8.2f} s  peak {result['peak_mib']:7.1f} MiB  "
              f"({result['n']:,} rows; {result['mib_written']} MiB written; "
              f"filling took {filled['seconds']} s, not timed)", flush=True)
    if len(sizes) > 1:
        print(f"  warehouse peak memory n={sizes[0]:,} → n={sizes[-1]:,}: {peaks[0]} → {peaks[-1]} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000, help="the smaller N, for memory flatness")
    parser.add_argument("--only", default=",".join(CASES))
    parser.add_argument("--warehouse", default="",
                        help="children in the synthetic warehouse, e.g. 20000,200000")
    parser.add_argument("--worker")
    parser.add_argument("--folder")
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(work(args.worker, args.children, Path(args.folder))))
        return
    if args.warehouse:
        run_warehouse(sorted(int(n) for n in args.warehouse.split(",")))
    cases = [c for c in args.only.split(",") if c]
    results: dict[tuple[str, int], dict[str, Any]] = {}
    for n in sorted({args.small, args.children}):
        for case in cases:
            result = run_worker(case, n)
            results[(case, n)] = result
            print(f"{case:>10} n={n:>9,}  {result['seconds']:8.2f} s  peak {result['peak_mib']:7.1f} MiB  "
                  f"({result['mib_written']} MiB written)", flush=True)
    big = args.children
    gen = results.get(("gen", big), {}).get("seconds", "?")
    print(f"\nratios at n={big:,} (time; generating the rows takes {gen} s of each):")
    for ours, plain in (("xlsx", "plain_xlsx"), ("csv", "plain_csv"), ("report", "plain_xlsx")):
        if (ours, big) in results and (plain, big) in results:
            ratio = results[(ours, big)]["seconds"] / results[(plain, big)]["seconds"]
            print(f"  {ours} / {plain}: {ratio:.2f}x" + ("  (target 1.5x)" if ours == "report" else ""))
    if all((case, big) in results for case in ("report", "plain_xlsx", "plain_csv")):
        both = results[("plain_xlsx", big)]["seconds"] + results[("plain_csv", big)]["seconds"]
        print(f"  report / (plain_xlsx + plain_csv): {results[('report', big)]['seconds'] / both:.2f}x"
              "  (for context: the report writes XLSX, CSV and JSON)")
    if args.small != big:
        print(f"\npeak memory n={args.small:,} → n={big:,}:")
        for case in cases:
            if (case, args.small) in results and (case, big) in results:
                small, large = results[(case, args.small)]["peak_mib"], results[(case, big)]["peak_mib"]
                print(f"  {case:>10}: {small} → {large} MiB")


if __name__ == "__main__":
    main()
