"""Asset checks of the later stages: follow-ups on time, and the report agreeing with the status engine."""


import json

import dagster as dg

from orchestration.assets.plan_status import plan_status
from orchestration.assets.report import eef_report, latest_period, period_of, report_dir
from orchestration.resources import SettingsResource, WarehouseResource
from warehouse.plan_status.monthly import period_account
from warehouse.plan_status.overdue import overdue_followups
from warehouse.plan_status.reconcile import EXAMPLES, reconcile, report_entries
from warehouse.privacy.pseudonym import child_key
from warehouse.privacy.tombstone import erased_child_ids


@dg.asset_check(asset=plan_status, name="plans_have_no_overdue_followups")
def plans_have_no_overdue_followups(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    """No open case has a follow-up past its due date (the date the last follow-up set, else 30
    days after it). A warning with the count, the share of open cases and the longest-overdue
    children's ids (the warehouse's own ids: no names): the LAO's enumerator should visit them."""
    with warehouse.session() as session:
        finding = overdue_followups(session)
    return dg.AssetCheckResult(
        passed=finding.failing == 0, severity=dg.AssetCheckSeverity.WARN,
        description=f"เกินกำหนดติดตาม {finding.failing} จาก {finding.checked} กรณีที่ยังเปิดอยู่ "
                    f"({finding.share:.1%}) ({finding.failing} of {finding.checked} open case(s) overdue)",
        metadata={"open_cases": finding.checked, "overdue": finding.failing, "share": finding.share,
                  "examples": dg.MetadataValue.json(finding.examples)})


@dg.asset_check(asset=eef_report, name="report_rows_reconcile_with_the_status_engine", blocking=True)
def report_rows_reconcile_with_the_status_engine(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource, settings: SettingsResource
) -> dg.AssetCheckResult:
    """The month's report, as written, accounts for every child the status engine counts: each is a
    row or an exception, under the same status, and per status the counts are equal. Blocking: no
    partner export is made from a report that lost or moved a child."""
    config = settings.settings()
    # Run on its own (the UI's "execute check") a check has no partition: the latest report written.
    period = period_of(context.partition_key) if context.has_partition_key else latest_period(config.data_dir)
    folder = report_dir(config.data_dir, period)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    name = next(f["name"] for f in manifest["files"] if f["name"].endswith(".json"))
    secret = config.odksync_secret()
    with warehouse.session() as session:
        account = period_account(session, period, leave_out=erased_child_ids(session))
    records = report_entries(folder / name, expected=int(manifest["rows"]) + int(manifest["exceptions"]))
    result = reconcile(account, records, lambda child: child_key(child, secret))
    engine_total = sum(result.engine_by_status.values())
    report_total = sum(result.report_by_status.values())
    return dg.AssetCheckResult(
        passed=result.passed,
        description=(f"รายงาน {period} ตรงกับสถานะแผน: เด็ก {engine_total} คน (report matches the status "
                     f"engine: {engine_total} children)") if result.passed else
                    (f"รายงาน {period} ไม่ตรงกับสถานะแผน: ขาด {len(result.missing)} คน, สถานะต่าง "
                     f"{len(result.other_status)} คน, engine {engine_total} / report {report_total} "
                     f"(report does not match the status engine)"),
        metadata={"period": period, "engine_children": engine_total, "report_children": report_total,
                  "missing": len(result.missing), "other_status": len(result.other_status),
                  "withdrawn_counted_only": len(account.withdrawn),
                  "engine_by_status": dg.MetadataValue.json(_keyed(result.engine_by_status)),
                  "report_by_status": dg.MetadataValue.json(_keyed(result.report_by_status)),
                  "differences": dg.MetadataValue.json(result.differences()),
                  "missing_examples": dg.MetadataValue.json(result.missing[:EXAMPLES]),
                  "other_status_examples": dg.MetadataValue.json(result.other_status[:EXAMPLES])})


def _keyed(counts: dict[int, int]) -> dict[str, int]:
    return {str(k): v for k, v in counts.items()}


status_checks = [plans_have_no_overdue_followups, report_rows_reconcile_with_the_status_engine]
