"""The `odksync` command: each subcommand is a thin shell over orchestration.pipeline."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from orchestration.settings import Settings

app = typer.Typer(
    help="odksync: ODK Central and KoboToolbox to the Equitable Education Fund's plan-status report.",
    no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False,
)
forms_app = typer.Typer(help="Validate and deploy the programme's XLSForms.", no_args_is_help=True)
db_app = typer.Typer(help="The warehouse database.", no_args_is_help=True)
app.add_typer(forms_app, name="forms")
app.add_typer(db_app, name="db")

# Tables stay readable when the output is a file or a CI log (rich assumes 80 columns there).
console = Console(width=None if sys.stdout.isatty() else 140)
errors = Console(stderr=True, width=None if sys.stderr.isatty() else 120)
T = TypeVar("T")


@contextmanager
def _friendly_errors() -> Iterator[None]:
    """Turn the failures a person can fix into one clear line and exit code 1, not a traceback."""
    from connectors.central.errors import CentralError
    from connectors.kobo.errors import KoboError
    from orchestration.central import ConfigurationError
    from orchestration.kobo import KoboConfigurationError
    from orchestration.settings import ConfigurationValueError
    from sandbox.common.store import StateTooOld
    from warehouse.db import SchemaOutOfDate
    from warehouse.locks import SyncInProgress

    try:
        yield
    except (CentralError, KoboError, ConfigurationError, KoboConfigurationError, ConfigurationValueError,
            SchemaOutOfDate, SyncInProgress, StateTooOld, LookupError, FileNotFoundError) as e:
        errors.print(f"[bold red]error:[/] {e}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        errors.print("interrupted: nothing half-written is kept; run the command again to finish.")
        raise typer.Exit(130) from None


def _engine(settings: Settings) -> Any:
    from warehouse.db import ensure_schema, make_engine

    engine = make_engine(settings.database_url)
    ensure_schema(engine)
    return engine


def _run(work: Callable[[Settings], T]) -> T:
    with _friendly_errors():
        return work(Settings.from_env())


@app.command()
def demo(
    children: Annotated[int, typer.Option(help="Children the simulated enumerators register.")] = 761,
    seed: Annotated[int, typer.Option(help="Seed of the simulated data.")] = 2026,
) -> None:
    """The main job on embedded defaults, through Dagster: local server, forms, simulated field work,
    then every asset and check materialised into DAGSTER_HOME (`odksync ui` shows them), and a summary."""
    from orchestration.demo import run_demo

    result = _run(lambda s: run_demo(s, console=console, children=children, seed=seed))
    if not result.ok:
        errors.print("[bold red]error:[/] the demo's Dagster run failed or a blocking check failed "
                     "(see the lines above and the log they name)", highlight=False)
        raise typer.Exit(1)


@app.command()
def sandbox(
    port: Annotated[int, typer.Option(help="ODK Central port on 127.0.0.1 (0: any free port).")] = 8383,
    kobo_port: Annotated[int, typer.Option(help="KoboToolbox port on 127.0.0.1 (0: any).")] = 8384,
) -> None:
    """Run the local ODK Central- and KoboToolbox-compatible servers in the foreground (Ctrl-C stops)."""
    from orchestration.local_servers import serve_local

    _run(lambda settings: serve_local(settings, console=console, port=port, kobo_port=kobo_port))


@forms_app.command("validate")
def forms_validate(
    files: Annotated[list[Path] | None, typer.Argument(help="XLSForms (default: all).")] = None,
) -> None:
    """Run pyxform and ODK Validate on every form; exit 1 on any problem."""
    import forms
    from connectors.xlsform import validate

    paths = files or forms.form_paths()
    problems = validate(paths)
    for problem in problems:
        errors.print(f"[red]✗[/] {problem}", highlight=False, soft_wrap=True)
    if problems:
        raise typer.Exit(1)
    for path in paths:
        console.print(f"[green]✓[/] {path.name}: pyxform and ODK Validate found no problem")


@forms_app.command("deploy")
def forms_deploy(
    target: Annotated[str, typer.Option(help="central (ODK Central) or kobo (KoboToolbox).")] = "central",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would change; write nothing.")] = False,
    force: Annotated[bool, typer.Option(
        "--force", help="Deploy even a change that removes, renames or retypes a field the warehouse reads.",
    )] = False,
) -> None:
    """Create or update and publish every form, with its media; unchanged forms are left alone."""
    if target not in ("central", "kobo"):
        errors.print(f"error: unknown target {target!r}; use --target central or --target kobo.")
        raise typer.Exit(2)
    from orchestration.pipeline import FormChangeRefused

    def warn(message: str) -> None:
        errors.print(f"[yellow]warning:[/] {message}", highlight=False, soft_wrap=True)

    def central(settings: Settings) -> None:
        from orchestration.central import central_client
        from orchestration.pipeline import deploy_forms, describe_deploy

        with central_client(settings) as (client, project_id):
            for result in deploy_forms(client, project_id, dry_run=dry_run, force=force, warn=warn):
                console.print(describe_deploy(result), highlight=False, soft_wrap=True)

    def kobo(settings: Settings) -> None:
        from orchestration.kobo import deploy_forms_kobo

        for result in deploy_forms_kobo(settings, dry_run=dry_run, force=force):
            would = "would be " if result.dry_run and result.action != "unchanged" else ""
            changes = f" ({'; '.join(result.changes)})" if result.changes else ""
            console.print(f"{result.form_id}: {would}{result.action} (version {result.version or '-'})"
                          f"{changes}", highlight=False, soft_wrap=True)

    try:
        _run(central if target == "central" else kobo)
    except FormChangeRefused as refused:
        errors.print(f"[bold red]refused:[/] {refused}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


@app.command()
def simulate(
    children: Annotated[int, typer.Option(help="How many children to register.")] = 761,
    seed: Annotated[int, typer.Option(help="Same seed, same submissions: a rerun adds nothing.")] = 2026,
) -> None:
    """Simulated enumerators register children, then visit, plan and follow up over months,
    submitting through the OpenRosa API and picking children from the entity list as Collect does."""
    from orchestration.central import central_client
    from orchestration.demo import describe_simulation
    from orchestration.progress import progress_bar
    from simulation.submitter import simulate as run_simulation

    def work(settings: Settings) -> None:
        with central_client(settings) as (client, _), progress_bar(console, "submitting") as tick:
            result = run_simulation(client, children=children, seed=seed, progress=tick)
        for line in describe_simulation(result):
            console.print(line)

    _run(work)


@app.command()
def sync(
    source: Annotated[str, typer.Option(help="central (ODK Central) or kobo (KoboToolbox).")] = "central",
    form: Annotated[list[str] | None, typer.Option(help="Only this form id (repeatable).")] = None,
    full: Annotated[bool, typer.Option(
        "--full", help="Fetch everything and compare every submission id with the server's.")] = False,
) -> None:
    """Pull new and changed submissions into the warehouse."""
    if source not in ("central", "kobo"):
        errors.print(f"error: unknown source {source!r}; use --source central or --source kobo.")
        raise typer.Exit(2)
    from orchestration.central import central_client
    from orchestration.demo import describe_sync
    from orchestration.kobo import kobo_client
    from orchestration.kobo_sync import sync_kobo
    from orchestration.pipeline import sync_central
    from orchestration.progress import form_progress

    def work(settings: Settings) -> None:
        engine = _engine(settings)
        if source == "kobo":
            with kobo_client(settings) as kobo, form_progress(console) as tick:
                results = sync_kobo(kobo, engine, form_ids=form, full=full, progress=tick)
        else:
            store = settings.content_store()
            with central_client(settings) as (client, project_id), form_progress(console) as tick:
                results = sync_central(client, project_id, engine, form_ids=form, full=full,
                                       progress=tick, attachments=store)
        for r in results:
            console.print(f"{r.form_id}: {describe_sync(r)}, {r.flagged} flagged; "
                          f"{r.warehouse_count}/{r.source_count} held"
                          f"{'' if r.in_sync else ' [yellow](not in sync)[/]'}")

    _run(work)


@app.command()
def status(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable, as pinned.")] = False,
) -> None:
    """Per form: submissions at the source and in the warehouse, as of the last sync."""
    from warehouse.db import session_scope
    from warehouse.status import form_status

    def work(settings: Settings) -> list[dict[str, Any]]:
        with session_scope(_engine(settings)) as session:
            return form_status(session)

    rows = _run(work)
    if as_json:
        sys.stdout.write(json.dumps({"forms": rows}, ensure_ascii=False, indent=2) + "\n")
        return
    console.print(status_table(rows))


def status_table(rows: list[dict[str, Any]]) -> Table:
    """The per-form summary a data manager reads after a sync."""
    table = Table(title="odksync: forms as of the last sync")
    for header in ("source", "form", "at source", "in warehouse", "quarantined", "deleted",
                   "files missing", "encrypted", "last sync", "in sync"):
        table.add_column(header, no_wrap=header in ("form", "encrypted", "last sync"),
                         justify="right" if header.startswith(("at", "in w", "quar", "del", "files"))
                         else "left")
    for r in rows:
        table.add_row(r["source"], r["form_id"], str(r["source_count"]), str(r["warehouse_count"]),
                      str(r["quarantined"]), str(r["deleted"]), str(r["attachments_missing"]),
                      f"[yellow]yes, {r['metadata_only']} metadata only[/]" if r.get("encrypted")
                      else "no",
                      (r["last_sync"] or "never")[:16].replace("T", " "),
                      "[green]yes[/]" if r["in_sync"] else "[red]no[/]")
    notes = [f"{r['form_id']}: {r['note']}" for r in rows if r.get("note")]
    notes += [f"{r['form_id']}: {r['normalise_pending']} not normalised yet (odksync normalise)"
              for r in rows if r.get("normalise_pending")]
    table.caption = "\n".join(notes) or None
    return table


@app.command()
def history(
    submission_id: Annotated[str, typer.Argument(help="The submission's id at the source (__id).")],
    form: Annotated[str, typer.Option(help="Form id.")],
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="ISO date or time (UTC): print what the submission said then, as JSON.")] = None,
    source: Annotated[str, typer.Option(help="central or kobo.")] = "central",
) -> None:
    """Every version of one submission and each field's changes, or what it said at a given time."""
    from datetime import UTC, datetime

    from warehouse.db import session_scope
    from warehouse.history import as_of as version_at
    from warehouse.history import effective_at, field_changes, versions

    def work(settings: Settings) -> None:
        with session_scope(_engine(settings)) as session:
            project = str(settings.central_project_id or "") if source == "central" else ""
            found = [v for p in {project, *_projects(session, source, form)}
                     for v in versions(session, source=source, project_id=p, form_id=form,
                                       submission_id=submission_id)]
        if not found:
            raise LookupError(f"No submission {submission_id} of form {form} from {source} is in "
                              "the warehouse: check the id (odksync status lists the forms).")
        if as_of is not None:
            when = datetime.fromisoformat(as_of)
            when = when if when.tzinfo else when.replace(tzinfo=UTC)
            version = version_at(found, when)
            sys.stdout.write(json.dumps(version.payload if version else None, ensure_ascii=False,
                                        indent=2) + "\n")
            return
        console.print(f"{form} {submission_id}: {len(found)} version(s)", highlight=False)
        table = Table()
        for header in ("version", "in force from", "review state", "issues"):
            table.add_column(header)
        for v in found:
            table.add_row(str(v.version_no), effective_at(v).isoformat(), v.review_state or "",
                          str(len(v.issues)))
        console.print(table)
        for change in field_changes(found):
            console.print(f"v{change.version_no} {change.field}: {change.before!r} → {change.after!r}",
                          highlight=False)

    _run(work)


