"""Push-back over real HTTP: the local Central's `children` entity list and the local Kobo's children.csv
brought up to date from a warehouse the simulated field work filled (sync → normalise → match → status).

Each test gets its own Central project (the entity list is the state under test) and a warehouse on
SQLite and on PostgreSQL (the `engine` fixture).
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, update
from sqlmodel import Session, select

from connectors.central.client import CentralClient
from connectors.central.entity_models import Entity
from orchestration.kobo import CHILDREN_CSV, deploy_forms_kobo, kobo_client
from orchestration.pipeline import deploy_forms, sync_central
from orchestration.pushback import push_central
from orchestration.pushback_kobo import child_name, children_csv_text, push_kobo
from orchestration.settings import Settings
from simulation.registration_xml import entity_id as registration_entity_id
from simulation.submitter import simulate
from tests.contract.central_contract import write_requests
from tests.support.local_central import LocalCentral
from warehouse.db import session_scope
from warehouse.matching.identity import match_warehouse, observation_key
from warehouse.matching.store import Child, ChildAssignment
from warehouse.normalise.driver import normalise_pending
from warehouse.normalised import ChildObservation
from warehouse.plan_status.engine import recompute_status
from warehouse.plan_status.store import CurrentStatus
from warehouse.privacy.tombstone import ErasureTombstone
from warehouse.pushback.desired import ERASED_LABEL

DATASET = "children"
PERSONAL = ("full_name", "nickname", "village", "birth_year")
SEEDS = itertools.count(1701)
FOLLOW_ON = ("home_visit", "assistance_plan", "plan_followup")


@dataclass
class Field:
    central: LocalCentral
    client: CentralClient
    project_id: int
    engine: Engine

    def entities(self) -> dict[str, Entity]:
        out = {}
        for row in self.client.list_entities(DATASET, project_id=self.project_id):
            got = self.client.get_entity(DATASET, row.uuid, project_id=self.project_id)
            assert got is not None
            out[got.uuid] = got
        return out

    def writes(self, since: int) -> list[str]:
        return [f"{r.method} {r.path}" for r in write_requests(self.central.server.request_log, since=since)]

    def mark(self) -> int:
        return len(self.central.server.request_log)

    def push(self) -> Any:
        return push_central(self.client, self.project_id, self.engine, page_size=3)  # several pages

    def expected_child(self) -> dict[str, str]:
        """uuid → child, known independently of push-back: the simulation's registration uuids
        (fixed by the instance id) and the registrations' current assignments, redirects followed."""
        with Session(self.engine) as session:
            redirects = {c.child_id: c.redirect_to for c in session.exec(select(Child))}
            out = {}
            for o in session.exec(select(ChildObservation).where(
                    ChildObservation.form_id == "child_registration")):
                a = session.get(ChildAssignment, observation_key(o.source, o.project_id, o.form_id,
                                                                 o.submission_id))
                if a is None:
                    continue
                child = a.child_id
                while redirects.get(child):
                    child = str(redirects[child])
                out[registration_entity_id(o.submission_id)] = child
            return out

    def statuses(self) -> dict[str, CurrentStatus]:
        with Session(self.engine) as session:
            return {c.child_id: c for c in session.exec(select(CurrentStatus))}


def _pipeline(client: CentralClient, project_id: int, engine: Engine) -> None:
    sync_central(client, project_id, engine)
    with session_scope(engine) as session:
        normalise_pending(session)
        session.commit()
        match_warehouse(session)
        session.commit()
        recompute_status(session, as_of=date(2026, 11, 30))
        session.commit()


@pytest.fixture
def field(central: LocalCentral, engine: Engine) -> Iterator[Field]:
    with central.client() as admin:
        project_id = admin.ensure_project(f"push-{uuid.uuid4().hex[:8]}")
        deploy_forms(admin, project_id)
    config = central.config.model_copy(update={"project_id": project_id})
    with CentralClient(config) as client:
        # A seed of its own: entity uuids follow the instance ids, and Central's uuids are server-wide.
        simulate(client, children=8, seed=next(SEEDS))
        _pipeline(client, project_id, engine)
        yield Field(central, client, project_id, engine)


def _set_status(engine: Engine, child_id: str, **values: Any) -> None:
    with Session(engine) as session:
        session.execute(update(CurrentStatus).where(CurrentStatus.child_id == child_id)  # type: ignore[arg-type]
                        .values(**values))
        session.commit()


def _moved_on(expected: dict[str, str], statuses: dict[str, CurrentStatus]) -> list[str]:
    """Entities whose child's status has moved past registration (10), sorted."""
    return sorted(u for u, c in expected.items() if c in statuses and statuses[c].status not in (None, 10))


