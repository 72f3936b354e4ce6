"""Per-form sync status as pinned for `odksync status --json`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, func
from sqlmodel import Session, col, select

from warehouse.encrypted import metadata_only_count, status_note
from warehouse.models import Submission, SyncState
from warehouse.normalised import NormalisedSubmission


def warehouse_count(session: Session, *, source: str, project_id: str, form_id: str) -> int:
    """Current submissions held for the form: one per submission, deleted ones excluded."""
    return int(session.exec(select(func.count()).select_from(Submission).where(
        col(Submission.source) == source, col(Submission.project_id) == project_id,
        col(Submission.form_id) == form_id, col(Submission.deleted_at).is_(None),
    )).one())


def _normalisation(session: Session, state: SyncState) -> dict[str, int]:
    """Current submissions by normalisation state: normalised, quarantined or pending.

    Quarantined counts those the normaliser refused, and those not yet normalised whose raw
    checks already found an error (they cannot be normalised either), so held = the three summed.
    """
    norm = NormalisedSubmission
    same = and_(col(norm.source) == col(Submission.source),
                col(norm.project_id) == col(Submission.project_id),
                col(norm.form_id) == col(Submission.form_id),
                col(norm.submission_id) == col(Submission.submission_id),
                col(norm.raw_version_id) == col(Submission.version_id))
    joined = select(col(norm.state), col(Submission.has_errors), func.count()).select_from(
        Submission).outerjoin(norm, same).where(
        col(Submission.source) == state.source, col(Submission.project_id) == state.project_id,
        col(Submission.form_id) == state.form_id, col(Submission.deleted_at).is_(None),
    ).group_by(col(norm.state), col(Submission.has_errors))
    counts = {"normalised": 0, "quarantined": 0, "pending": 0}
    for norm_state, has_errors, count in session.exec(joined).all():
        if norm_state in ("normalised", "quarantined"):
            counts[norm_state] += int(count)
        else:
            counts["quarantined" if has_errors else "pending"] += int(count)
    return counts


def _counts(session: Session, state: SyncState) -> tuple[int, int]:
    """(deleted at the source, current submissions still missing attachments)."""
    key = (col(Submission.source) == state.source, col(Submission.project_id) == state.project_id,
           col(Submission.form_id) == state.form_id)
    deleted = session.exec(select(func.count()).select_from(Submission).where(
        *key, col(Submission.deleted_at).is_not(None))).one()
    missing = session.exec(select(func.count()).select_from(Submission).where(
        *key, col(Submission.deleted_at).is_(None),
        col(Submission.attachments_present) < col(Submission.attachments_expected))).one()
    return int(deleted), int(missing)


def form_status(session: Session, *, now: datetime | None = None) -> list[dict[str, Any]]:
    """One object per form and source, with the pinned keys first."""
    now = now or datetime.now(UTC)
    rows = []
    for state in session.exec(
        select(SyncState).order_by(col(SyncState.source), col(SyncState.form_id))
    ).all():
        held = warehouse_count(session, source=state.source, project_id=state.project_id,
                               form_id=state.form_id)
        deleted, missing = _counts(session, state)
        normalisation = _normalisation(session, state)
        sealed = metadata_only_count(session, source=state.source, project_id=state.project_id,
                                     form_id=state.form_id)
        rows.append({
            "source": state.source,
            "form_id": state.form_id,
            "source_count": state.source_count,
            "warehouse_count": held,
            "quarantined": normalisation["quarantined"],
            "last_sync": state.last_success_at.isoformat().replace("+00:00", "Z")
            if state.last_success_at else None,
            "in_sync": bool(state.last_ok and state.source_count == held),
            "project_id": state.project_id,
            "deleted": deleted,
            "attachments_missing": missing,
            "normalised": normalisation["normalised"],
            "normalise_pending": normalisation["pending"],
            "lag_seconds": round((now - state.last_success_at).total_seconds())
            if state.last_success_at else None,
            "last_error": state.last_error,
            # Encrypted at the source: these rows are metadata only (see warehouse/encrypted.py).
            "encrypted": sealed > 0,
            "metadata_only": sealed,
            "note": status_note(sealed) if sealed else None,
        })
    return rows
