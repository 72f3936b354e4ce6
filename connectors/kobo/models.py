"""Wire models of the KPI v2 answers odksync reads; unknown keys are ignored, as Kobo adds them often."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class MediaMetadata(_Wire):
    hash: str | None = None  # "md5:<hex>", Kobo's own digest of the content
    filename: str | None = None
    mimetype: str | None = None


class MediaFile(_Wire):
    """One file of an asset (`/api/v2/assets/{uid}/files/`)."""

    uid: str
    url: str | None = None
    file_type: str
    description: str | None = None
    metadata: MediaMetadata = Field(default_factory=MediaMetadata)

    @property
    def md5(self) -> str | None:
        digest = self.metadata.hash or ""
        return digest.removeprefix("md5:").lower() or None


class AssetInfo(_Wire):
    """An asset as `/api/v2/assets/` lists it."""

    uid: str
    url: str | None = None
    name: str = ""
    asset_type: str
    settings: dict[str, Any] = Field(default_factory=dict)
    version_id: str | None = None
    deployed_version_id: str | None = None
    has_deployment: bool = False
    deployment_active: bool = Field(default=False, alias="deployment__active")
    deployment_uuid: str | None = Field(default=None, alias="deployment__uuid")  # formhub/uuid
    deployment_status: str | None = None
    date_created: str | None = None
    date_modified: str | None = None

    @property
    def description(self) -> str:
        value = self.settings.get("description")
        return value if isinstance(value, str) else ""


class ImportStatus(_Wire):
    """`/api/v2/imports/{uid}/`: processing, then complete or error with messages."""

    uid: str
    url: str | None = None
    status: str
    messages: dict[str, Any] = Field(default_factory=dict)


class SubmissionPage(_Wire):
    """One page of `/api/v2/assets/{uid}/data/`; results keep Kobo's flat `group/field` keys."""

    count: int
    next: str | None = None
    previous: str | None = None
    results: list[dict[str, Any]]


class SubmissionKey(_Wire):
    """A submission's identifiers only (`fields=["meta/rootUuid","_uuid","_id"]`)."""

    id: int | None = Field(default=None, alias="_id")
    uuid: str | None = Field(default=None, alias="_uuid")  # changes with each edit
    root_uuid: str | None = Field(default=None, alias="meta/rootUuid")  # survives edits


class SubmissionKeys(BaseModel):
    """Every submission of an asset, identifiers only, with the `count` each page reported."""

    keys: list[SubmissionKey]
    page_counts: list[int]

    @property
    def count(self) -> int | None:
        """The count every page agreed on; None when they disagree (a change while paging)."""
        counts = set(self.page_counts)
        if len(counts) != 1:
            return None
        (only,) = counts
        return only


class KoboDeployResult(BaseModel):
    """What deploying one XLSForm to Kobo did, or would do on a dry run."""

    form_id: str  # the XLSForm's form_id (Kobo itself knows the form by the asset uid)
    uid: str | None  # the asset uid; None on a dry run that would create it
    action: Literal["created", "updated", "unchanged"]
    version: str | None  # the settings sheet's version
    version_id: str | None = None  # Kobo's deployed asset version (e.g. "vWvkKzNE8xCtfApJvabfjG")
    changes: list[str] = Field(default_factory=list)
    dry_run: bool = False


class OpenRosaResult(BaseModel):
    """Kobo's answer to one OpenRosa submission."""

    status: Literal["created", "duplicate", "conflict"]
    http_status: int
    message: str
