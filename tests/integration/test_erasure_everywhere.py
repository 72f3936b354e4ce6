"""An erased child appears nowhere afterwards (issue 9's acceptance): not in the warehouse's personal
fields, not in the rows of a later EEF report (its summary only counts the child), not in a partner
export, and its entity on the field's list loses every personal property.

Real parts end to end: simulated field work on the local Central, sync, normalise, match, status (with
its erasure of withdrawn children), then one child erased on request, then the report, an agency's
export to its folder and the push-back to Central's entity list.
"""

from __future__ import annotations

import csv
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session, col

from connectors.central.client import CentralClient
from orchestration.exports import run_exports
from orchestration.pipeline import deploy_forms, sync_central
from orchestration.pushback import push_central
from orchestration.settings import Settings
from orchestration.stages.status import after_status
from simulation.registration_xml import entity_id as registration_entity_id
from simulation.submitter import simulate
from tests.support.local_central import LocalCentral
from warehouse.db import session_scope
from warehouse.matching.identity import match_warehouse, observation_key
from warehouse.matching.store import ChildAssignment
from warehouse.normalise.driver import normalise_pending
from warehouse.normalised import ChildObservation
from warehouse.plan_status.engine import recompute_status
from warehouse.plan_status.store import CurrentStatus
from warehouse.privacy.erasure import erase_child, resolve_child
from warehouse.privacy.pseudonym import child_key
from warehouse.privacy.tombstone import erased_child_ids
from warehouse.pushback.desired import ERASED_EMPTY, ERASED_LABEL
from warehouse.report.build import write_report

SECRET = "erasure-everywhere-secret-0123456789"
DATASET = "children"
AGENCY = "test-agency"


@dataclass
class Field:
    client: CentralClient
    project_id: int
    engine: Engine
    settings: Settings
    tmp: Path


@pytest.fixture
def field(central: LocalCentral, engine: Engine, tmp_path: Path,
          monkeypatch: pytest.MonkeyPatch) -> Iterator[Field]:
    monkeypatch.setenv("ODKSYNC_SECRET", SECRET)
    settings = Settings.from_env({"ODKSYNC_DATA_DIR": str(tmp_path / "data"), "ODKSYNC_SECRET": SECRET,
                                  "DATABASE_URL": engine.url.render_as_string(hide_password=False)})
    with central.client() as admin:
        project_id = admin.ensure_project(f"erase-{uuid.uuid4().hex[:8]}")
        deploy_forms(admin, project_id)
    config = central.config.model_copy(update={"project_id": project_id})
    with CentralClient(config) as client:
        # Each dialect's run its own children: entity uuids follow the instance ids, and the local
        # Central keeps one entity per uuid across its projects.
        simulate(client, children=8, seed=17 if engine.dialect.name == "sqlite" else 23)
        sync_central(client, project_id, engine)
        with session_scope(engine) as session:
            normalise_pending(session)
            session.commit()
            match_warehouse(session)
            session.commit()
            recompute_status(session, as_of=date(2026, 11, 30))
            session.commit()
        after_status(engine, settings)  # the status stage's erasure of withdrawn children
        yield Field(client, project_id, engine, settings, tmp_path)


@dataclass
class Known:
    """What identifies the chosen child, read before it is erased."""

    child_id: str
    key: str  # the report's child key
    agency_key: str  # the child key the test agency receives (its own key space)
    entity: str  # its registration's entity uuid
    values: list[str]  # names, national ID, guardian phone
    lao: str
    period: str


def _choose(engine: Engine, in_report: set[str]) -> Known:
    """A registered child that is a report row, with a valid ID and a name: the one to erase."""
    with Session(engine) as session:
        statuses = {c.child_id: c.status for c in session.scalars(select(CurrentStatus))}
        erased = erased_child_ids(session)
        latest = max(d for d in session.scalars(select(col(ChildObservation.observed_on))) if d)
        for obs in session.scalars(select(ChildObservation).where(
                col(ChildObservation.form_id) == "child_registration").order_by(col(ChildObservation.id))):
            a = session.get(ChildAssignment, observation_key(obs.source, obs.project_id, obs.form_id,
                                                             obs.submission_id))
            child = resolve_child(session, a.child_id) if a is not None else ""
            if (a is None or child in erased or statuses.get(child) in (None, 99)
                    or child_key(child, SECRET) not in in_report
                    or not (obs.national_id and obs.first_name and obs.last_name and obs.lao_code)):
                continue
            values = [obs.first_name, obs.last_name, obs.national_id]
            values += [v for v in (obs.nickname, obs.guardian_phone) if v and len(v) >= 3]
            own = child_key(child, SECRET, purpose=f"agency:{AGENCY}")
            return Known(child, child_key(child, SECRET), own, registration_entity_id(obs.submission_id),
                         values, obs.lao_code, f"{latest:%Y-%m}")
    raise AssertionError("the simulation should register a child with a status, an ID and a name")


