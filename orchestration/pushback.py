"""Push-back to ODK Central: each child's plan status and next follow-up into the `children` entity list.

Conflict-safe and only when changed: every entity is read from the OData feed (its properties and
version), compared with what the warehouse says (warehouse.pushback.desired), and PATCHed with
`baseVersion` = the version read, sending only the properties that differ. A 409.15 (someone changed
the entity since it was read) is answered by reading it again and retrying once with only our
properties recomputed on the fresh data; what the other writer changed elsewhere stays. Still stale
after that: left for the next run, counted.

Batches: Central has no bulk update (bulk endpoints exist for create, delete and restore only), so a
batch is one page of the feed (`page_size` entities, one GET), its warehouse reads done together
(bounded IN lists), then one PATCH per entity that differs. The feed is read twice: the first pass
learns each child's oldest entity (kept when matching merged two children), the second writes.
Requests per run: 2 × pages, plus one GET per entity whose creating submission is not known yet (once
per entity, ever), plus one PATCH per change (and a GET and PATCH per conflict).

Logs carry counts and uuids only, never a property value.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from connectors.central.client import CentralClient
from connectors.central.entity_models import Entity, EntityRow
from connectors.central.errors import EntityVersionConflict
from warehouse.db import session_scope
from warehouse.locks import exclusive
from warehouse.privacy.tombstone import erased_child_ids
from warehouse.pushback.children import child_states, children_by_entity, children_by_submission, resolve_ids
from warehouse.pushback.desired import (
    CLEAR_ERASED,
    MARK_MERGED,
    SKIP_MERGED,
    UNCHANGED,
    UNLINKED,
    UPDATE,
    ChildState,
    Decision,
    EntityNow,
    decide,
    kept_entities,
)
from warehouse.pushback.store import EntityLink, PushRun

log = logging.getLogger("odksync.push")

DATASET = "children"
PAGE_SIZE = 500  # entities per feed page: one batch of warehouse reads and writes
LOCK = "push"


@dataclass
class PushCounts:
    """What one push did, for the log line, the run table and the tests (no personal data)."""

    entities: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts_retried: int = 0
    conflicts_left: int = 0
    merged_marked: int = 0
    skipped_merged: int = 0
    cleared_erased: int = 0
    unlinked: int = 0
    list_missing: bool = False  # the project has no such entity list yet (forms not deployed)

    def count(self, action: str) -> None:
        field = {UPDATE: "updated", UNCHANGED: "unchanged", MARK_MERGED: "merged_marked",
                 SKIP_MERGED: "skipped_merged", CLEAR_ERASED: "cleared_erased", UNLINKED: "unlinked"}[action]
        setattr(self, field, getattr(self, field) + 1)


def _bare(uuid: str) -> str:
    """Central's uuids as the forms carry them: lower case, no `uuid:` prefix."""
    return uuid.lower().removeprefix("uuid:")


def _now(row: EntityRow) -> EntityNow:
    return EntityNow(uuid=row.uuid, label=row.label, data=row.data, version=row.version,
                     created_at=row.created_at)


def _fresh(entity: Entity) -> EntityNow:
    return EntityNow(uuid=entity.uuid, label=entity.label, data=entity.data, version=entity.version,
                     created_at=entity.created_at)


def _pages(client: CentralClient, dataset: str, project_id: int, page_size: int) -> Iterator[list[EntityRow]]:
    for page in client.iter_entity_pages(dataset, page_size=page_size, project_id=project_id):
        yield [e for e in page.entities if e.deleted_at is None]


def _learn_sources(client: CentralClient, session: Session, dataset: str, project_id: int,
                   rows: list[EntityRow], followed: set[str]) -> None:
    """Keep each entity's createdAt, and ask Central once for the creating submission of each
    entity no follow-on form links to the warehouse."""
    uuids = [_bare(r.uuid) for r in rows]
    known = {link.uuid: link for link in session.exec(
        select(EntityLink).where(EntityLink.dataset == dataset, col(EntityLink.uuid).in_(uuids)))}
    for row in rows:
        uuid = _bare(row.uuid)
        link = known.get(uuid)
        if link is None:
            link = EntityLink(dataset=dataset, uuid=uuid, entity_created_at=row.created_at,
                              first_seen_at=datetime.now(UTC))
            session.add(link)
        if not link.source_checked and uuid not in followed:
            link.instance_id = client.entity_creating_instance_id(dataset, row.uuid, project_id)
            link.source_checked = True
            session.add(link)


def _links(session: Session, dataset: str, project_id: int, rows: list[EntityRow]
           ) -> tuple[dict[str, str], dict[str, str]]:
    """uuid → the child id linked (follow-on forms first, then the creating registration), and
    each of those ids → the active child it stands for now."""
    uuids = [_bare(r.uuid) for r in rows]
    by_entity = children_by_entity(session, uuids)
    sources = {link.uuid: link.instance_id for link in session.exec(
        select(EntityLink).where(EntityLink.dataset == dataset, col(EntityLink.uuid).in_(uuids)))
        if link.instance_id}
    by_submission = children_by_submission(session, "central", str(project_id), set(sources.values()))
    linked: dict[str, str] = {}
    for uuid in uuids:
        child = by_entity.get(uuid) or by_submission.get(sources.get(uuid, ""))
        if child is not None:
            linked[uuid] = child
    return linked, resolve_ids(session, set(linked.values()))


