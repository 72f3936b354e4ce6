"""Wire models of one submission's management: its metadata, versions, media files and downloads."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from connectors.central.models import _aware, _Wire

# What PATCH …/submissions/{id} accepts; `received` is only the state of a new submission
# (Central shows it as null) and cannot be set.
ReviewState = Literal["hasIssues", "edited", "approved", "rejected"]
REVIEW_STATES: tuple[ReviewState, ...] = ("hasIssues", "edited", "approved", "rejected")


class SubmissionVersion(_Wire):
    """One version of a submission (the first one, or an edit), as …/versions lists it."""

    instance_id: str = Field(alias="instanceId")  # this version's own instanceID
    instance_name: str | None = Field(default=None, alias="instanceName")
    submitter_id: int | None = Field(default=None, alias="submitterId")
    device_id: str | None = Field(default=None, alias="deviceId")
    user_agent: str | None = Field(default=None, alias="userAgent")
    created_at: datetime | None = Field(default=None, alias="createdAt")
    current: bool = False

    @field_validator("created_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return _aware(value)


class SubmissionInfo(_Wire):
    """A submission's metadata: GET, PUT and PATCH of …/submissions/{instanceId} answer it."""

    instance_id: str = Field(alias="instanceId")  # the first version's instanceID, stable across edits
    submitter_id: int | None = Field(default=None, alias="submitterId")
    review_state: str | None = Field(default=None, alias="reviewState")  # None: received
    created_at: datetime | None = Field(default=None, alias="createdAt")
    updated_at: datetime | None = Field(default=None, alias="updatedAt")
    deleted_at: datetime | None = Field(default=None, alias="deletedAt")
    current_version: SubmissionVersion | None = Field(default=None, alias="currentVersion")

    @field_validator("created_at", "updated_at", "deleted_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return _aware(value)

    @field_validator("current_version", mode="before")
    @classmethod
    def _odd_version_is_none(cls, value: Any) -> Any:
        # Central before 2023.2 sends no currentVersion; an unreadable one is as good as none.
        return value if isinstance(value, dict) and isinstance(value.get("instanceId"), str) else None


class AttachmentInfo(_Wire):
    """A media file a submission's current version names, and whether Central has received it."""

    name: str
    exists: bool = False


class DownloadResult(BaseModel):
    """What download_attachment did: the file's sha256 and size, or that it had not changed.

    On `not_modified` nothing was transferred; sha256 and size then describe the file already
    at the destination, or are None when there is none.
    """

    sha256: str | None
    size: int | None
    not_modified: bool = False
    etag: str | None = None  # as Central sent it (its md5 in quotes), to send as If-None-Match next time
