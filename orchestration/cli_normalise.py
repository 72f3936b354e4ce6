"""`odksync normalise` and `odksync quarantine list`: typed tables from raw submissions, and the rest."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer
from rich.table import Table

from orchestration.settings import Settings

normalise_commands = typer.Typer()
quarantine_app = typer.Typer(help="Submissions that could not be normalised.", no_args_is_help=True)
normalise_commands.add_typer(quarantine_app, name="quarantine")


@normalise_commands.command()
def normalise(
    replay: Annotated[bool, typer.Option(
        "--replay", help="Normalise every current submission again from the raw layer (after a fix).",
    )] = False,
    only_quarantined: Annotated[bool, typer.Option(
        "--only-quarantined", help="With --replay: only the quarantined ones.")] = False,
    form: Annotated[list[str] | None, typer.Option(help="Only this form id (repeatable).")] = None,
) -> None:
    """Raw submissions into typed tables; what cannot be normalised goes to quarantine with a reason."""
    from orchestration.cli import _engine, _run, console
    from warehouse.db import session_scope
    from warehouse.normalise.driver import held_counts, normalise_pending

    def work(settings: Settings) -> None:
        with session_scope(_engine(settings)) as session:
            result = normalise_pending(session, form_ids=form, replay=replay and not only_quarantined,
                                       only_quarantined=only_quarantined,
                                       max_payload_bytes=settings.max_submission_bytes)
            counts = held_counts(session)
        for (_, _, form_id), c in sorted(counts.items(), key=lambda kv: kv[0][2]):
            if form and form_id not in form:
                continue
            console.print(
                f"{form_id}: {result.normalised[form_id]} normalised, {result.quarantined[form_id]} "
                f"quarantined, {result.retracted[form_id]} retracted now; held {c['held']} = "
                f"{c['normalised']} normalised + {c['quarantined']} quarantined"
                + (f" + {c['pending']} pending" if c["pending"] else ""), highlight=False)
        if not result.done:
            console.print("nothing new to normalise")

    _run(work)


@quarantine_app.command("list")
def quarantine_list(
    form: Annotated[str | None, typer.Option(help="Only this form id.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable, every problem listed.")] = False,
) -> None:
    """Each quarantined submission: form, record, field, what was found and expected, what to do."""
    from orchestration.cli import _engine, _run, console

    def work(settings: Settings) -> list[dict[str, Any]]:
        from warehouse.db import session_scope

        with session_scope(_engine(settings)) as session:
            return quarantined(session, form_id=form)

    rows = _run(work)
    if as_json:
        sys.stdout.write(json.dumps({"quarantine": rows}, ensure_ascii=False, indent=2) + "\n")
        return
    if not rows:
        console.print("no submission is in quarantine")
        return
    table = Table(title=f"odksync: {len(rows)} submission(s) in quarantine")
    for header in ("form", "submission", "reason", "field", "message"):
        table.add_column(header, overflow="fold")
    for r in rows:
        table.add_row(r["form_id"], r["submission_id"], r["reason"], r["field"] or "", r["message"])
    console.print(table)


def quarantined(session: Any, *, form_id: str | None = None) -> list[dict[str, Any]]:
    """The quarantine, oldest first, as plain dicts."""
    from sqlmodel import col, select

    from warehouse.normalised import Quarantine

    query = select(Quarantine).order_by(col(Quarantine.form_id), col(Quarantine.id))
    if form_id:
        query = query.where(col(Quarantine.form_id) == form_id)
    return [{
        "source": q.source, "project_id": q.project_id, "form_id": q.form_id,
        "submission_id": q.submission_id, "form_version": q.form_version, "reason": q.reason,
        "field": q.field, "found": q.found, "expected": q.expected, "message": q.message,
        "problems": q.problems, "quarantined_at": q.quarantined_at.isoformat(),
    } for q in session.exec(query).all()]
