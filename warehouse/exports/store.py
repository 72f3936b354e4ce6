"""The log of partner-agency deliveries (`export_delivery`): one row per delivery key, with its attempts.

The delivery key is a hash of the agency, period, format, destination and the content's hash: the
same export for the same place is one row, delivered once however often the export runs; a changed
content (or a new destination) is a new key, so a new delivery. A row stays `pending` until a
destination gives a receipt; `failed` rows (all tries of a run spent) are tried again by the next run.
The file itself waits in `staged_path` (under ODKSYNC_DATA_DIR/exports/) so a retry sends the very
same bytes.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, Session, SQLModel, col, select

from warehouse.models import json_column

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


class ExportDelivery(SQLModel, table=True):
    """One export file for one agency and period, and how its delivery went."""

    __tablename__ = "export_delivery"
    __table_args__ = (UniqueConstraint("delivery_key", name="uq_export_delivery_key"),)

    id: int | None = Field(default=None, primary_key=True)
    delivery_key: str = Field(max_length=64)
    agency_id: str = Field(max_length=64, index=True)
    period: str = Field(max_length=7)
    file_name: str = Field(max_length=255)
    file_format: str = Field(max_length=8)
    columns: list[str] = json_column()
    row_count: int = 0
    excluded: dict[str, Any] = json_column()  # children left out, by reason (counts only)
    sha256: str = Field(max_length=64)  # of the file's bytes
    size: int = 0
    content_hash: str = Field(max_length=64)  # of what the file says (see ExportRows.content_hash)
    legal_basis: str = Field(max_length=64)
    destination: str  # where, without any secret (e.g. sftp://user@host:22/in)
    staged_path: str  # the bytes waiting for (re)delivery
    status: str = Field(default=PENDING, max_length=16, index=True)  # pending | delivered | failed
    attempts: int = 0
    last_error: str | None = None
    receipt: str | None = None
    created_at: datetime
    last_attempt_at: datetime | None = None
    delivered_at: datetime | None = None


def delivery_key(*, agency_id: str, period: str, file_format: str, destination: str,
                 content_hash: str) -> str:
    text = "\x1f".join((agency_id, period, file_format, destination, content_hash))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def by_key(session: Session, key: str) -> ExportDelivery | None:
    return session.exec(select(ExportDelivery).where(col(ExportDelivery.delivery_key) == key)).first()


def undelivered(session: Session, *, agency_id: str | None = None) -> list[ExportDelivery]:
    """Pending and failed deliveries, oldest first (the next run tries them again)."""
    query = select(ExportDelivery).where(col(ExportDelivery.status).in_((PENDING, FAILED)))
    if agency_id is not None:
        query = query.where(col(ExportDelivery.agency_id) == agency_id)
    return list(session.exec(query.order_by(col(ExportDelivery.id))).all())


def listing(session: Session, *, agency_id: str | None = None, limit: int = 100) -> list[ExportDelivery]:
    query = select(ExportDelivery)
    if agency_id is not None:
        query = query.where(col(ExportDelivery.agency_id) == agency_id)
    return list(session.exec(query.order_by(col(ExportDelivery.id).desc()).limit(limit)).all())


def record_attempts(row: ExportDelivery, *, attempts: int, receipt: str | None, error: str | None,
                    now: datetime | None = None) -> None:
    """Add one run's attempts to the row: delivered with its receipt, or failed with the last error."""
    now = now or datetime.now(UTC)
    row.attempts += attempts
    row.last_attempt_at = now
    if receipt is not None:
        row.status, row.receipt, row.delivered_at, row.last_error = DELIVERED, receipt, now, None
    else:
        row.status, row.last_error = FAILED, error