def _write(client: CentralClient, dataset: str, project_id: int, entity: EntityNow, decision: Decision,
           child: ChildState | None, kept: str | None, counts: PushCounts) -> None:
    """PATCH what differs on the version read; on 409 read again and retry once."""
    try:
        client.update_entity(dataset, entity.uuid, data=decision.data, label=decision.label,
                             base_version=entity.version, project_id=project_id)
        counts.count(decision.action)
        return
    except EntityVersionConflict:
        counts.conflicts_retried += 1
        log.info("entity %s changed since it was read: reading it again", entity.uuid)
    latest = client.get_entity(dataset, entity.uuid, project_id)
    if latest is None:
        counts.conflicts_left += 1
        return
    fresh = _fresh(latest)
    again = decide(fresh, child, kept)
    if not again.writes:
        counts.count(again.action)
        return
    try:
        client.update_entity(dataset, fresh.uuid, data=again.data, label=again.label,
                             base_version=fresh.version, project_id=project_id)
        counts.count(again.action)
    except EntityVersionConflict:
        counts.conflicts_left += 1
        log.warning("entity %s changed again while retrying: left for the next push", entity.uuid)


def push_central(client: CentralClient, project_id: int, engine: Engine, *, dataset: str = DATASET,
                 page_size: int = PAGE_SIZE) -> PushCounts:
    """Bring the entity list up to date with the warehouse; a second run over the same state writes
    nothing."""
    counts = PushCounts()
    if client.get_dataset(dataset, project_id) is None:
        counts.list_missing = True
        log.warning("push: project %s has no entity list %s yet; deploy the forms first", project_id, dataset)
        return counts
    with exclusive(engine, LOCK), session_scope(engine) as session:
        run = PushRun(target="central", started_at=datetime.now(UTC))
        session.add(run)
        session.commit()
        try:
            kept = _first_pass(client, session, dataset, project_id, page_size)
            erased = erased_child_ids(session)
            for rows in _pages(client, dataset, project_id, page_size):
                _second_pass_page(client, session, dataset, project_id, rows, kept, erased, counts)
            run.ok = True
        except Exception as error:
            run.error = f"{type(error).__name__}: {str(error)[:300]}"
            raise
        finally:
            for name, value in asdict(counts).items():
                if name != "list_missing":
                    setattr(run, name, value)
            run.finished_at = datetime.now(UTC)
            session.add(run)
            session.commit()
            log.info("push to %s: %s", dataset, describe_counts(counts))
    return counts


def _first_pass(client: CentralClient, session: Session, dataset: str, project_id: int,
                page_size: int) -> dict[str, str]:
    """Child id → its kept (oldest) entity, learning creating submissions on the way."""
    oldest: dict[str, tuple[str, datetime | None, str]] = {}
    for rows in _pages(client, dataset, project_id, page_size):
        followed = set(children_by_entity(session, [_bare(r.uuid) for r in rows]))
        _learn_sources(client, session, dataset, project_id, rows, followed)
        session.commit()
        linked, resolved = _links(session, dataset, project_id, rows)
        for row in rows:
            raw = linked.get(_bare(row.uuid))
            if raw is None:
                continue
            child = resolved[raw]
            candidates = [(row.uuid, row.created_at, child)] + ([oldest[child]] if child in oldest else [])
            winner = kept_entities(candidates)[child]
            oldest[child] = next(c for c in candidates if c[0] == winner)
    return {child: triple[0] for child, triple in oldest.items()}


def _second_pass_page(client: CentralClient, session: Session, dataset: str, project_id: int,
                      rows: list[EntityRow], kept: dict[str, str], erased: set[str],
                      counts: PushCounts) -> None:
    linked, resolved = _links(session, dataset, project_id, rows)
    erased_now = {child for raw, child in resolved.items() if raw in erased or child in erased}
    states = child_states(session, set(resolved.values()), erased=erased_now)
    for row in rows:
        counts.entities += 1
        raw = linked.get(_bare(row.uuid))
        child = states.get(resolved[raw]) if raw is not None else None
        keep = kept.get(child.child_id) if child is not None else None
        entity = _now(row)
        if entity.version is None:  # the feed always carries it; read it rather than force
            got = client.get_entity(dataset, row.uuid, project_id)
            if got is None:
                continue
            entity = _fresh(got)
        decision = decide(entity, child, keep)
        if decision.writes:
            _write(client, dataset, project_id, entity, decision, child, keep, counts)
        else:
            counts.count(decision.action)


def describe_counts(counts: PushCounts) -> str:
    """One push in one line, Thai first (counts only)."""
    if counts.list_missing:
        return ("ยังไม่มีรายการเด็ก (children) ในโครงการนี้: ติดตั้งแบบฟอร์มก่อนด้วย odksync forms deploy "
                "(no children entity list yet: deploy the forms first)")
    return (f"รายการ {counts.entities} (entities): เขียน {counts.updated} (updated), "
            f"ไม่เปลี่ยน {counts.unchanged} (unchanged), ชนกันแล้วลองใหม่ {counts.conflicts_retried} "
            f"(conflicts retried), ค้าง {counts.conflicts_left} (left for next run), "
            f"ทำเครื่องหมายรวม {counts.merged_marked} (marked merged), ข้ามที่รวมแล้ว {counts.skipped_merged} "
            f"(skipped merged), ล้างข้อมูลที่ลบ {counts.cleared_erased} (cleared erased), "
            f"ยังไม่เชื่อม {counts.unlinked} (not linked yet)")
