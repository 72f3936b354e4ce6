"""Wire models of ODK Central's answers: tolerant of unknown keys and odd values, raw kept."""

from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

M = TypeVar("M", bound=BaseModel)


class _Wire(BaseModel):
    """Central adds fields between versions; ignore what we do not know, accept camelCase."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


def _aware(value: datetime | None) -> datetime | None:
    """Central writes UTC with a Z; a timestamp without an offset is taken as UTC too."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


class FormInfo(_Wire):
    """One form of a project, as GET /projects/{id}/forms lists it."""

    project_id: int = Field(alias="projectId")
    form_id: str = Field(alias="xmlFormId")
    name: str | None = None
    version: str | None = None  # "" when the form declares none
    hash: str | None = None  # md5 of the published XForm
    state: str | None = None  # open, closing, closed
    enketo_id: str | None = Field(default=None, alias="enketoId")
    key_id: int | None = Field(default=None, alias="keyId")  # set when the form is encrypted
    created_at: datetime | None = Field(default=None, alias="createdAt")
    updated_at: datetime | None = Field(default=None, alias="updatedAt")
    published_at: datetime | None = Field(default=None, alias="publishedAt")  # None: draft only

    @property
    def xml_form_id(self) -> str:
        """Central's own name for the form id."""
        return self.form_id

    @field_validator("created_at", "updated_at", "published_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return _aware(value)


class FormField(_Wire):
    """One node of a form's schema, depth-first, with OData-safe names (?odata=true)."""

    path: str
    name: str
    type: str
    binary: bool = False

    @field_validator("binary", mode="before")
    @classmethod
    def _null_is_false(cls, value: Any) -> Any:
        return False if value is None else value


class FormAttachmentInfo(_Wire):
    """A media file a form expects, and the md5 of the one Central holds (if any)."""

    name: str
    type: str | None = None
    hash: str | None = None
    exists: bool = False
    blob_exists: bool = Field(default=False, alias="blobExists")
    dataset_exists: bool = Field(default=False, alias="datasetExists")  # linked to an entity list


class AppUser(_Wire):
    """An app user (what ODK Collect logs in as); `token` is None once access is revoked."""

    id: int
    display_name: str = Field(alias="displayName")
    token: str | None = None

    def __repr__(self) -> str:  # the token is a credential: keep it out of reprs and logs
        return f"AppUser(id={self.id!r}, display_name={self.display_name!r}, token=***)"

    __str__ = __repr__


def _lenient(model: type[BaseModel], data: dict[str, Any]) -> dict[str, Any]:
    """Drop the values that do not validate, one field at a time, so one odd value costs one field."""
    kept = dict(data)
    for _ in range(len(data) + 1):
        try:
            model.model_validate(kept)
            return kept
        except ValidationError as exc:
            bad = {str(err["loc"][0]) for err in exc.errors() if err["loc"]}
            if not bad & kept.keys():
                return kept
            for key in bad:
                kept.pop(key, None)
    return kept


def lenient_validate(model: type[M], data: Any) -> M | None:
    """The model with odd optional values dropped; None when a required field is unusable."""
    if not isinstance(data, dict):
        return None
    try:
        return model.model_validate(data)  # the usual case: valid as it is, validated once
    except ValidationError:
        pass
    try:
        return model.model_validate(_lenient(model, data))
    except ValidationError:
        return None


def lenient_list(model: type[M], rows: Any) -> list[M]:
    """Each row that `lenient_validate` can read; rows it cannot, and a body that is no list, give none."""
    parsed = (lenient_validate(model, row) for row in (rows if isinstance(rows, list) else []))
    return [item for item in parsed if item is not None]


class SubmissionSystem(_Wire):
    """Central's metadata of a submission, OData's __system block."""

    submission_date: datetime = Field(alias="submissionDate")
    updated_at: datetime | None = Field(default=None, alias="updatedAt")  # None until edit/review
    deleted_at: datetime | None = Field(default=None, alias="deletedAt")
    submitter_id: str | None = Field(default=None, alias="submitterId")
    submitter_name: str | None = Field(default=None, alias="submitterName")
    attachments_present: int | None = Field(default=None, alias="attachmentsPresent")
    attachments_expected: int | None = Field(default=None, alias="attachmentsExpected")
    status: str | None = None  # e.g. "missingEncryptedFormData"
    review_state: str | None = Field(default=None, alias="reviewState")
    device_id: str | None = Field(default=None, alias="deviceId")
    edits: int | None = None
    form_version: str | None = Field(default=None, alias="formVersion")

    @field_validator("submission_date", "updated_at", "deleted_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return _aware(value)

    @field_validator("submitter_id", mode="before")
    @classmethod
    def _id_as_text(cls, value: Any) -> Any:
        # OData gives submitterId as a string of digits; accept a bare number too.
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @classmethod
    def parse(cls, data: Any) -> "SubmissionSystem | None":
        """The metadata, odd values set to None; None when even submissionDate is unusable."""
        return lenient_validate(cls, data)


class Submission(BaseModel):
    """One submission's current version, as the OData Submissions feed gives it."""

    id: str  # __id: the first instanceID, stable across edits
    system: SubmissionSystem
    data: dict[str, Any]  # the row without __id and __system
    raw: dict[str, Any]  # the whole object exactly as received

    @classmethod
    def from_odata(cls, row: Any) -> "Submission | None":
        """A submission from one OData row; None for a row without a usable __id or __system."""
        if not isinstance(row, dict):
            return None
        instance_id = row.get("__id")
        system = SubmissionSystem.parse(row.get("__system"))
        if not isinstance(instance_id, str) or not instance_id or system is None:
            return None
        data = {k: v for k, v in row.items() if k not in ("__id", "__system")}
        # Every field is checked above: constructed without validating the row's values again.
        return cls.model_construct(id=instance_id, system=system, data=data, raw=row)


class SubmissionPage(BaseModel):
    """One page of the OData feed."""

    submissions: list[Submission]
    count: int | None  # @odata.count: every row matching the filter, across all pages
    page_number: int  # 1 for the first page
    next_link: str | None  # already re-based on the configured server URL
    # Rows that cannot be keyed (no string __id or no submissionDate), kept as received.
    malformed: list[Any] = Field(default_factory=list)


class SubmissionIds(BaseModel):
    """Every current submission's __id as the feed listed them (`$select=__id`), for reconciling."""

    ids: list[str]
    page_counts: list[int | None]  # @odata.count of each page, in order
    malformed: int = 0  # rows without a string __id

    @property
    def count(self) -> int | None:
        """The count every page agreed on; None when a page gave none or they disagree."""
        counts = set(self.page_counts)
        if len(counts) != 1:
            return None
        (only,) = counts
        return only


class DeployResult(BaseModel):
    """What deploying one XLSForm did, or would do on a dry run."""

    form_id: str
    action: Literal["created", "updated", "unchanged"]
    version: str | None
    changes: list[str]  # what differs from the published form, for the person deploying
    dry_run: bool = False
    previous_version: str | None = None  # the published version before this deploy (None: new form)
    definition_changed: bool = False  # the XForm itself changed, not only media or links
    creates_dataset: str | None = None  # the entity list the form fills (meta/entity)


class OpenRosaResult(BaseModel):
    """Central's answer to one OpenRosa submission."""

    status: Literal["created", "duplicate", "conflict"]
    http_status: int
    message: str
