"""Wire models of Central's entity lists (datasets) and entities, tolerant like the form models."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, field_validator

from connectors.central.models import _aware, _Wire, lenient_list, lenient_validate


class DatasetInfo(_Wire):
    """One entity list of a project, as GET /projects/{id}/datasets lists it."""

    name: str
    project_id: int | None = Field(default=None, alias="projectId")
    created_at: datetime | None = Field(default=None, alias="createdAt")
    approval_required: bool | None = Field(default=None, alias="approvalRequired")
    owner_only: bool | None = Field(default=None, alias="ownerOnly")
    entities: int | None = None  # only in the extended listing
    last_entity: datetime | None = Field(default=None, alias="lastEntity")

    @field_validator("created_at", "last_entity")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return _aware(value)


class DatasetProperty(_Wire):
    """A property of an entity list; `odata_name` is its column in the OData feed."""

    name: str
    odata_name: str | None = Field(default=None, alias="odataName")
    published_at: datetime | None = Field(default=None, alias="publishedAt")


class DatasetDetail(DatasetInfo):
    """An entity list with its properties and the forms that fill and read it."""

    properties: list[DatasetProperty] = Field(default_factory=list)
    source_forms: list[str] = Field(default_factory=list, alias="sourceForms")
    linked_forms: list[str] = Field(default_factory=list, alias="linkedForms")

    @field_validator("source_forms", "linked_forms", mode="before")
    @classmethod
    def _form_ids(cls, value: Any) -> Any:
        # Central lists {xmlFormId, name} objects; the ids are what callers compare.
        if isinstance(value, list):
            return [f["xmlFormId"] for f in value
                    if isinstance(f, dict) and isinstance(f.get("xmlFormId"), str)]
        return value

    @field_validator("properties", mode="before")
    @classmethod
    def _usable_properties(cls, value: Any) -> Any:
        if isinstance(value, list):
            return lenient_list(DatasetProperty, value)
        return value


class EntityVersion(_Wire):
    """One version of an entity: its label and properties (all strings) as of that version."""

    version: int
    label: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    base_version: int | None = Field(default=None, alias="baseVersion")
    current: bool | None = None
    created_at: datetime | None = Field(default=None, alias="createdAt")

    @field_validator("data", mode="before")
    @classmethod
    def _null_is_empty(cls, value: Any) -> Any:
        return {} if value is None else value


class Entity(_Wire):
    """An entity with its current version, as GET …/entities/{uuid} answers."""

    uuid: str
    created_at: datetime | None = Field(default=None, alias="createdAt")
    updated_at: datetime | None = Field(default=None, alias="updatedAt")
    deleted_at: datetime | None = Field(default=None, alias="deletedAt")
    creator_id: int | None = Field(default=None, alias="creatorId")
    conflict: str | None = None  # None, "soft" or "hard"
    current_version: EntityVersion = Field(alias="currentVersion")

    @property
    def version(self) -> int:
        """The number to pass as baseVersion when updating this entity."""
        return self.current_version.version

    @property
    def label(self) -> str | None:
        return self.current_version.label

    @property
    def data(self) -> dict[str, Any]:
        return self.current_version.data

    @field_validator("created_at", "updated_at", "deleted_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return _aware(value)


class EntityRow(BaseModel):
    """One row of the OData `Entities` feed: uuid, label, properties and system fields."""

    uuid: str  # __id
    label: str | None
    data: dict[str, Any]  # the properties, by their OData names
    version: int | None
    created_at: datetime | None
    updated_at: datetime | None
    deleted_at: datetime | None
    conflict: str | None
    creator_id: str | None
    raw: dict[str, Any]  # the row exactly as received

    @classmethod
    def from_odata(cls, row: Any) -> "EntityRow | None":
        """The row parsed; None when it has no usable __id."""
        if not isinstance(row, dict) or not isinstance(row.get("__id"), str) or not row["__id"]:
            return None
        system = row.get("__system") if isinstance(row.get("__system"), dict) else {}
        assert isinstance(system, dict)
        parsed = lenient_validate(_EntitySystem, system) or _EntitySystem()
        label = row.get("label")
        return cls(
            uuid=row["__id"],
            label=label if isinstance(label, str) else None,
            data={k: v for k, v in row.items() if k not in ("__id", "__system", "label")},
            version=parsed.version,
            created_at=parsed.created_at,
            updated_at=parsed.updated_at,
            deleted_at=parsed.deleted_at,
            conflict=parsed.conflict,
            creator_id=parsed.creator_id,
            raw=row,
        )


class _EntitySystem(_Wire):
    version: int | None = None
    created_at: datetime | None = Field(default=None, alias="createdAt")
    updated_at: datetime | None = Field(default=None, alias="updatedAt")
    deleted_at: datetime | None = Field(default=None, alias="deletedAt")
    conflict: str | None = None
    creator_id: str | None = Field(default=None, alias="creatorId")

    @field_validator("creator_id", mode="before")
    @classmethod
    def _id_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("created_at", "updated_at", "deleted_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return _aware(value)


class EntityPage(BaseModel):
    """One page of the OData `Entities` feed."""

    entities: list[EntityRow]
    count: int | None
    page_number: int
    next_link: str | None  # re-based on the configured server URL
    malformed: list[Any] = Field(default_factory=list)
