"""`odksync demo`: the whole main job on embedded defaults, safe to run again and again."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from orchestration.central import central_client, local_state_dir
from orchestration.pipeline import deploy_forms, sync_central
from orchestration.progress import form_progress, progress_bar
from orchestration.settings import Settings
from warehouse.db import ensure_schema, make_engine, session_scope
from warehouse.normalise.driver import NormaliseResult, held_counts, normalise_pending
from warehouse.status import form_status
from warehouse.sync import SyncResult

if TYPE_CHECKING:
    from simulation.submitter import SimulationResult

REQUEST_LOG = "central-requests.log"


def run_demo(settings: Settings, *, console: Console, children: int, seed: int) -> list[dict[str, Any]]:
    """Deploy, simulate field work, sync and summarise; a second run changes nothing."""
    from orchestration.cli import status_table
    from simulation.submitter import simulate

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.odksync_secret()  # generated once, kept owner-only, never printed
    engine = make_engine(settings.database_url)
    ensure_schema(engine)
    console.rule("odksync demo")
    console.print(f"data: {settings.data_dir}")
    with central_client(settings) as (client, project_id):
        where = "local ODK Central-compatible server" if settings.uses_local_central else "ODK Central"
        console.print(f"{where}: {client.config.base_url} (project {project_id})")
        for result in deploy_forms(client, project_id):
            console.print(f"  form {result.form_id}: {result.action} (version {result.version})")
        staff = provision_enumerators(settings, client, project_id, seed=seed, console=console)
        with progress_bar(console, "enumerators submitting") as tick:
            sim = simulate(client, children=children, seed=seed, progress=tick, tokens=staff)
        for line in describe_simulation(sim):
            console.print(f"  {line}")
        log = local_state_dir(settings) / REQUEST_LOG
        offset = log.stat().st_size if log.exists() else 0
        with form_progress(console) as tick:
            results = sync_central(client, project_id, engine, progress=tick,
                                   attachments=settings.content_store())
        for r in results:
            console.print(f"  sync {r.form_id}: {describe_sync(r)}")
        if settings.uses_local_central:
            console.print("  the sync asked the server for:")
            for line in requests_since(log, offset):
                console.print(f"    {line}", highlight=False, soft_wrap=True)
    with session_scope(engine) as session:
        normalised = normalise_pending(session, max_payload_bytes=settings.max_submission_bytes)
        for line in describe_normalise(normalised, held_counts(session)):
            console.print(f"  {line}", highlight=False)
        rows = form_status(session)
    console.print(status_table(rows))
    return rows


def provision_enumerators(settings: Settings, client: Any, project_id: int, *, seed: int,
                          console: Console) -> dict[str, str]:
    """The simulated round's enumerators, as a roster, made app users per LAO the way
    `odksync enumerators sync` makes them; their tokens, for the simulator to submit with.

    The roster is also written to ODKSYNC_DATA_DIR/roster.csv (owner-only) when none is there,
    so that `odksync enumerators qr` prints their Collect set-up codes.
    """
    from orchestration.enumerators import parse_roster, sync_enumerators
    from simulation.roster import staff_rows

    text = roster_csv(staff_rows(seed))
    path = settings.data_dir / "roster.csv"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
    report = sync_enumerators(client, project_id, parse_roster(text, source="demo roster"))
    for line in report.lines():
        console.print(f"  {line}", highlight=False)
    return report.tokens


def roster_csv(rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["code", "name", "lao_code", "role", "phone"],
                            lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def describe_simulation(sim: SimulationResult) -> list[str]:
    """What the simulated field work did, per form, and how many children the list holds."""
    from simulation.submitter import FORMS

    lines = [f"field work: {sim.submitted} new submissions from {sim.enumerators} enumerators, "
             f"{sim.already_present} already on the server"
             + (f", {sim.conflicts} refused as conflicts" if sim.conflicts else "")]
    for form in FORMS:
        lines.append(f"  {form}: {sim.by_form.get(form, 0)} new, "
                     f"{sim.present_by_form.get(form, 0)} already there")
    if sim.entities is not None:
        lines.append(f"entity list children: {sim.entities} children"
                     + (f" ({sim.entity_updates} brought up to date between visits)"
                        if sim.entity_updates else ""))
    return lines


def describe_normalise(
    result: NormaliseResult, counts: dict[tuple[str, str, str], dict[str, int]]
) -> list[str]:
    """Per form: what this run normalised or quarantined, and how the held submissions reconcile."""
    lines = []
    for (_, _, form_id), c in sorted(counts.items(), key=lambda kv: kv[0][2]):
        lines.append(f"normalise {form_id}: {result.normalised[form_id]} normalised, "
                     f"{result.quarantined[form_id]} quarantined this run; held {c['held']} = "
                     f"{c['normalised']} normalised + {c['quarantined']} quarantined"
                     + (f" + {c['pending']} pending" if c["pending"] else ""))
    return lines


def describe_sync(result: SyncResult) -> str:
    """One line a data manager reads: what the sync fetched and what it changed."""
    changed = result.new_versions - result.new_submissions
    held = result.fetched - result.new_versions
    text = (f"{result.mode}, {result.pages} page(s), {result.new_submissions} new, {changed} changed")
    if held:
        text += f", {held} re-read unchanged (the overlap window)" if result.mode == "incremental" \
            else f", {held} already held"
    return text


def requests_since(log: Path, offset: int) -> list[str]:
    """The local server's requests logged after `offset`, one readable line each."""
    if not log.exists():
        return []
    with log.open("rb") as handle:
        handle.seek(offset)
        lines = handle.read().decode("utf-8").splitlines()
    shown = []
    for line in lines:
        record = json.loads(line)
        query = f"?{record['query']}" if record.get("query") else ""
        shown.append(f"{record['method']} {record['path']}{query} → {record['status']}")
    return shown
