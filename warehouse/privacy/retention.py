"""Retention (DOMAIN §5.2 item 9): `retain_until` for each closed case, and the purge of those past it.

A case is closed at status 25 or 70 and above (DOMAIN §6); it is kept for the configured period after
the day it closed (`ODKSYNC_RETENTION_DAYS`), then `odksync purge` erases it (reason `retention`) exactly
as a subject's request would (warehouse/privacy/erasure.py). DOMAIN §5 names no period ("after the
agreed period"): the default below is a placeholder for the period the LAOs and the fund agree, and
the basis register should state it. A reopened case loses its `retain_until` until it closes again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, delete, select
from sqlmodel import Session, col

from warehouse import audit
from warehouse.content_store import ContentStore
from warehouse.plan_status.store import CurrentStatus
from warehouse.privacy.erasure import LEGAL_BASIS, ErasureResult, erase_child
from warehouse.privacy.subject_rights import ChildRetention
from warehouse.privacy.tombstone import ErasureTombstone

RETENTION_ENV = "ODKSYNC_RETENTION_DAYS"
DEFAULT_RETENTION_DAYS = 5 * 365  # placeholder until the agreed period is configured


def retention_days(environ: Mapping[str, str]) -> int:
    """The retention period in days from the environment (a positive whole number), else the default."""
    return positive_days(environ, RETENTION_ENV, DEFAULT_RETENTION_DAYS)


def positive_days(environ: Mapping[str, str], name: str, default: int) -> int:
    """A number of days from the environment variable `name`: a positive whole number, else `default`
    when unset; anything else is refused with the variable's name."""
    value = (environ.get(name) or "").strip()
    if not value:
        return default
    try:
        days = int(value)
    except ValueError:
        days = 0
    if days <= 0:
        raise ValueError(f"{name} ต้องเป็นจำนวนวันที่มากกว่า 0 (must be a positive number of days), "
                         f"not {value!r}")
    return days


def refresh_retention(session: Session, *, days: int) -> int:
    """`retain_until` for every closed case from the day it closed; rows of reopened cases removed.
    Returns how many closed cases have one (the caller commits)."""
    closed = {child: since for child, since in session.execute(
        select(col(CurrentStatus.child_id), col(CurrentStatus.since)).where(
            col(CurrentStatus.closed).is_(True), col(CurrentStatus.since).is_not(None)))}
    held = {r.child_id: r for r in session.scalars(select(ChildRetention))}
    stale = [c for c in held if c not in closed and session.get(ErasureTombstone, c) is None]
    if stale:
        session.execute(delete(ChildRetention).where(col(ChildRetention.child_id).in_(stale)))
    for child, since in closed.items():
        until = since + timedelta(days=days)
        row = held.get(child)
        if row is None:
            session.add(ChildRetention(child_id=child, closed_on=since, retain_until=until, period_days=days))
        elif (row.closed_on, row.retain_until, row.period_days) != (since, until, days):
            row.closed_on, row.retain_until, row.period_days = since, until, days
            session.add(row)
    session.flush()
    return len(closed)


@dataclass
class PurgeResult:
    due: list[str] = field(default_factory=list)  # closed cases past retain_until, not erased yet
    erased: list[ErasureResult] = field(default_factory=list)
    dry_run: bool = False
    audit_event_id: int | None = None


def purge(engine: Engine, *, days: int, actor: str, today: date | None = None, dry_run: bool = False,
          store: ContentStore | None = None) -> PurgeResult:
    """Erase every closed case whose `retain_until` has passed (reason `retention`); audited as
    `purge`. With `dry_run`, only says which cases are due and changes nothing."""
    today = today or datetime.now(UTC).date()
    with Session(engine) as session:
        refresh_retention(session, days=days)
        erased = set(session.scalars(select(col(ErasureTombstone.child_id))))
        due = sorted(c for c in session.scalars(select(col(ChildRetention.child_id)).where(
            col(ChildRetention.retain_until) < today)) if c not in erased)
        if dry_run:
            session.rollback()
            return PurgeResult(due=due, dry_run=True)
        session.commit()
    result = PurgeResult(due=due)
    for child in due:
        result.erased.append(erase_child(engine, child, reason="retention", actor=actor, store=store))
    event = audit.record(engine, actor=actor, action="purge", subject=f"retention>{days}d",
                         row_count=len(result.erased), legal_basis=LEGAL_BASIS["retention"],
                         details={"period_days": days, "as_of": today.isoformat(), "children": due,
                                  "erasure_audit_ids": [r.audit_event_id for r in result.erased]})
    result.audit_event_id = event.id
    return result
