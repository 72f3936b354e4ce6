"""Normalise what changed in the raw layer: new and edited versions, deletes and restores; replay on demand.

Each current raw submission ends in exactly one state in `norm_submission`: normalised (its rows
are written), quarantined (a `norm_quarantine` row says why) or retracted (deleted at the source,
its rows removed). A submission is (re)done when its current raw version is not the one recorded,
so a second run writes nothing. Each batch is one transaction.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any, cast

import orjson
from pydantic_core import PydanticUndefined
from sqlalchemy import and_, delete, func, or_, select, true, update
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, SQLModel

from warehouse.locks import exclusive
from warehouse.models import Submission, SubmissionVersion
from warehouse.normalise.common import NORMALISER_VERSION, Output, Problem, Quarantined, message_th, short
from warehouse.normalise.forms import normalise_payload
from warehouse.normalised import (
    ChildAlias,
    ChildIdentifier,
    ChildObservation,
    ConsentRecord,
    DataQualityFlag,
    Education,
    FollowUp,
    Guardian,
    HouseholdSnapshot,
    InterventionProgress,
    NormalisedSubmission,
    Plan,
    PlanGoal,
    PlanIntervention,
    Quarantine,
    Screening,
    SelectChoice,
    StatusEvent,
    TextDate,
)
from warehouse.privacy.erasure import erased_keys, redact_version
from warehouse.privacy.rights import corrections_for_keys

# Every table a submission's rows go to; an edit or delete clears them all for that submission.
ROW_TABLES: tuple[type[SQLModel], ...] = (
    ChildObservation, ChildIdentifier, ChildAlias, Guardian, Education, HouseholdSnapshot, Screening, Plan,
    PlanGoal, PlanIntervention, FollowUp, InterventionProgress, ConsentRecord, StatusEvent, SelectChoice,
    DataQualityFlag, TextDate,
)
BATCH = 500
# A submission's answers larger than this (as compact JSON) are not read but quarantined: a phone
# never sends megabytes of answers; such a payload is an attack or a broken client.
MAX_PAYLOAD_BYTES = 5 * 1024 * 1024
_KEY = ("source", "project_id", "form_id", "submission_id")
Key = tuple[str, str, str, str]


@dataclass
class NormaliseResult:
    """What one run did, per form and per table."""

    normalised: Counter[str] = field(default_factory=Counter)
    quarantined: Counter[str] = field(default_factory=Counter)
    retracted: Counter[str] = field(default_factory=Counter)
    rows: Counter[str] = field(default_factory=Counter)  # rows written per table
    batches: int = 0
    erased: int = 0  # submissions of erased children: their anonymised rows left as they are

    @property
    def done(self) -> int:
        return sum(self.normalised.values()) + sum(self.quarantined.values()) + sum(self.retracted.values())


@dataclass
class _Item:
    key: tuple[str, str, str, str]
    version_id: int
    form_version: str | None
    deleted: bool
    known: bool  # norm_submission already has a row: earlier rows to clear
    payload: Any


def normalise_pending(
    session: Session,
    *,
    form_ids: Sequence[str] | None = None,
    replay: bool = False,
    only_quarantined: bool = False,
    batch_size: int = BATCH,
    now: datetime | None = None,
    progress: Callable[[int], None] | None = None,
    max_payload_bytes: int = MAX_PAYLOAD_BYTES,
) -> NormaliseResult:
    """Normalise every current raw submission not yet normalised at its current version.

    `replay` re-normalises every current submission from the raw layer (after a code fix);
    `only_quarantined` replays just the quarantined ones (after a fix for them). Commits per batch.
    """
    # One run at a time: two would both insert the same submissions' states.
    with exclusive(session.get_bind(), "raw submissions into normalised tables"):  # type: ignore[arg-type]
        return _normalise_locked(session, form_ids=form_ids, replay=replay, only_quarantined=only_quarantined,
                                 batch_size=batch_size, now=now or datetime.now(UTC), progress=progress,
                                 max_bytes=max_payload_bytes)


def _normalise_locked(session: Session, *, form_ids: Sequence[str] | None, replay: bool,
                      only_quarantined: bool, batch_size: int, now: datetime,
                      progress: Callable[[int], None] | None,
                      max_bytes: int = MAX_PAYLOAD_BYTES) -> NormaliseResult:
    result = NormaliseResult()
    last = 0
    while True:
        items, last_id = _next_batch(session, after=last, form_ids=form_ids, replay=replay,
                                     only_quarantined=only_quarantined, limit=batch_size)
        if not items:
            return result
        last = last_id
        batch = NormaliseResult()
        try:
            _write_batch(session, items, now=now, result=batch, max_bytes=max_bytes)
            session.commit()
        except SQLAlchemyError:
            session.rollback()
            batch = NormaliseResult()
            for item in items:  # one bad row must not hold back the others
                _write_alone(session, item, now=now, result=batch, max_bytes=max_bytes)
        _merge(result, batch)
        result.batches += 1
        if progress is not None:
            progress(result.done)


def _next_batch(session: Session, *, after: int, form_ids: Sequence[str] | None, replay: bool,
                only_quarantined: bool, limit: int) -> tuple[list[_Item], int]:
    raw = Submission.__table__  # type: ignore[attr-defined]
    norm = NormalisedSubmission.__table__  # type: ignore[attr-defined]
    version = SubmissionVersion.__table__  # type: ignore[attr-defined]
    joined = raw.outerjoin(norm, and_(*(norm.c[k] == raw.c[k] for k in _KEY))).join(
        version, version.c.id == raw.c.version_id)
    changed = or_(
        norm.c.id.is_(None),
        norm.c.raw_version_id != raw.c.version_id,
        and_(raw.c.deleted_at.is_not(None), norm.c.state != "retracted"),
        and_(raw.c.deleted_at.is_(None), norm.c.state == "retracted"),
    )
    if replay:
        changed = or_(changed, raw.c.deleted_at.is_(None))
    elif only_quarantined:
        changed = or_(changed, norm.c.state == "quarantined")
    query = select(raw.c.id, *(raw.c[k] for k in _KEY), raw.c.version_id, raw.c.form_version,
                   raw.c.deleted_at, norm.c.id.label("norm_id"), version.c.payload).select_from(joined).where(
        changed, raw.c.id > after, raw.c.form_id.in_(list(form_ids)) if form_ids else true(),
    ).order_by(raw.c.id).limit(limit)
    rows = session.execute(query).all()
    items = [_Item(key=(r.source, r.project_id, r.form_id, r.submission_id), version_id=r.version_id,
                   form_version=r.form_version, deleted=r.deleted_at is not None, known=r.norm_id is not None,
                   payload=r.payload) for r in rows]
    return items, rows[-1].id if rows else after


def _write_batch(session: Session, items: Sequence[_Item], *, now: datetime, result: NormaliseResult,
                 max_bytes: int = MAX_PAYLOAD_BYTES) -> None:
    # A submission of an erased child is never normalised again (also on replay): its raw payload was
    # redacted and its rows anonymised once (warehouse/privacy/erasure.py); they stay as they are.
    erased = erased_keys(session, [i.key for i in items if not i.deleted])
    if erased:
        _keep_erased(session, [i for i in items if i.key in erased], now=now, result=result)
        items = [i for i in items if i.key not in erased]
        if not items:
            return
    _clear(session, [i.key for i in items if i.known])
    rows: dict[type[SQLModel], list[dict[str, Any]]] = defaultdict(list)
    quarantine: list[dict[str, Any]] = []
    states: list[dict[str, Any]] = []
    for item in items:
        source = dict(zip(_KEY, item.key, strict=True))
        state, written, flags = "retracted", 0, 0
        if not item.deleted:
            try:
                _check_size(item.payload, max_bytes)
                out = normalise_payload(item.key[2], item.form_version, item.payload, source=item.key[0])
            except Quarantined as q:
                state = "quarantined"
                quarantine.append(_quarantine_row(item, q.problems, now))
            else:
                state, written, flags = "normalised", out.count(), out.flags()
                _collect(rows, out, {**source, "raw_version_id": item.version_id})
        getattr(result, state)[item.key[2]] += 1
        states.append({**source, "raw_version_id": item.version_id, "form_version": item.form_version,
                       "state": state, "normaliser": NORMALISER_VERSION, "rows": written, "flags": flags,
                       "normalised_at": now})
    # Core executemany, one statement per table: the ORM's bulk path compiles per row shape.
    connection = session.connection()
    for table, values in rows.items():
        connection.execute(table.__table__.insert(), values)  # type: ignore[attr-defined]
        result.rows[str(table.__tablename__)] += len(values)
    if quarantine:
        connection.execute(Quarantine.__table__.insert(), quarantine)  # type: ignore[attr-defined]
    _record(session, states, known=[i.key for i in items if i.known])
    # Rectifications (odksync child correct) of these submissions' children, back on the rewritten rows.
    corrections_for_keys(session, [i.key for i in items if not i.deleted and i.known])


def _keep_erased(session: Session, items: Sequence[_Item], *, now: datetime, result: NormaliseResult) -> None:
    """Erased submissions: only their state moves to the current raw version; their rows stay (and a
    version that arrived unredacted while its child was being erased is redacted now)."""
    t = NormalisedSubmission.__table__  # type: ignore[attr-defined]
    for item in items:
        redact_version(session, item.version_id, item.payload)
        where = [t.c[k] == v for k, v in zip(_KEY, item.key, strict=True)]
        values = {"raw_version_id": item.version_id, "form_version": item.form_version, "state": "normalised",
                  "normalised_at": now}
        if not getattr(session.execute(update(t).where(*where).values(**values)), "rowcount", 0):
            session.execute(t.insert(), [{**dict(zip(_KEY, item.key, strict=True)), **values,
                                          "normaliser": NORMALISER_VERSION, "rows": 0, "flags": 0}])
        result.erased += 1


def _record(session: Session, states: list[dict[str, Any]], *, known: list[Key]) -> None:
    """Each submission's state, replacing the one recorded before."""
    if known:
        _delete(session, NormalisedSubmission, known)
    session.connection().execute(NormalisedSubmission.__table__.insert(), states)  # type: ignore[attr-defined]


