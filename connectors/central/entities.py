"""Entity lists (datasets) and their entities at Central: read, page, create and update safely."""

import uuid as uuid_module
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

from connectors.central.entity_models import (
    DatasetDetail,
    DatasetInfo,
    Entity,
    EntityPage,
    EntityRow,
)
from connectors.central.errors import (
    ALREADY_EXISTS,
    ENTITY_VERSION_CONFLICT,
    ENTITY_VIOLATION,
    CentralError,
    EntityVersionConflict,
    error_details,
)
from connectors.central.models import lenient_list, lenient_validate
from connectors.central.odata import feed_params, follow_pages, odata_timestamp, read_rows
from connectors.central.service import Service

# The entity feed's filterable system fields (Central filters no property, as with submissions).
ENTITY_CREATED_AT = "__system/createdAt"
ENTITY_UPDATED_AT = "__system/updatedAt"


def entity_since_filter(since: datetime, overlap: timedelta) -> str:
    """Entities created or updated after `since - overlap` (updatedAt is null until an update)."""
    t = odata_timestamp(since - overlap)
    return f"{ENTITY_CREATED_AT} gt {t} or {ENTITY_UPDATED_AT} gt {t}"


def parse_entity_page(body: Any, *, page_number: int, api_base: str, current_url: str) -> EntityPage:
    """One OData answer as a page of entities; rows without a usable __id are kept in `malformed`."""
    page = read_rows(body, EntityRow.from_odata, api_base=api_base, current_url=current_url)
    return EntityPage(
        entities=page.rows,
        count=page.count,
        page_number=page_number,
        next_link=page.next_link,
        malformed=page.malformed,
    )


def property_values(data: Mapping[str, Any], *, dataset: str) -> dict[str, str]:
    """Entity properties as Central takes them: strings only (None would be refused with 400)."""
    values: dict[str, str] = {}
    for name, value in data.items():
        if value is None:
            raise ValueError(
                f"entity list {dataset}: property {name} is None; Central clears a property with "
                "an empty string, not null"
            )
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            kind = type(value).__name__
            raise ValueError(f"entity list {dataset}: property {name} must be text, not {kind}")
        values[name] = str(value)
    return values


