"""Tables of the children matching has found: ids kept stable across runs, their history, the review queue.

A child's id (`child.child_id`) is minted once and never reused; when two children turn out to be one,
the older id survives and the other is marked `merged` with `redirect_to`. Every observation points to
its child in `child_assignment` (keyed by the submission, so an edit keeps its child), with the evidence
that put it there. `child_id_event` records every merge and split: which ids, why, when, in which run.
`match_review_pair` holds the pairs waiting for a person, and their decisions (honoured by every run).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel


class MatchRun(SQLModel, table=True):
    __tablename__ = "match_run"

    id: int | None = Field(default=None, primary_key=True)
    started_at: datetime
    finished_at: datetime | None = None
    started_by: str = Field(max_length=255)
    observations: int = 0
    children: int = 0
    new_children: int = 0
    merges: int = 0
    splits: int = 0
    moved: int = 0  # observations whose child changed this run
    pending_reviews: int = 0


class Child(SQLModel, table=True):
    __tablename__ = "child"

    child_id: str = Field(primary_key=True, max_length=32)
    minted_at: datetime
    minted_run_id: int | None = None
    status: str = Field(default="active", max_length=16)  # active | merged
    redirect_to: str | None = Field(default=None, max_length=32)
    changed_at: datetime | None = None


class ChildAssignment(SQLModel, table=True):
    __tablename__ = "child_assignment"

    obs_key: str = Field(primary_key=True)  # source/project/form/submission of the observation
    child_id: str = Field(max_length=32, index=True)
    evidence: str = Field(max_length=16)  # review | entity | id | model | alone
    score: float | None = None
    run_id: int | None = None
    assigned_at: datetime


class ChildIdEvent(SQLModel, table=True):
    __tablename__ = "child_id_event"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # merge | split
    child_id: str = Field(max_length=32, index=True)  # merge: the id that lost; split: the new id
    other_id: str = Field(max_length=32)  # merge: the survivor; split: the child it came out of
    reason: str  # the evidence, in words
    observations: int = 0
    run_id: int | None = None
    occurred_at: datetime


class ReviewPair(SQLModel, table=True):
    __tablename__ = "match_review_pair"
    __table_args__ = (UniqueConstraint("pair_key", name="uq_match_review_pair_key"),)

    id: int | None = Field(default=None, primary_key=True)
    pair_key: str = Field(max_length=16)
    left_key: str
    right_key: str
    score: float
    status: str = Field(default="pending", max_length=16, index=True)  # pending | accepted | rejected
    decided_by: str | None = Field(default=None, max_length=255)
    decided_at: datetime | None = None
    created_run_id: int | None = None
    created_at: datetime