def _check_size(payload: Any, max_bytes: int) -> None:
    try:
        size = len(orjson.dumps(payload, default=str))
    except (TypeError, orjson.JSONEncodeError):  # e.g. a lone surrogate: measured the slow way
        size = len(json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str)
                   .encode("utf-8", "replace"))
    if size > max_bytes:
        raise Quarantined([Problem("too_large", found=f"{size:,} ไบต์", expected=f"{max_bytes:,} ไบต์")])


def _write_alone(session: Session, item: _Item, *, now: datetime, result: NormaliseResult,
                 max_bytes: int = MAX_PAYLOAD_BYTES) -> None:
    """Write one submission on its own; if even that fails, quarantine it with the database's answer."""
    single = NormaliseResult()
    try:
        _write_batch(session, [item], now=now, result=single, max_bytes=max_bytes)
        session.commit()
    except SQLAlchemyError as e:
        session.rollback()
        problem = Problem("write_error", found=short(str(e.orig if hasattr(e, "orig") else e), 200))
        _clear(session, [item.key])
        session.connection().execute(Quarantine.__table__.insert(),  # type: ignore[attr-defined]
                                     [_quarantine_row(item, [problem], now)])
        source = dict(zip(_KEY, item.key, strict=True))
        _record(session, [{
            **source, "raw_version_id": item.version_id, "form_version": item.form_version,
            "state": "quarantined", "normaliser": NORMALISER_VERSION, "rows": 0, "flags": 0,
            "normalised_at": now}], known=[item.key])
        session.commit()
        single = NormaliseResult()
        single.quarantined[item.key[2]] += 1
    _merge(result, single)