def _stale(field: Field, uuid: str, **data: str) -> None:
    """Another writer (an office user in Central's UI) changes the entity: forced, no baseVersion."""
    field.client.update_entity(DATASET, uuid, data=data, base_version=None, force=True,
                               project_id=field.project_id)


def test_statuses_are_written_and_a_second_run_writes_nothing(field: Field) -> None:
    expected = field.expected_child()
    statuses = field.statuses()
    assert expected and statuses
    # The phones' list lags behind: two entities show an old status and no due date.
    lagging = _moved_on(expected, statuses)[:2]
    assert lagging, "the simulation should move some child past registration"
    for u in lagging:
        _stale(field, u, plan_status="10", next_followup_due="")

    before = field.mark()
    counts = field.push()
    patched = [w for w in field.writes(before) if w.startswith("PATCH")]
    assert len(patched) == counts.updated + counts.merged_marked and counts.updated >= len(lagging)
    assert {w.rsplit("/", 1)[1] for w in patched} >= set(lagging)
    assert all(w.startswith("PATCH") for w in field.writes(before))  # nothing created or deleted

    entities = field.entities()
    for u, child in expected.items():
        data = entities[u].data
        if data.get("merged_into"):
            continue
        assert data["child_id"] == child
        status = statuses.get(child)
        if status is not None and status.status is not None:
            assert data["plan_status"] == str(status.status)
            due = status.next_followup_due
            assert data["next_followup_due"] == (due.isoformat() if due else "")
            if status.plan_id:
                assert data["plan_id"] == status.plan_id

    before = field.mark()
    again = field.push()
    assert field.writes(before) == []
    assert (again.updated, again.merged_marked, again.cleared_erased) == (0, 0, 0)
    assert again.unchanged + again.skipped_merged == again.entities - again.unlinked


class RacingClient(CentralClient):
    """A client whose first update of `target` is overtaken by another writer's change."""

    target: str = ""
    other: CentralClient | None = None
    raced: bool = False

    def update_entity(self, dataset: str, uuid: str, *, data: Mapping[str, str], label: str | None = None,
                      base_version: int | None, force: bool = False,
                      project_id: int | None = None) -> Entity:
        if uuid == self.target and not self.raced and self.other is not None:
            self.raced = True
            self.other.update_entity(dataset, uuid, data={"village": "หมู่ 99 บ้านใหม่"}, base_version=None,
                                     force=True, project_id=project_id)
        return super().update_entity(dataset, uuid, data=data, label=label, base_version=base_version,
                                     force=force, project_id=project_id)


def test_a_concurrent_change_is_reread_and_kept_while_our_properties_are_retried(field: Field) -> None:
    expected = field.expected_child()
    statuses = field.statuses()
    target = _moved_on(expected, statuses)[0]
    _stale(field, target, plan_status="10")
    version_before = field.entities()[target].version

    racing = RacingClient(field.client.config)
    racing.target, racing.other = target, field.client
    with racing:
        counts = push_central(racing, field.project_id, field.engine)
    assert racing.raced and counts.conflicts_retried == 1 and counts.conflicts_left == 0

    entity = field.entities()[target]
    assert entity.data["village"] == "หมู่ 99 บ้านใหม่"  # the other writer's change stays
    assert entity.data["plan_status"] == str(statuses[expected[target]].status)  # ours went in after it
    assert entity.version == version_before + 2  # theirs, then ours on top of it (no blind overwrite)
    assert field.push().updated == 0


def test_a_merged_childs_newer_entity_is_marked_and_then_left_alone(field: Field) -> None:
    expected = field.expected_child()
    entities = field.entities()
    by_child: dict[str, list[str]] = {}
    for u, c in expected.items():
        by_child.setdefault(c, []).append(u)
    single = sorted(c for c, us in by_child.items() if len(us) == 1)
    survivor, loser = single[:2]
    older, newer = sorted((by_child[survivor][0], by_child[loser][0]),
                          key=lambda u: (entities[u].created_at or datetime.max.replace(tzinfo=UTC), u))
    # Matching finds the two children are one: the loser redirects to the survivor.
    with Session(field.engine) as session:
        session.execute(update(Child).where(Child.child_id == loser)  # type: ignore[arg-type]
                        .values(status="merged", redirect_to=survivor))
        session.commit()

    counts = field.push()
    # Every child with several entities keeps one (the simulation may register a child twice too).
    groups = [len(us) for c, us in by_child.items() if c not in (survivor, loser)] + [2]
    assert counts.merged_marked == sum(n - 1 for n in groups)
    after = field.entities()
    assert after[newer].data["merged_into"] == older
    assert after[older].data["merged_into"] == ""
    assert after[older].data["child_id"] == survivor
    # The kept entity shows in the list of the LAO that registered the child last.
    with Session(field.engine) as session:
        registrations = [o for o in session.exec(select(ChildObservation).where(
            ChildObservation.form_id == "child_registration"))
            if registration_entity_id(o.submission_id) in (older, newer)]
    last = max(registrations, key=lambda o: (o.observed_on or date.min, o.id or 0))
    assert after[older].data["lao_code"] == last.lao_code

    _set_status(field.engine, survivor, status=55, next_followup_due=date(2027, 1, 15))
    before = field.mark()
    later = field.push()
    touched = {w.rsplit("/", 1)[1] for w in field.writes(before)}
    assert older in touched and newer not in touched
    assert later.skipped_merged >= 1
    final = field.entities()
    assert final[newer].version == after[newer].version
    assert final[older].data["plan_status"] == "55"


