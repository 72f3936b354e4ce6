"""Tables of the data-subject rights (PDPA, DOMAIN §5.2 items 3, 9 and 10), none holding erased data.

- `erasure_submission`: every submission of an erased child, by its key only. The sync redacts a new
  version of one of them on arrival, the normaliser leaves their anonymised rows alone (also on
  replay), matching keeps them with their child, attachments are never fetched again.
- `child_correction`: rectifications with their history (the latest per child and field applies; the
  older rows stay). Deleted with the child when the child is erased: they hold personal values.
- `child_retention`: `retain_until` of each closed case, the day after which `odksync purge` erases it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel


class ErasedSubmission(SQLModel, table=True):
    __tablename__ = "erasure_submission"
    __table_args__ = (
        UniqueConstraint("source", "project_id", "form_id", "submission_id",
                         name="uq_erasure_submission_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    child_id: str = Field(max_length=32, index=True)
    source: str = Field(max_length=16)
    project_id: str = Field(max_length=64)
    form_id: str = Field(max_length=128)
    submission_id: str = Field(max_length=255)
    erased_at: datetime


class ChildCorrection(SQLModel, table=True):
    __tablename__ = "child_correction"
    __table_args__ = (Index("ix_child_correction_child_field", "child_id", "field"),)

    id: int | None = Field(default=None, primary_key=True)
    child_id: str = Field(max_length=32)
    field: str = Field(max_length=64)
    old_value: str | None = None  # what the warehouse held before (the latest observation's value)
    new_value: str | None = None
    reason: str
    corrected_by: str = Field(max_length=255)
    corrected_at: datetime
    audit_event_id: int | None = None


class ChildRetention(SQLModel, table=True):
    __tablename__ = "child_retention"

    child_id: str = Field(primary_key=True, max_length=32)
    closed_on: date  # the day the case reached its closing status
    retain_until: date  # closed_on + the retention period; purge erases the case after this day
    period_days: int
