"""Warehouse tables: the raw layer (every version of every submission) and sync state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

# JSONB on PostgreSQL (indexable, compact), plain JSON text elsewhere.
JSONType = JSON().with_variant(JSONB(), "postgresql")


def json_column(nullable: bool = False) -> Any:
    """A JSON column of the right flavour for the dialect."""
    return Field(default=None, sa_column=Column(JSONType, nullable=nullable))


# One row per distinct state of a submission ever received: append-only history.
class SubmissionVersion(SQLModel, table=True):
    __tablename__ = "raw_submission_version"
    __table_args__ = (
        # version_no is the submission's own counter: two writers of the same version collide here
        # instead of silently doubling the history.
        UniqueConstraint(
            "source", "project_id", "form_id", "submission_id", "version_no",
            name="uq_raw_submission_version_no",
        ),
        Index("ix_raw_submission_version_form", "source", "project_id", "form_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=16)
    project_id: str = Field(max_length=64)
    form_id: str = Field(max_length=128)
    submission_id: str = Field(max_length=255)
    version_no: int
    instance_id: str | None = Field(default=None, max_length=255)
    content_hash: str = Field(max_length=64)
    submission_date: datetime | None = None
    updated_at: datetime | None = None
    review_state: str | None = Field(default=None, max_length=32)
    deleted_at: datetime | None = None
    form_version: str | None = Field(default=None, max_length=128)
    payload: dict[str, Any] = json_column()
    issues: list[dict[str, Any]] = json_column()
    received_at: datetime


# The current state of every submission seen at a source, one row per submission; its content is
# the version it points at (kept once, in the history).
class Submission(SQLModel, table=True):
    __tablename__ = "raw_submission"
    __table_args__ = (
        UniqueConstraint(
            "source", "project_id", "form_id", "submission_id", name="uq_raw_submission_key"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=16)
    project_id: str = Field(max_length=64)
    form_id: str = Field(max_length=128, index=True)
    submission_id: str = Field(max_length=255)
    instance_id: str | None = Field(default=None, max_length=255)
    content_hash: str = Field(max_length=64)
    version_count: int = 1
    submission_date: datetime | None = None
    updated_at: datetime | None = None
    review_state: str | None = Field(default=None, max_length=32)
    deleted_at: datetime | None = None
    form_version: str | None = Field(default=None, max_length=128)
    version_id: int = Field(foreign_key="raw_submission_version.id")
    attachments_expected: int | None = None
    attachments_present: int | None = None
    issues: list[dict[str, Any]] = json_column()
    has_errors: bool = False
    first_seen_at: datetime
    last_changed_at: datetime


# Field types of each form version, as the source describes them; used to flag malformed rows.
class FormSchema(SQLModel, table=True):
    __tablename__ = "raw_form_schema"
    __table_args__ = (
        UniqueConstraint("source", "project_id", "form_id", "form_version", name="uq_form_schema"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=16)
    project_id: str = Field(max_length=64)
    form_id: str = Field(max_length=128)
    form_version: str = Field(max_length=128)
    fields: list[dict[str, Any]] = json_column()
    fetched_at: datetime


# Where the incremental sync of one form stands, and how its last attempt ended.
class SyncState(SQLModel, table=True):
    __tablename__ = "sync_state"
    __table_args__ = (
        UniqueConstraint("source", "project_id", "form_id", name="uq_sync_state_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=16)
    project_id: str = Field(max_length=64)
    form_id: str = Field(max_length=128)
    watermark: datetime | None = None
    deleted_watermark: datetime | None = None  # the latest deletion seen by the delete sweep
    # Each feed's last ETag and the query it answered, for a conditional re-ask (If-None-Match).
    feed_etag: str | None = Field(default=None, max_length=255)
    feed_query: str | None = Field(default=None, max_length=255)
    deleted_etag: str | None = Field(default=None, max_length=255)
    deleted_query: str | None = Field(default=None, max_length=255)
    source_count: int | None = None
    last_attempt_at: datetime | None = None
    last_success_at: datetime | None = None
    last_ok: bool = False
    last_error: str | None = None


# One row per sync attempt of one form: what it asked for and what it found.
class SyncRun(SQLModel, table=True):
    __tablename__ = "sync_run"

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=16)
    project_id: str = Field(max_length=64)
    form_id: str = Field(max_length=128, index=True)
    mode: str = Field(max_length=16)
    started_at: datetime
    finished_at: datetime | None = None
    ok: bool = False
    pages: int = 0
    fetched: int = 0
    new_submissions: int = 0
    new_versions: int = 0
    flagged: int = 0
    source_count: int | None = None
    error: str | None = None


# Each media file a current submission names (photos, consent scans): expected, present or missing;
# its content lives once in the content-addressed store under ODKSYNC_DATA_DIR, never in exports.
class Attachment(SQLModel, table=True):
    __tablename__ = "raw_attachment"
    __table_args__ = (
        UniqueConstraint("source", "project_id", "form_id", "submission_id", "name",
                         name="uq_raw_attachment_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=16)
    project_id: str = Field(max_length=64)
    form_id: str = Field(max_length=128)
    submission_id: str = Field(max_length=255)
    name: str = Field(max_length=255)
    state: str = Field(max_length=16)  # present | missing (not yet received by the server)
    sha256: str | None = Field(default=None, max_length=64)
    size: int | None = None
    etag: str | None = Field(default=None, max_length=255)
    checked_at: datetime


# The normalised tables live in their own module; importing it here registers them on the metadata
# that migrations and the schema test compare against.
import warehouse.audit  # noqa: E402
import warehouse.exports.store  # noqa: E402
import warehouse.matching.store  # noqa: E402
import warehouse.normalised  # noqa: E402
import warehouse.plan_status.store  # noqa: E402
import warehouse.privacy.subject_rights  # noqa: E402
import warehouse.privacy.tombstone  # noqa: E402
import warehouse.pushback.store  # noqa: E402
import warehouse.report.store  # noqa: E402,F401
