"""`odksync enumerators sync` and `odksync enumerators qr`: app users per LAO from the roster, and
Collect set-up QR codes. Tokens are never printed."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from orchestration.settings import Settings

if TYPE_CHECKING:
    from orchestration.enumerators import Enumerator

enumerators_app = typer.Typer(help="Enumerators: ODK Central app users per LAO from the roster, and "
                                   "their Collect set-up QR codes.", no_args_is_help=True)
ROSTER_NAME = "roster.csv"


def roster_path(settings: Settings, given: Path | None) -> Path:
    """--roster, else roster.csv in the data folder (where the demo writes its own)."""
    return given if given is not None else settings.data_dir / ROSTER_NAME


def _roster(settings: Settings, given: Path | None) -> list[Enumerator]:
    """The checked roster; its mistakes are printed, all of them, and end the command (exit 1)."""
    from orchestration.cli import errors
    from orchestration.enumerators import RosterError, read_roster

    try:
        return read_roster(roster_path(settings, given))
    except RosterError as err:
        from rich.markup import escape

        errors.print(f"[bold red]error:[/] {escape(str(err))}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


@enumerators_app.command("sync")
def sync(
    roster: Annotated[Path | None, typer.Option(
        help="Roster CSV (name, lao_code, role, phone, optional code); default ODKSYNC_DATA_DIR/roster.csv.",
    )] = None,
) -> None:
    """One app user per enumerator, tagged with its LAO, given the forms; those who left are revoked."""
    from orchestration.central import central_client
    from orchestration.cli import _run, console
    from orchestration.enumerators import sync_enumerators

    def work(settings: Settings) -> None:
        enumerators = _roster(settings, roster)
        with central_client(settings) as (client, project_id):
            report = sync_enumerators(client, project_id, enumerators)
        for line in report.lines():
            console.print(line, highlight=False)

    _run(work)


@enumerators_app.command("qr")
def qr(
    roster: Annotated[Path | None, typer.Option(
        help="Roster CSV; default ODKSYNC_DATA_DIR/roster.csv.")] = None,
    out: Annotated[Path | None, typer.Option(
        help="Folder for the PNGs and A4 sheets (owner-only); default ODKSYNC_DATA_DIR/qr.")] = None,
) -> None:
    """One QR code PNG per enumerator and one printable A4 HTML sheet per LAO, for ODK Collect."""
    from orchestration.central import central_client
    from orchestration.cli import _run, console
    from orchestration.enumerators import key_of, write_qr_codes

    def work(settings: Settings) -> None:
        enumerators = _roster(settings, roster)
        with central_client(settings) as (client, project_id):
            tokens: dict[str, str] = {}
            for user in sorted(client.actors.list_app_users(project_id), key=lambda u: u.id):
                key = key_of(user.display_name)
                if key is not None and user.token and key not in tokens:
                    tokens[key] = user.token
            result = write_qr_codes(enumerators, tokens, out or settings.data_dir / "qr",
                                    base_url=client.config.base_url, project_id=project_id)
        console.print(f"คิวอาร์โค้ด {len(result.codes)} รูป และแผ่นพิมพ์ A4 {len(result.sheets)} แผ่น ใน "
                      f"{result.directory} (QR codes and A4 sheets; owner-only: they hold credentials)",
                      highlight=False)
        if result.missing:
            console.print(f"ยังไม่มีผู้ใช้แอปสำหรับ {', '.join(result.missing)}: รัน odksync enumerators sync "
                          "ก่อน (no app user yet: run odksync enumerators sync first)", highlight=False)
            raise typer.Exit(1)

    _run(work)