def _merge(into: NormaliseResult, part: NormaliseResult) -> None:
    for name in ("normalised", "quarantined", "retracted", "rows"):
        getattr(into, name).update(getattr(part, name))
    into.erased += part.erased


def _collect(rows: dict[type[SQLModel], list[dict[str, Any]]], out: Output, source: dict[str, Any]) -> None:
    for table, values in out.rows.items():
        template = _template(table)
        rows[table].extend({**template, **source, **v} for v in values)


@cache
def _template(table: type[SQLModel]) -> dict[str, Any]:
    """Every column with its default: one executemany needs the same keys in every row."""
    return {name: None if info.default is PydanticUndefined else info.default
            for name, info in table.model_fields.items() if name != "id"}


def _quarantine_row(item: _Item, problems: Sequence[Problem], now: datetime) -> dict[str, Any]:
    source, project, form_id, submission_id = item.key
    first = problems[0]
    message = message_th(first, form_id=form_id, submission_id=submission_id)
    if len(problems) > 1:
        message += f" (และอีก {len(problems) - 1} ปัญหาในรายการเดียวกัน ดูได้ด้วย odksync quarantine list --json)"
    return {
        "source": source, "project_id": project, "form_id": form_id, "submission_id": submission_id,
        "raw_version_id": item.version_id, "form_version": item.form_version, "reason": first.code,
        "field": first.field, "found": first.found, "expected": first.expected, "message": message,
        "problems": [{**p.as_dict(), "message": message_th(p, form_id=form_id, submission_id=submission_id)}
                     for p in problems],
        "quarantined_at": now,
    }