def _projects(session: Any, source: str, form: str) -> set[str]:
    from sqlmodel import col, select

    from warehouse.models import SyncState

    return set(session.exec(select(SyncState.project_id).where(
        col(SyncState.source) == source, col(SyncState.form_id) == form)).all())


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the warehouse's pending migrations (safe to run any time)."""
    from warehouse.db import make_engine, upgrade

    def work(settings: Settings) -> None:
        before, after = upgrade(make_engine(settings.database_url))
        console.print(f"warehouse schema: {before or 'empty'} → {after}")

    _run(work)


@app.command()
def ui(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 3000,
) -> None:
    """Open the Dagster UI on 127.0.0.1 with this workspace and DAGSTER_HOME (the demo's runs)."""
    from orchestration.dagster_ui import run_ui

    _run(lambda settings: run_ui(settings, port=port, console=console))


from orchestration.cli_enumerators import enumerators_app  # noqa: E402  (enumerators sync, qr)
from orchestration.cli_normalise import normalise_commands  # noqa: E402  (normalise, quarantine list)

app.add_typer(normalise_commands)
from orchestration.cli_match import match_commands  # noqa: E402, I001  (match --input --output)
app.add_typer(match_commands)
app.add_typer(enumerators_app, name="enumerators")
from orchestration.cli_run import run_commands  # noqa: E402, I001  (run: every stage, no Dagster)
app.add_typer(run_commands)
from orchestration.cli_review import review_app  # noqa: E402, I001  (review list|accept|reject)
app.add_typer(review_app, name="review")
from orchestration.cli_export import deliveries_app, export_commands  # noqa: E402, I001  (export)
app.add_typer(export_commands)
app.add_typer(deliveries_app, name="deliveries")
from orchestration.cli_report import report_commands  # noqa: E402, I001  (report --period YYYY-MM)
app.add_typer(report_commands)
from orchestration.cli_push import push_commands  # noqa: E402, I001  (push: status back to the field)
app.add_typer(push_commands)

from orchestration.cli_child import child_app, purge_commands  # noqa: E402, I001  (child show|correct|erase, purge)
app.add_typer(child_app, name="child")
app.add_typer(purge_commands)


if __name__ == "__main__":
    app()