def _agencies(path: Path, lao: str) -> Path:
    """One agency covering the child's LAO, its file in the default folder, and the child's name
    and full ID configured with a legal basis: the export would carry them if the child were in it."""
    path.write_text(f"""
[[agency]]
id = "{AGENCY}"
name = "หน่วยงานทดสอบ"
legal_basis = "pdpa-s24-4"
reference = "ข้อตกลงทดสอบ"
consent_scope = "none"
scope = {{ laos = ["{lao}"] }}
columns = ["period", "lao_code", "child_key", "national_id_masked", "plan_status_code"]
format = "csv"
schedule = "0 6 1 * *"

[[agency.extra_fields]]
field = "child_name"
legal_basis = "pdpa-s24-4"
reference = "ข้อตกลงทดสอบ ข้อ 1"

[[agency.extra_fields]]
field = "national_id"
legal_basis = "pdpa-s24-4"
reference = "ข้อตกลงทดสอบ ข้อ 2"
""", encoding="utf-8")
    return path


def _texts(folder: Path) -> dict[str, str]:
    """Every file under the folder as text (XLSX as its XML parts, unzipped)."""
    import zipfile

    out = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as z:
                out[str(path)] = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
        else:
            out[str(path)] = path.read_text(encoding="utf-8-sig", errors="replace")
    return out


def _hits(texts: dict[str, str], values: list[str]) -> dict[str, list[str]]:
    return {name: [v for v in values if v in text] for name, text in texts.items()
            if any(v in text for v in values)}


def test_an_erased_child_appears_nowhere_afterwards(field: Field) -> None:
    outbox = field.settings.data_dir / "outbox"
    with Session(field.engine) as session:
        latest = max(d for d in session.scalars(select(col(ChildObservation.observed_on))) if d)

    # Before: the child is a report row, in the agency's file and on the entity list, by name.
    before = write_report(field.engine, f"{latest:%Y-%m}", field.tmp / "before", SECRET, actor="test")
    with (field.tmp / "before" / before.path(".csv").name).open(encoding="utf-8-sig", newline="") as f:
        report_rows = {r["child_key"]: r for r in csv.DictReader(f)}
    known = _choose(field.engine, set(report_rows))
    row = report_rows[known.key]
    agencies = _agencies(field.tmp / "agencies.toml", row["lao_code"])  # the LAO the report gives it
    run_exports(field.settings, field.engine, period=known.period, config=agencies, environ={})
    carried = _hits(_texts(outbox), [known.key, known.agency_key, known.values[0]])
    assert [sorted(v) for v in carried.values()] == [sorted([known.agency_key, known.values[0]])], \
        "the export should carry the child first, under the agency's own key and not the fund's"
    push_central(field.client, field.project_id, field.engine)
    entity = field.client.get_entity(DATASET, known.entity, project_id=field.project_id)
    assert entity is not None and entity.data.get("child_id") == known.child_id, entity
    assert known.values[0] in str(entity.data.get("full_name", "")) + str(entity.label)

    erase_child(field.engine, known.child_id, reason="subject_request", actor="dpo",
                store=field.settings.content_store())

    # The warehouse: none of its values in any table.
    from tests.warehouse.erasure_support import warehouse_text

    held = _hits(warehouse_text(field.engine), known.values)
    assert held == {}, f"left in the warehouse: {held}"

    # A later report: no row, no value; the summary counts the erased child.
    after = write_report(field.engine, known.period, field.tmp / "after", SECRET, actor="test")
    assert after.erased >= 1 and after.rows == before.rows - 1
    assert _hits(_texts(field.tmp / "after"), [known.key, *known.values]) == {}
    rows = json.loads((field.tmp / "after" / after.path(".json").name).read_text(encoding="utf-8"))
    assert known.key not in json.dumps(rows, ensure_ascii=False)

    # A later export: a new file without the child; the earlier file is the one delivered before.
    previous = set(_texts(outbox))
    run_exports(field.settings, field.engine, period=known.period, config=agencies, environ={})
    fresh = {name: text for name, text in _texts(outbox).items() if name not in previous}
    assert fresh, "the changed content should give a new export file"
    assert _hits(fresh, [known.key, known.agency_key, *known.values]) == {}

    # The entity list: every personal property emptied, a neutral label, only the opaque id kept.
    push_central(field.client, field.project_id, field.engine)
    entity = field.client.get_entity(DATASET, known.entity, project_id=field.project_id)
    assert entity is not None and entity.label == ERASED_LABEL
    assert all(not entity.data.get(name) for name in ERASED_EMPTY)
    assert entity.data.get("child_id") == known.child_id
    assert _hits({"entity": json.dumps(entity.data, ensure_ascii=False) + entity.label}, known.values) == {}
