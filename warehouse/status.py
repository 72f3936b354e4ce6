"""Per-form sync status as pinned for `odksync status --json`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from warehouse.models import Submission, SyncState


def warehouse_count(session: Session, *, source: str, project_id: str, form_id: str) -> int:
    """Current submissions held for the form: one per submission, deleted ones excluded."""
    return int(session.exec(select(func.count()).select_from(Submission).where(
        col(Submission.source) == source, col(Submission.project_id) == project_id,
        col(Submission.form_id) == form_id, col(Submission.deleted_at).is_(None),
    )).one())


def _quarantined(session: Session, state: SyncState) -> int:
    return int(session.exec(select(func.count()).select_from(Submission).where(
        col(Submission.source) == state.source, col(Submission.project_id) == state.project_id,
        col(Submission.form_id) == state.form_id, col(Submission.deleted_at).is_(None),
        col(Submission.has_errors).is_(True),
    )).one())


def form_status(session: Session) -> list[dict[str, Any]]:
    """One object per form and source, with the pinned keys first."""
    rows = []
    for state in session.exec(
        select(SyncState).order_by(col(SyncState.source), col(SyncState.form_id))
    ).all():
        held = warehouse_count(session, source=state.source, project_id=state.project_id,
                               form_id=state.form_id)
        rows.append({
            "source": state.source,
            "form_id": state.form_id,
            "source_count": state.source_count,
            "warehouse_count": held,
            "quarantined": _quarantined(session, state),
            "last_sync": state.last_success_at.isoformat().replace("+00:00", "Z")
            if state.last_success_at else None,
            "in_sync": bool(state.last_ok and state.source_count == held),
            "project_id": state.project_id,
            "last_error": state.last_error,
        })
    return rows
