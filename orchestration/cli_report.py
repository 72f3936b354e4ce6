"""`odksync report --period YYYY-MM [--out DIR]`: the EEF plan-status report (REPORT_FORMAT.md)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from orchestration.settings import Settings

if TYPE_CHECKING:
    from warehouse.report.build import ReportResult

report_commands = typer.Typer()


def default_out_dir(settings: Settings, period: str) -> Path:
    """ODKSYNC_DATA_DIR/reports/YYYY-MM."""
    return settings.data_dir / "reports" / period


@report_commands.command("report")
def report(
    period: Annotated[str, typer.Option(help="The month to report, Gregorian YYYY-MM (e.g. 2026-11).")],
    out: Annotated[Path | None, typer.Option(
        "--out", help="Folder for the files (default: ODKSYNC_DATA_DIR/reports/YYYY-MM).", file_okay=False,
    )] = None,
) -> None:
    """Write the period's EEF report: XLSX, CSV, JSON and manifest.json; print what it holds."""
    from orchestration.cli import _engine, _run, console, errors
    from warehouse.privacy.pseudonym import MissingSecret
    from warehouse.report.build import write_report
    from warehouse.report.config import ReportConfigError
    from warehouse.report.period import BadPeriod, Period

    try:
        parsed = Period.parse(period)
    except BadPeriod as e:
        errors.print(f"[bold red]error:[/] {e}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None

    def work(settings: Settings) -> None:
        engine = _engine(settings)
        try:
            result = write_report(engine, parsed, out or default_out_dir(settings, str(parsed)),
                                  settings.odksync_secret())
        except (ReportConfigError, MissingSecret) as e:
            errors.print(f"[bold red]error:[/] {e}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None
        finally:
            engine.dispose()
        console.print(describe_report(result), highlight=False, soft_wrap=True)
        for f in result.files:
            console.print(f"  {result.out_dir / f['name']}  sha256 {f['sha256'][:16]}…", highlight=False,
                          soft_wrap=True)

    _run(work)


def describe_report(result: ReportResult) -> str:
    """One report in one line, Thai first (used by the CLI and the `report` stage)."""
    statuses = ", ".join(f"{code}: {n}" for code, n in result.by_status.items()) or "-"
    return (f"รายงาน กสศ. งวด {result.period}: {result.rows} แถว (rows), ข้อยกเว้น {result.exceptions} "
            f"(exceptions) ในนั้นยังไม่มีความยินยอมให้เปิดเผยแก่ กสศ. {result.no_consent} "
            f"(no consent for the fund, basis {result.legal_basis}), "
            f"ถอนความยินยอม {result.withdrawn} (withdrawn, counted only), "
            f"ลบข้อมูลแล้ว {result.erased} (erased, counted only); ตามสถานะ (by status) {statuses} "
            f"→ {result.out_dir}")