def _clear(session: Session, keys: Iterable[tuple[str, str, str, str]]) -> None:
    """Remove the normalised rows and quarantine entries of these submissions."""
    keys = list(keys)
    for table in (*ROW_TABLES, Quarantine):
        _delete(session, cast(type[SQLModel], table), keys)


def _delete(session: Session, table: type[SQLModel], keys: Iterable[tuple[str, str, str, str]]) -> None:
    groups: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for source, project, form_id, submission_id in keys:
        groups[(source, project, form_id)].append(submission_id)
    t = table.__table__  # type: ignore[attr-defined]
    for (source, project, form_id), ids in groups.items():
        session.execute(delete(t).where(t.c.source == source, t.c.project_id == project,
                                        t.c.form_id == form_id, t.c.submission_id.in_(ids)))


def held_counts(session: Session) -> dict[tuple[str, str, str], dict[str, int]]:
    """Per (source, project, form): current submissions held, normalised, quarantined, pending."""
    raw = Submission.__table__  # type: ignore[attr-defined]
    norm = NormalisedSubmission.__table__  # type: ignore[attr-defined]
    joined = raw.outerjoin(norm, and_(*(norm.c[k] == raw.c[k] for k in _KEY),
                                      norm.c.raw_version_id == raw.c.version_id))
    query = select(raw.c.source, raw.c.project_id, raw.c.form_id, norm.c.state, func.count()).select_from(
        joined).where(raw.c.deleted_at.is_(None)).group_by(raw.c.source, raw.c.project_id, raw.c.form_id,
                                                           norm.c.state)
    out: dict[tuple[str, str, str], dict[str, int]] = {}
    for source, project, form_id, state, count in session.execute(query):
        counts = out.setdefault((source, project, form_id),
                                {"held": 0, "normalised": 0, "quarantined": 0, "pending": 0})
        counts["held"] += count
        counts[state if state in ("normalised", "quarantined") else "pending"] += count
    return out


def table_counts(session: Session) -> dict[str, int]:
    """Rows in each normalised table."""
    tables = [table.__table__ for table in ROW_TABLES]  # type: ignore[attr-defined]
    return {t.name: int(session.execute(select(func.count()).select_from(t)).scalar_one()) for t in tables}
