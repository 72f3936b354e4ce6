"""Open cases whose follow-up is overdue, as evidence for the check that none is (DOMAIN.md §6)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session, col

from warehouse.plan_status.store import CurrentStatus
from warehouse.quality import Finding

EXAMPLES = 5  # child ids listed; the counts say how many there are in all


def overdue_followups(session: Session, *, examples: int = EXAMPLES) -> Finding:
    """Of the children whose case is open, those whose next follow-up was due before the day the
    engine last judged (`overdue`), the longest overdue first. Examples carry the warehouse's own
    child id, the status and the due date: nothing that names a child."""
    open_cases = session.scalar(select(func.count()).select_from(CurrentStatus).where(
        col(CurrentStatus.closed).is_(False), col(CurrentStatus.status).is_not(None))) or 0
    overdue = session.scalar(select(func.count()).select_from(CurrentStatus).where(
        col(CurrentStatus.overdue).is_(True))) or 0
    rows = session.execute(select(
        col(CurrentStatus.child_id), col(CurrentStatus.status), col(CurrentStatus.next_followup_due),
        col(CurrentStatus.overdue_as_of)).where(col(CurrentStatus.overdue).is_(True)).order_by(
        col(CurrentStatus.next_followup_due), col(CurrentStatus.child_id)).limit(examples)).all()
    shown = [{"child_id": child, "status": status, "due": due.isoformat() if due else None,
              "days_overdue": (as_of - due).days if due and as_of else None}
             for child, status, due, as_of in rows]
    return Finding(checked=int(open_cases), failing=int(overdue), examples=shown)