def test_an_erased_childs_entity_is_cleared_and_never_written_again(field: Field, tmp_path: Path) -> None:
    expected = field.expected_child()
    child = sorted(set(expected.values()))[0]
    erased_uuids = sorted(u for u, c in expected.items() if c == child)
    with Session(field.engine) as session:
        session.add(ErasureTombstone(child_id=child, erased_at=datetime.now(UTC), reason="subject_request",
                                     requested_by="test"))
        session.commit()

    counts = field.push()
    assert counts.cleared_erased == len(erased_uuids)
    rows = {r.uuid: r for r in field.client.list_entities(DATASET, project_id=field.project_id)}
    for u in erased_uuids:
        assert rows[u].label == ERASED_LABEL
        assert all((rows[u].data.get(p) or "") == "" for p in (*PERSONAL, "plan_status", "lao_code"))
        assert rows[u].data.get("child_id") == child  # the tombstone's marker, no personal data
    others = [u for u, c in expected.items() if c != child and not rows[u].data.get("merged_into")]
    assert others and all(rows[u].data.get("full_name") for u in others)

    _set_status(field.engine, child, status=50, next_followup_due=date(2027, 2, 1))
    before = field.mark()
    field.push()
    assert not any(w.rsplit("/", 1)[1] in erased_uuids for w in field.writes(before))

    text, _ = children_csv_text(field.engine)
    assert child not in text and child_name(child) not in text


def _kobo_media(kobo: Any) -> dict[str, list[tuple[str, str]]]:
    """Form id → its children.csv files on Kobo: (file uid, md5 hash)."""
    out: dict[str, list[tuple[str, str]]] = {}
    for asset in kobo.list_assets():
        page = kobo.session.json("GET", kobo.session.url(kobo.session.urls.files, uid=asset.uid),
                                 params={"file_type": "form_media"})
        form = next((n for n in FOLLOW_ON if n in asset.description), None)
        out[form or asset.uid] = [(f["uid"], f["metadata"]["hash"]) for f in page["results"]
                                  if f["metadata"]["filename"] == CHILDREN_CSV]
    return out


def test_kobo_children_csv_is_uploaded_only_when_it_changed(field: Field, tmp_path: Path) -> None:
    settings = Settings.from_env({"ODKSYNC_DATA_DIR": str(tmp_path)})
    deploy_forms_kobo(settings)  # the header-only file, as shipped
    with kobo_client(settings) as kobo:
        first = push_kobo(settings, field.engine, kobo)
        assert (first.file_changed, first.forms_uploaded) == (True, 3)
        uploaded = _kobo_media(kobo)
        second = push_kobo(settings, field.engine, kobo)
        assert (second.file_changed, second.forms_uploaded, second.forms_unchanged) == (False, 0, 3)
        assert _kobo_media(kobo) == uploaded  # same file uids: nothing deleted or posted

        text, rows = children_csv_text(field.engine)
        md5 = "md5:" + hashlib.md5(text.encode("utf-8")).hexdigest()
        held = [files for form, files in uploaded.items() if files]
        assert len(held) == 3 and all(files == [(files[0][0], md5)] for files in held)
        table = list(csv.DictReader(io.StringIO(text)))
        assert len(table) == rows == len(field.statuses())
        statuses = field.statuses()
        for row in table:
            status = statuses[row["child_id"]].status
            assert row["plan_status"] == ("" if status is None else str(status))
            assert row["full_name"] and row["lao_code"] and row["merged_into"] == ""

        child = table[0]["child_id"]
        with Session(field.engine) as session:
            session.add(ErasureTombstone(child_id=child, erased_at=datetime.now(UTC),
                                         reason="subject_request"))
            session.commit()
        third = push_kobo(settings, field.engine, kobo)
        assert (third.file_changed, third.forms_uploaded, third.rows) == (True, 3, rows - 1)
        assert child not in (tmp_path / "kobo" / "media" / CHILDREN_CSV).read_text(encoding="utf-8")
