"""`odksync demo`: the whole main job on embedded defaults, through Dagster, safe to run again and again."""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from orchestration.central import central_client, local_state_dir
from orchestration.checks_summary import describe_checks
from orchestration.graph_run import GraphOutcome, RunOutcome, materialise_graph
from orchestration.pipeline import deploy_forms
from orchestration.progress import progress_bar
from orchestration.settings import Settings
from warehouse.db import ensure_schema, make_engine, session_scope
from warehouse.normalise.driver import held_counts
from warehouse.status import form_status
from warehouse.sync import SyncResult

if TYPE_CHECKING:
    from simulation.submitter import SimulationResult

REQUEST_LOG = "central-requests.log"


@dataclass
class DemoResult:
    """What the demo leaves: the per-form status rows and what the Dagster runs did."""

    rows: list[dict[str, Any]]
    graph: GraphOutcome

    @property
    def ok(self) -> bool:
        """Every run succeeded and no blocking (ERROR) check failed; warnings are explained, not fatal."""
        return self.graph.success and not any(
            not c.passed and c.severity == "ERROR" for c in self.graph.checks.values())


def run_demo(settings: Settings, *, console: Console, children: int, seed: int) -> DemoResult:
    """Deploy, simulate field work, then materialise the Dagster graph (sync, media, normalise,
    quarantine, every check) into DAGSTER_HOME and summarise; a second run changes nothing."""
    from orchestration.cli import status_table
    from orchestration.local_servers import local_central_up
    from simulation.submitter import simulate

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.odksync_secret()  # generated once, kept owner-only, never printed
    engine = make_engine(settings.database_url)
    ensure_schema(engine)
    console.rule("odksync demo")
    console.print(f"ข้อมูล (data): {settings.data_dir}")
    with local_central_up(settings):
        with central_client(settings) as (client, project_id):
            where = "เซิร์ฟเวอร์ในเครื่องที่ทำงานแบบ ODK Central (local ODK Central-compatible server)" \
                if settings.uses_local_central else "ODK Central"
            console.print(f"{where}: {client.config.base_url} (project {project_id})", highlight=False)
            for result in deploy_forms(client, project_id):
                console.print(f"  form {result.form_id}: {result.action} (version {result.version})")
            staff = provision_enumerators(settings, client, project_id, seed=seed, console=console)
            with progress_bar(console, "enumerators submitting") as tick:
                sim = simulate(client, children=children, seed=seed, progress=tick, tokens=staff)
            for line in describe_simulation(sim):
                console.print(f"  {line}")
        log = local_state_dir(settings) / REQUEST_LOG
        offset = log.stat().st_size if log.exists() else 0
        console.print(f"Dagster: materialise ทุก asset และทุก check (every asset and check) → "
                      f"{settings.dagster_home}", highlight=False)
        graph = materialise_graph(settings, on_run=lambda run: console.print(
            f"  {describe_run(run)}", highlight=False, soft_wrap=True))
        if not any(run.materialised.get("raw/kobo_submissions", {}).get("deployed") for run in graph.runs):
            console.print("  Kobo: ไม่มีแบบฟอร์มบน KoboToolbox จึงไม่มีอะไรให้ซิงก์ (no form is deployed on "
                          "KoboToolbox: the demo's field work goes through ODK Central)", highlight=False)
        if settings.uses_local_central:
            asked = requests_since(log, offset)
            console.print(f"  การซิงก์ส่งคำขอถึงเซิร์ฟเวอร์ {len(asked)} ครั้ง (the sync's requests to the "
                          f"server; each one is in {log})", highlight=False, soft_wrap=True)
    with session_scope(engine) as session:
        for line in describe_held(held_counts(session)):
            console.print(f"  {line}", highlight=False)
        rows = form_status(session)
    engine.dispose()
    console.print(status_table(rows))
    console.print("ผลการตรวจ (asset checks):")
    for line in describe_checks(graph.checks):
        console.print(f"  {line}", highlight=False, soft_wrap=True)
    console.print(f"Dagster: บันทึกของ Dagster อยู่ที่ {graph.log_path}; ดูผลในหน้าเว็บด้วย `odksync ui` "
                  "(Dagster's logs are in that file; `odksync ui` shows these runs)", highlight=False,
                  soft_wrap=True)
    return DemoResult(rows=rows, graph=graph)


