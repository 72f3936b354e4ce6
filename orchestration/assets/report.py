"""Reporting layer: the EEF plan-status report of one month (REPORT_FORMAT.md), with its picture."""

from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import dagster as dg

from orchestration.assets.plan_status import plan_status
from orchestration.pictures import Picture, render
from orchestration.resources import SettingsResource, WarehouseResource
from warehouse.plan_status.monthly import month_ends, monthly_counts
from warehouse.privacy.tombstone import erased_child_ids
from warehouse.report.build import ReportResult, write_report

TIMEZONE = "Asia/Bangkok"
# The programme's first reporting month; a month's partition exists once the month has ended.
report_months = dg.MonthlyPartitionsDefinition(start_date="2026-01-01", timezone=TIMEZONE)
PICTURE_MONTHS = 12  # the picture's span: the year up to the period


def period_of(partition_key: str) -> str:
    """A month partition (`2026-03-01`) as the report's period (`2026-03`)."""
    return partition_key[:7]


def report_dir(data_dir: Path, period: str) -> Path:
    """Where a period's files are written: ODKSYNC_DATA_DIR/reports/YYYY-MM (what `odksync report`
    writes by default too)."""
    return data_dir / "reports" / period


def latest_period(data_dir: Path) -> str:
    """The latest period with a complete report (its manifest written last) under the data dir."""
    done = sorted(p.parent.name for p in (data_dir / "reports").glob("*/manifest.json"))
    if not done:
        raise FileNotFoundError(f"ยังไม่มีรายงานใน {data_dir / 'reports'}: materialise eef_report ก่อน "
                                "(no report written yet: materialise eef_report first)")
    return done[-1]


@dg.asset(group_name="reporting", partitions_def=report_months, deps=[plan_status],
          kinds={"xlsx", "csv", "json"})
def eef_report(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
               settings: SettingsResource) -> dg.MaterializeResult:
    """The month's plan-status report for the EEF: one row per child (pseudonymous key, never a name),
    in XLSX (sheets รายงาน, สรุป, ข้อยกเว้น, columns), CSV and JSON, with manifest.json holding
    each file's SHA-256.

    Children the report cannot show (no LAO, no status, two IDs) are listed on the exceptions
    sheet with what to do; children whose consent was withdrawn are only counted. Before partner
    exports are made from it, the check `report_rows_reconcile_with_the_status_engine` must hold.
    The picture shows children per plan status per LAO at each month end.
    """
    config = settings.settings()
    period = period_of(context.partition_key)
    out_dir = report_dir(config.data_dir, period)
    result = write_report(warehouse.engine(), period, out_dir, config.odksync_secret(), actor="dagster")
    picture = status_picture(warehouse, period)
    context.log.info(f"{period}: {result.rows} row(s), {result.exceptions} exception(s) in {out_dir}")
    return dg.MaterializeResult(metadata={**report_metadata(result), "picture": dg.MetadataValue.md(
        picture.markdown()), "picture_bytes": len(picture.png)})


def report_metadata(result: ReportResult) -> dict[str, Any]:
    """What a data manager reads first: counts, where the files are, and each file's hash."""
    return {
        "period": result.period,
        "format": result.format,
        "rows": result.rows,
        "exceptions": result.exceptions,
        "no_consent_for_fund": result.no_consent,  # among the exceptions (basis consent)
        "pseudonymised": result.pseudonymised,
        "legal_basis": result.legal_basis,
        "withdrawn": result.withdrawn,
        "erased": result.erased,
        "closed_before_period": result.closed_before,
        "by_status": dg.MetadataValue.json({str(k): v for k, v in sorted(result.by_status.items())}),
        "path": dg.MetadataValue.path(str(result.out_dir)),
        "sha256": dg.MetadataValue.json({f["name"]: f["sha256"] for f in result.files}),
        "files": dg.MetadataValue.md(files_table(result)),
        "report_run_id": result.run_id if result.run_id is not None else -1,
    }


def files_table(result: ReportResult) -> str:
    lines = ["| ไฟล์ (file) | แถว (rows) | ขนาด (bytes) | SHA-256 |", "|---|---|---|---|"]
    lines += [f"| {f['name']} | {f['rows']} | {f['bytes']} | `{f['sha256']}` |" for f in result.files]
    lines.append(f"\nแถว {result.rows} · ข้อยกเว้น {result.exceptions} · ถอนความยินยอม {result.withdrawn} "
                 f"(rows · exceptions · consent withdrawn, counted only)")
    return "\n".join(lines)


def status_picture(warehouse: WarehouseResource, period: str) -> Picture:
    """Children per status per LAO at each month end of the year up to `period`, from the first
    month with any status (erased children left out)."""
    with warehouse.session() as session:
        counts = monthly_counts(session, month_ends(period, months=PICTURE_MONTHS),
                                leave_out=erased_child_ids(session))
    counts = trim_empty_months(counts)
    return render(counts, title=f"EEF {period}")


def trim_empty_months(counts: dict[date, dict[str, Counter[int]]]) -> dict[date, dict[str, Counter[int]]]:
    """Leave out the months before the first with any child (always keep the last)."""
    ends = sorted(counts)
    first = next((e for e in ends if any(counts[e].values())), ends[-1] if ends else None)
    return {e: counts[e] for e in ends if first is not None and e >= first}
