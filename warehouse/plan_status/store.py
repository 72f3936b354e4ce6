"""Tables of the plan-status engine (DOMAIN.md §6): each child's status history, its current status,
and the proposals the engine refused, waiting for a person.

Every row is derived from the normalised forms and the matched children, so recomputing a child
rewrites exactly its rows; nothing here carries a computation time, so a recompute of the same
inputs gives the same tables. A person's resolution of an exception is the one thing kept across
recomputes (by `exception_key`).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel


class StatusHistory(SQLModel, table=True):
    """One applied transition, in the child's event order (`seq` from 1)."""

    __tablename__ = "plan_status_history"
    __table_args__ = (UniqueConstraint("child_id", "seq", name="uq_plan_status_history_child_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    child_id: str = Field(max_length=32, index=True)
    seq: int
    episode: int  # case episode: 1, and +1 each time a closed case is re-found (80/90 → 10)
    plan_version: int  # 0 before the first plan; +1 on every new draft (revise, re-plan) and reopen
    plan_id: str | None = None
    from_status: int | None = None  # None for the first status
    to_status: int
    kind: str = Field(max_length=16)  # start | forward | revise | replan | relapse | reopen | refound | ...
    at: date
    by: str | None = None  # the enumerator or supervisor who sent the form
    source_key: str  # source/project/form/submission of the proposing form


class CurrentStatus(SQLModel, table=True):
    """A child's latest status and what follows from it: one row per child with any status event
    (status None when none of its proposals could be applied; the exceptions say why)."""

    __tablename__ = "plan_status_current"

    child_id: str = Field(primary_key=True, max_length=32)
    status: int | None = None
    since: date | None = None
    episode: int
    plan_version: int
    plan_id: str | None = None
    closed: bool  # 25, 70 and above
    outcome_status: str | None = None  # latest follow-up's child_current_status
    last_followup_on: date | None = None
    followups: int = 0  # visits and follow-ups so far (home visits, follow-ups, supervisions)
    next_followup_due: date | None = None
    overdue: bool = False
    overdue_as_of: date | None = None  # the day `overdue` was judged on
    events: int = 0  # status events read
    exceptions: int = 0  # of them, refused
    inputs_hash: str = Field(max_length=64)  # of the child's events: an unchanged child is not rewritten


class StatusException(SQLModel, table=True):
    """A proposed status the engine did not apply, with the reason in Thai for a person to act on."""

    __tablename__ = "plan_status_exception"
    __table_args__ = (
        UniqueConstraint("exception_key", name="uq_plan_status_exception_key"),
        Index("ix_plan_status_exception_child", "child_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    exception_key: str = Field(max_length=32)  # stable: child, proposing form, proposed status
    child_id: str = Field(max_length=32)
    source_key: str
    event_date: date | None = None
    from_status: int | None = None
    proposed_status: int
    reason: str = Field(max_length=32)  # e.g. not_allowed, unknown_code, no_date
    message: str  # Thai: what was proposed, why it was not applied, what to do
    resolved_by: str | None = Field(default=None, max_length=255)
    resolved_at: datetime | None = None
    resolution: str | None = None
