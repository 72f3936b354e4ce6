"""The report stage: the EEF plan-status report for the current month (REPORT_FORMAT.md)."""

from __future__ import annotations

from datetime import UTC, datetime

from orchestration.cli_report import default_out_dir, describe_report
from orchestration.stages import StageContext, stage
from warehouse.report.build import write_report
from warehouse.report.period import Period


@stage("report")
def report(context: StageContext) -> str:
    """This month's report (statuses as of the month's last day), written under ODKSYNC_DATA_DIR/reports."""
    period = Period.containing(datetime.now(UTC).date())
    result = write_report(context.engine, period, default_out_dir(context.settings, str(period)),
                          context.settings.odksync_secret())
    return describe_report(result)
