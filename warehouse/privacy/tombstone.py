"""Erased children: the tombstone kept after a child's personal data are removed (PDPA, DOMAIN §5.2).

A tombstone holds no personal data: the warehouse's own `child_id` (minted by matching, not derived
from any identifier), when and why the child was erased, and by whom. Every later output — the EEF
report's rows, partner exports, the entity list on the field's phones — reads `erased_child_ids` and
leaves these children out; the report's summary may count them and nothing more.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlmodel import Field, Session, SQLModel


class ErasureTombstone(SQLModel, table=True):
    __tablename__ = "erasure_tombstone"

    child_id: str = Field(primary_key=True, max_length=32)
    erased_at: datetime
    reason: str = Field(max_length=32)  # consent_withdrawn | subject_request | retention
    requested_by: str | None = Field(default=None, max_length=255)  # a person or "status-engine"
    audit_event_id: int | None = None  # the audit row that records the erasure


def erased_child_ids(session: Session) -> set[str]:
    """The ids of every erased child (redirects of merged ids are the caller's to follow)."""
    return set(session.execute(select(ErasureTombstone.child_id)).scalars())  # type: ignore[call-overload]