def _version_number(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _same_entity(entity: Entity, label: str, data: dict[str, str]) -> bool:
    """Whether the entity holds this label and data (properties not sent may read as empty)."""
    held = entity.data
    return (
        entity.label == label
        and all(held.get(name) == value for name, value in data.items())
        and not any(value for name, value in held.items() if name not in data)
    )


class EntityService(Service):
    """One Central resource, as in pyodk: the entity lists of a project and their entities."""

    def list_datasets(self, project_id: int) -> list[DatasetInfo]:
        """The project's published entity lists (a draft form's list appears once it is published)."""
        body = self.session.call("GET", self._url(self.urls.datasets, project_id=project_id)).json()
        return lenient_list(DatasetInfo, body)

    def get_dataset(self, name: str, project_id: int) -> DatasetDetail | None:
        """The entity list with its properties and forms, or None when the project has none so named."""
        url = self._url(self.urls.dataset, project_id=project_id, name=name)
        response = self.session.call("GET", url, ok=(404,))
        return None if response.status_code == 404 else lenient_validate(DatasetDetail, response.json())

    def iter_pages(
        self,
        dataset: str,
        *,
        since: datetime | None,
        overlap: timedelta,
        page_size: int,
        filter: str | None,
        project_id: int,
    ) -> Iterator[EntityPage]:
        """Page after page of the OData feed, following @odata.nextLink re-based on our server URL."""
        params = feed_params(page_size=page_size,
                             filters=(filter, entity_since_filter(since, overlap) if since else None))
        url = self.session.urljoin(self._url(self.urls.entities_odata, project_id=project_id, name=dataset))
        yield from follow_pages(self.session, url, params, parse_entity_page, what=f"entity list {dataset}")

    def get(self, dataset: str, uuid: str, project_id: int) -> Entity | None:
        """The entity and its current version, or None when the list holds no entity with that uuid."""
        url = self._url(self.urls.entity, project_id=project_id, name=dataset, uuid=uuid)
        response = self.session.call("GET", url, ok=(404,))
        if response.status_code == 404:
            return None
        entity = lenient_validate(Entity, response.json())
        if entity is None:
            raise CentralError(f"ODK Central at {self.session.server} sent an unreadable entity {uuid}",
                               response=response)
        return entity

    def create(
        self, dataset: str, *, label: str, data: Mapping[str, Any], uuid: str | None, project_id: int
    ) -> Entity:
        """One new entity. The uuid is chosen here when not given, so a retried POST cannot duplicate it."""
        if not label.strip():
            raise ValueError(f"entity list {dataset}: an entity needs a non-empty label")
        chosen = uuid or str(uuid_module.uuid4())
        values = property_values(data, dataset=dataset)
        body = {"uuid": chosen, "label": label, "data": values}
        url = self._url(self.urls.entities, project_id=project_id, name=dataset)
        try:
            response = self.session.call("POST", url, json=body, idempotent=True)
        except CentralError as err:
            if not (err.is_central_error(ALREADY_EXISTS) or err.is_central_error(ENTITY_VIOLATION)):
                raise
            # The uuid exists: our own earlier attempt (answer lost, then retried) or a real clash.
            existing = self.get(dataset, chosen, project_id)
            if existing is not None and _same_entity(existing, label, values):
                return existing
            raise
        created = lenient_validate(Entity, response.json())
        if created is None:  # some versions answer with less; read it back
            created = self.get(dataset, chosen, project_id)
        if created is None:
            raise CentralError(f"ODK Central at {self.session.server} did not keep entity {chosen}")
        return created

    def update(
        self,
        dataset: str,
        uuid: str,
        *,
        data: Mapping[str, Any],
        label: str | None,
        base_version: int | None,
        force: bool,
        project_id: int,
    ) -> Entity:
        """Change some properties (and the label); refused as stale unless based on the current version."""
        if base_version is None and not force:
            raise ValueError("update_entity needs base_version (the version you read) or force=True")
        if label is not None and not label.strip():
            raise ValueError(f"entity list {dataset}: the label cannot be empty")
        body: dict[str, Any] = {"data": property_values(data, dataset=dataset)}
        if label is not None:
            body["label"] = label
        params = {"force": "true"} if force else {"baseVersion": str(base_version)}
        url = self._url(self.urls.entity, project_id=project_id, name=dataset, uuid=uuid)
        try:
            response = self.session.call("PATCH", url, params=params, json=body)
        except CentralError as err:
            if not err.is_central_error(ENTITY_VERSION_CONFLICT):
                raise
            raise self._conflict(err, dataset, uuid, base_version, project_id) from None
        updated = lenient_validate(Entity, response.json())
        if updated is None:
            updated = self.get(dataset, uuid, project_id)
        if updated is None:
            raise CentralError(f"ODK Central at {self.session.server} lost entity {uuid} after updating it")
        return updated

    def _conflict(
        self, err: CentralError, dataset: str, uuid: str, provided: int | None, project_id: int
    ) -> EntityVersionConflict:
        details = error_details(err.response) if err.response is not None else {}
        current = _version_number(details.get("current"))  # Central sends it as text
        if current is None:
            entity = self.get(dataset, uuid, project_id)  # the details are not in every version
            current = entity.version if entity is not None else None
        return EntityVersionConflict(
            f"Entity {uuid} in list {dataset} at {self.session.server} is at version {current}, not "
            f"{provided}: read it again and reapply the change, or update with force=True",
            dataset=dataset,
            uuid=uuid,
            provided_version=provided,
            current_version=current,
            response=err.response,
        )

    def creating_instance_id(self, dataset: str, uuid: str, project_id: int) -> str | None:
        """The instanceID of the submission that created the entity (its first version's `source`),
        or None when an API call, not a submission, created it or the entity is gone.

        Central marks `source` experimental; it has carried `submission.instanceId` since versions
        were listed (2023.5), so an answer without it is read as "not from a submission".
        """
        url = self._url(self.urls.entity_versions, project_id=project_id, name=dataset, uuid=uuid)
        response = self.session.call("GET", url, ok=(404,))
        if response.status_code == 404:
            return None
        body = response.json()
        versions = body if isinstance(body, list) else []
        first = next((v for v in versions if isinstance(v, dict) and v.get("version") == 1), None)
        source = first.get("source") if first is not None else None
        submission = source.get("submission") if isinstance(source, dict) else None
        instance = submission.get("instanceId") if isinstance(submission, dict) else None
        return instance if isinstance(instance, str) and instance else None

    def csv(self, dataset: str, project_id: int) -> bytes:
        """The whole list as CSV: `__id,label,<properties>,__createdAt,…,__version`."""
        url = self._url(self.urls.entities_csv, project_id=project_id, name=dataset)
        return self.session.call("GET", url).content
