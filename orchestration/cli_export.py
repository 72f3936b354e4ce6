"""`odksync export` (partner-agency exports and their delivery) and `odksync deliveries list`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from orchestration.settings import Settings

export_commands = typer.Typer()
deliveries_app = typer.Typer(help="Every partner-agency delivery and its receipt.", no_args_is_help=True)


@export_commands.command("export")
def export(
    agency: Annotated[str | None, typer.Option(help="One agency's id (default: every agency).")] = None,
    period: Annotated[str | None, typer.Option(help="YYYY-MM (default: this month).")] = None,
    config: Annotated[Path | None, typer.Option(help="The agencies file (default config/agencies.toml).")
                      ] = None,
) -> None:
    """Build each agency's file with only its configured columns, deliver it to its folder, SFTP server
    or HTTPS endpoint, and retry earlier deliveries that failed; exit 1 if any delivery failed."""
    from orchestration.cli import _engine, _run, console, errors
    from orchestration.exports import describe_exports, run_exports
    from warehouse.exports.agencies import DEFAULT_CONFIG, ConfigurationRefused

    def work(settings: Settings) -> bool:
        engine = _engine(settings)
        try:
            outcomes = run_exports(settings, engine, period=period, agency_id=agency,
                                   config=config or DEFAULT_CONFIG)
        except (ConfigurationRefused, ValueError) as e:
            errors.print(f"[bold red]error:[/] {e}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None
        finally:
            engine.dispose()
        for o in outcomes:
            mark = {"delivered": "[green]✓[/]", "unchanged": "·", "failed": "[red]✗[/]"}.get(o.status, "–")
            left_out = f", ไม่ได้ส่ง {sum(o.excluded.values())} คน (left out)" if o.excluded else ""
            line = (f"{mark} {o.agency_id} {o.period}: {o.file_name}, {o.rows} แถว (rows){left_out}"
                    f" — {o.status}")
            if o.receipt and o.status == "delivered":
                line += f" → {o.receipt}"
            if o.error:
                line += f": {o.error}"
            console.print(line, highlight=False, soft_wrap=True)
        console.print(describe_exports(outcomes), highlight=False, soft_wrap=True)
        return not any(o.status == "failed" for o in outcomes)

    if not _run(work):
        raise typer.Exit(1)


@deliveries_app.command("list")
def deliveries_list(
    agency: Annotated[str | None, typer.Option(help="One agency's id.")] = None,
    limit: Annotated[int, typer.Option(help="The most recent N.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable.")] = False,
) -> None:
    """Every delivery: agency, period, file, rows, SHA-256, where, attempts, status and receipt."""
    from orchestration.cli import _engine, _run, console
    from warehouse.db import session_scope
    from warehouse.exports.store import listing

    def work(settings: Settings) -> list[dict[str, Any]]:
        engine = _engine(settings)
        try:
            with session_scope(engine) as session:
                return [_as_dict(row) for row in listing(session, agency_id=agency, limit=limit)]
        finally:
            engine.dispose()

    rows = _run(work)
    if as_json:
        typer.echo(json.dumps({"deliveries": rows}, ensure_ascii=False, indent=1))
        return
    table = Table("agency", "period", "file", "rows", "sha256", "destination", "tries", "status", "receipt",
                  title="การส่งข้อมูลให้หน่วยงาน (deliveries)")
    for r in rows:
        table.add_row(r["agency"], r["period"], r["file"], str(r["rows"]), r["sha256"][:12], r["destination"],
                      str(r["attempts"]), r["status"], r["receipt"] or r["last_error"] or "")
    console.print(table)


def _as_dict(row: Any) -> dict[str, Any]:
    def iso(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return {"agency": row.agency_id, "period": row.period, "file": row.file_name, "format": row.file_format,
            "columns": list(row.columns), "rows": row.row_count, "excluded": dict(row.excluded),
            "sha256": row.sha256, "destination": row.destination, "legal_basis": row.legal_basis,
            "attempts": row.attempts, "status": row.status, "receipt": row.receipt,
            "last_error": row.last_error, "created_at": iso(row.created_at),
            "last_attempt_at": iso(row.last_attempt_at), "delivered_at": iso(row.delivered_at),
            "delivery_key": row.delivery_key}
