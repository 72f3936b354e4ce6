"""Full reconciliation of a form's submission ids: the backstop for deletions no feed reports.

Central purges soft-deleted submissions after 30 days (a deletion the delete sweep never saw is
then gone from every feed) and Kobo lists no deletions at all. Comparing the source's complete id
list with the warehouse's current rows finds both: a current row the source no longer lists gets a
deleted version marked as found absent; nothing in the history is ever removed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import func, insert, update
from sqlmodel import Session, col, select

from warehouse.models import Submission, SubmissionVersion, SyncRun
from warehouse.raw import content_hash

log = logging.getLogger(__name__)

RECONCILE_EVERY = timedelta(days=7)  # each form's id list is compared at least this often
RECONCILE_MODE = "reconcile"  # the sync_run mode that records a reconciliation
# Versions the warehouse writes itself (not received from the source) say so under this payload
# key, with why; history's field changes skip it like the source's own bookkeeping.
MARKER = "__odksync"
FOUND_ABSENT = "found_absent"
_CHUNK = 500  # rows written or read per statement


class IdListLike(Protocol):
    """A source's complete list of its current submission ids, and the count it gave with it."""

    @property
    def ids(self) -> Sequence[str]: ...

    @property
    def count(self) -> int | None: ...  # None: the source gave no single count


class IdSource(Protocol):
    def list_submission_ids(self, form_id: str) -> IdListLike: ...


@dataclass
class ReconcileResult:
    """What one reconciliation found; `trusted` False means nothing was inferred."""

    trusted: bool
    listed: int
    source_count: int | None
    found_absent: list[str] = field(default_factory=list)  # marked deleted now
    relisted: list[str] = field(default_factory=list)  # held as deleted, listed again
    unseen: list[str] = field(default_factory=list)  # listed, never held
    note: str | None = None


def last_reconciled(session: Session, *, source: str, project_id: str, form_id: str) -> datetime | None:
    """When the form's id list was last compared and trusted; None if never."""
    return session.exec(select(func.max(SyncRun.started_at)).where(
        *_run_key(source, project_id, form_id), col(SyncRun.mode) == RECONCILE_MODE,
        col(SyncRun.ok).is_(True))).one()


def reconcile_due(session: Session, *, source: str, project_id: str, form_id: str, now: datetime,
                  every: timedelta = RECONCILE_EVERY) -> bool:
    """Whether the weekly reconciliation is due: `every` since the last one.

    A form never reconciled counts from its first successful sync (which read everything), so a
    new form is not listed twice in its first week and an old one is listed on its next sync.
    """
    since = last_reconciled(session, source=source, project_id=project_id, form_id=form_id)
    if since is None:
        since = session.exec(select(func.min(SyncRun.started_at)).where(
            *_run_key(source, project_id, form_id), col(SyncRun.ok).is_(True))).one()
    if since is None:
        return False
    return _aware(now) - _aware(since) >= every