def describe_run(run: RunOutcome) -> str:
    """One line per Dagster run, Thai first: what it synced or normalised, or why it failed."""
    if not run.success:
        return f"❌ run {run.label} ล้มเหลว (failed): " + "; ".join(run.failures or ["see the log"])
    meta = run.materialised
    raw = meta.get("raw/central_submissions")
    if raw is not None:
        media = meta.get("raw/central_attachments", {})
        kobo = meta.get("raw/kobo_submissions", {})
        line = (f"ซิงก์ {run.label} (sync): ใหม่ {raw['new_submissions']} (new), "
                f"เก็บแล้ว {raw['warehouse_count']}/{raw['source_count']} (held/at source), "
                f"ไฟล์แนบขาด {media.get('missing', 0)} (media missing)")
        if kobo.get("deployed"):
            line += (f"; Kobo ใหม่ {kobo['new_submissions']}, "
                     f"เก็บแล้ว {kobo['warehouse_count']}/{kobo['source_count']}")
        return line
    normalised = meta.get("normalised_submissions")
    if normalised is not None:
        line = (f"อ่านเป็นตาราง (normalise): ครั้งนี้ {normalised['done_this_run']} รายการ (this run); "
                f"เก็บ {normalised['held']} = อ่านแล้ว {normalised['normalised']} + "
                f"กักไว้ {normalised['quarantined']} (held = normalised + quarantined)")
        matched = meta.get("matched_children")
        if matched is not None:
            line += (f"; จับคู่ (match): {matched['observations']} รายการ → เด็ก {matched['children']} คน, "
                     f"รหัสใหม่ {matched['new_ids']} (new ids), รวม {matched['merges']} (merged), "
                     f"แยก {matched['splits']} (split), รอตรวจสอบ {matched['pending_reviews']} คู่ "
                     "(pairs waiting for review)")
        status = meta.get("plan_status")
        if status is not None:
            line += (f"; สถานะแผน (status): เด็ก {status['children']} คน, ข้อยกเว้นรอแก้ "
                     f"{status['open_exceptions']} (open exceptions), เกินกำหนดติดตาม {status['overdue']} "
                     "(overdue)")
        pushed = meta.get("entity_pushback")
        if pushed is not None:
            line += (f"; ส่งกลับรายชื่อเด็ก (push-back): เขียน {pushed['updated']} (updated), "
                     f"ไม่เปลี่ยน {pushed['unchanged']} (unchanged), ชนกัน {pushed['conflicts']} (conflicts)")
        return line
    report = meta.get("eef_report")
    if report is not None:
        line = (f"รายงาน กสศ. {report['period']} (EEF report): {report['rows']} แถว (rows), "
                f"ข้อยกเว้น {report['exceptions']} (exceptions) → {report['path']}")
        for key, export in sorted(meta.items()):
            if key.startswith("exports/"):
                line += (f"; {key.removeprefix('exports/')}: {export['rows']} แถว, "
                         f"{export['delivery_status']} (rows, delivery)")
        return line
    return f"run {run.label}: " + (", ".join(meta) or "nothing materialised")


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


def describe_held(counts: dict[tuple[str, str, str], dict[str, int]]) -> list[str]:
    """Per form, Thai first: how the held submissions reconcile (the same on every rerun)."""
    return [f"{form_id}: เก็บ {c['held']} = อ่านแล้ว {c['normalised']} + กักไว้ {c['quarantined']}"
            + (f" + รอ {c['pending']}" if c["pending"] else "")
            + f" (held = normalised + quarantined{' + pending' if c['pending'] else ''})"
            for (_, _, form_id), c in sorted(counts.items(), key=lambda kv: kv[0][2])]


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