def reconcile_form(
    client: IdSource,
    *,
    session: Session,
    source: str,
    project_id: str,
    form_id: str,
    clock: Callable[[], datetime],
) -> ReconcileResult:
    """Compare the source's id list with the warehouse's rows and mark the absent ones deleted.

    The list is trusted only when it holds exactly as many distinct ids as the source's count;
    otherwise nothing is inferred and the reason is logged. Restoring a row the source lists again
    is left to the caller, which pulls its content (`relisted`); rows written here are committed.
    """
    run = SyncRun(source=source, project_id=project_id, form_id=form_id, mode=RECONCILE_MODE,
                  started_at=clock())
    listing = client.list_submission_ids(form_id)
    ids = set(listing.ids)
    result = ReconcileResult(trusted=False, listed=len(listing.ids), source_count=listing.count)
    where = f"{source} project {project_id or '-'} form {form_id}"
    if listing.count is None or len(ids) != len(listing.ids) or len(ids) != listing.count:
        result.note = (f"id list of {len(listing.ids)} ids ({len(ids)} distinct) does not match the "
                       f"source's count {listing.count}: not trusted, no deletion inferred")
        log.warning("Reconcile %s: %s", where, result.note)
        run.error = result.note
    else:
        held = dict(session.exec(select(Submission.submission_id, Submission.deleted_at).where(
            *_key(source, project_id, form_id))).all())
        result.trusted = True
        result.found_absent = sorted(s for s, deleted in held.items() if deleted is None and s not in ids)
        result.relisted = sorted(s for s, deleted in held.items() if deleted is not None and s in ids)
        result.unseen = sorted(ids - held.keys())
        now = clock()
        for start in range(0, len(result.found_absent), _CHUNK):
            _mark_absent(session, source, project_id, form_id, result.found_absent[start:start + _CHUNK],
                         now)
        run.ok = True
        if result.found_absent or result.relisted or result.unseen:
            log.info("Reconcile %s: %d listed, %d found absent and marked deleted, %d listed again, "
                     "%d not yet held", where, len(ids), len(result.found_absent),
                     len(result.relisted), len(result.unseen))
    run.finished_at, run.source_count = clock(), listing.count
    run.fetched, run.new_versions = len(listing.ids), len(result.found_absent)
    session.add(run)
    session.commit()
    return result


def _mark_absent(session: Session, source: str, project_id: str, form_id: str,
                 submission_ids: list[str], now: datetime) -> None:
    """A deleted version for each: what it last said, marked as found absent at `now`."""
    rows = session.exec(select(Submission, SubmissionVersion).join(
        SubmissionVersion, col(SubmissionVersion.id) == col(Submission.version_id)).where(
        *_key(source, project_id, form_id), col(Submission.submission_id).in_(submission_ids),
        col(Submission.deleted_at).is_(None))).all()
    if not rows:
        return
    marker = {FOUND_ABSENT: True, "reason": "not in the source's list of submission ids",
              "found_at": now.isoformat()}
    versions: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for current, last in rows:
        payload = {**last.payload, MARKER: marker}
        digest = content_hash(payload)
        version_no = current.version_count + 1
        versions.append({
            "source": source, "project_id": project_id, "form_id": form_id,
            "submission_id": current.submission_id, "version_no": version_no,
            "instance_id": current.instance_id, "content_hash": digest,
            "submission_date": current.submission_date,
            # The deletion's own time is unknown: the version is in force from when it was found.
            "updated_at": now, "review_state": current.review_state, "deleted_at": now,
            "form_version": current.form_version, "payload": payload, "issues": last.issues,
            "received_at": now})
        updates.append({"id": current.id, "content_hash": digest, "version_count": version_no,
                        "updated_at": now, "deleted_at": now, "last_changed_at": now})
    ids = session.execute(
        insert(SubmissionVersion).returning(col(SubmissionVersion.id), sort_by_parameter_order=True),
        versions).scalars().all()
    for row, version_id in zip(updates, ids, strict=True):
        row["version_id"] = version_id
    session.execute(update(Submission), updates)


def is_found_absent(version: SubmissionVersion) -> bool:
    """Whether the warehouse wrote this version on finding the submission absent at the source."""
    marker = version.payload.get(MARKER) if isinstance(version.payload, dict) else None
    return isinstance(marker, dict) and marker.get(FOUND_ABSENT) is True


def _key(source: str, project_id: str, form_id: str) -> tuple[Any, ...]:
    return (col(Submission.source) == source, col(Submission.project_id) == project_id,
            col(Submission.form_id) == form_id)


def _run_key(source: str, project_id: str, form_id: str) -> tuple[Any, ...]:
    return (col(SyncRun.source) == source, col(SyncRun.project_id) == project_id,
            col(SyncRun.form_id) == form_id)


def _aware(moment: datetime) -> datetime:
    """SQLite hands datetimes back without their zone; the warehouse writes them in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
