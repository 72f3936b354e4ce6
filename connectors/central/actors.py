"""Actor properties (Central v2026.2), app users with their property values, form assignments and
entity-list access filters: what field provisioning reads and writes at Central.

Every read here is one GET; every write is sent only when the read shows it is needed, so a caller
that reads first and writes the difference changes nothing on a second run.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from pydantic import Field, field_validator

from connectors.central.errors import ALREADY_EXISTS, CentralError
from connectors.central.models import _aware, _Wire, lenient_list, lenient_validate
from connectors.central.service import Service

EXTENDED = {"X-Extended-Metadata": "true"}


class ActorProperty(_Wire):
    """A property name registered on a project; `values` (extended) are those in use."""

    name: str
    values: list[str] = Field(default_factory=list)


class AppUserDetail(_Wire):
    """An app user as the extended listing gives it; `token` is None once access is revoked."""

    id: int
    display_name: str = Field(alias="displayName")
    token: str | None = None
    project_id: int | None = Field(default=None, alias="projectId")
    created_at: datetime | None = Field(default=None, alias="createdAt")
    properties: dict[str, str] = Field(default_factory=dict)

    @field_validator("properties", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return {} if value is None else value  # Central sends null when none are set

    @field_validator("created_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return _aware(value)

    def __repr__(self) -> str:  # the token is a credential: keep it out of reprs and logs
        return (f"AppUserDetail(id={self.id!r}, display_name={self.display_name!r}, "
                f"properties={self.properties!r}, token=***)")

    __str__ = __repr__


class FormAssignment(_Wire):
    """One role granted to one actor on a form."""

    actor_id: int = Field(alias="actorId")
    role_id: int = Field(alias="roleId")


class AccessRule(_Wire):
    """An entity is shown to an actor when its `dataset_property` equals the actor's `actor_property`."""

    dataset_property: str = Field(alias="datasetProperty")
    actor_property: str = Field(alias="actorProperty")

    def wire(self) -> dict[str, str]:
        return {"datasetProperty": self.dataset_property, "actorProperty": self.actor_property}


class AccessFilter(_Wire):
    """A dataset's `accessFilter`: `ownerOnly`, or `property` with rules (all must match)."""

    type: Literal["ownerOnly", "property"]
    rules: list[AccessRule] = Field(default_factory=list)


class ActorService(Service):
    """Central's actor-property, app-user, assignment and dataset-filter endpoints of one project."""

    def _actor_properties_url(self, project_id: int) -> str:
        return self._url("projects/{project_id}/actor-properties", project_id=project_id)

    def list_actor_properties(self, project_id: int, *, values: bool = False) -> list[ActorProperty]:
        headers = EXTENDED if values else None
        answer = self.session.call("GET", self._actor_properties_url(project_id), headers=headers,
                                   ok=(404,))
        if answer.status_code == 404:
            self.session.call("GET", self._url("projects/{project_id}", project_id=project_id))
            raise CentralError(  # the project exists: the server predates actor properties
                f"ODK Central at {self.session.server} has no actor properties: per-LAO app users "
                "and entity-list access filters need ODK Central 2026.2 or later", response=answer)
        return lenient_list(ActorProperty, answer.json())

    def ensure_actor_property(self, name: str, project_id: int) -> bool:
        """Register the name unless the project has it, compared exactly (case counts, as at
        Central, whose unique index is on project and name); True when it was registered now."""
        if any(p.name == name for p in self.list_actor_properties(project_id)):
            return False
        try:
            self.session.call("POST", self._actor_properties_url(project_id), json={"name": name})
        except CentralError as err:
            if not err.is_central_error(ALREADY_EXISTS):  # registered meanwhile: the goal holds
                raise
            return False
        return True

    def list_app_users(self, project_id: int) -> list[AppUserDetail]:
        """Every app user of the project (revoked ones too, without token) with its properties."""
        url = self._url(self.urls.app_users, project_id=project_id)
        return lenient_list(AppUserDetail, self.session.call("GET", url, headers=EXTENDED).json())

    def create_app_user(
        self, display_name: str, project_id: int, properties: Mapping[str, str] | None = None
    ) -> AppUserDetail:
        """A new app user, its properties set in the same call. Sent once: a lost answer is
        found by the caller's next listing, never by a blind retry that could make two."""
        body: dict[str, Any] = {"displayName": display_name}
        if properties:
            body["properties"] = dict(properties)
        url = self._url(self.urls.app_users, project_id=project_id)
        created = lenient_validate(AppUserDetail, self.session.call("POST", url, json=body).json())
        if created is None or not created.token:
            raise CentralError(
                f"ODK Central at {self.session.server} created app user {display_name!r} but sent no "
                "token for it"
            )
        return created.model_copy(update={"properties": {k: v for k, v in (properties or {}).items() if v}})

    def set_app_user_properties(
        self, app_user_id: int, properties: Mapping[str, str | None], project_id: int
    ) -> AppUserDetail:
        """Set (a string) or unset (None) values; answers the app user with all its values."""
        url = self._url("projects/{project_id}/app-users/{id}", project_id=project_id, id=app_user_id)
        answer = self.session.call("PATCH", url, json={"properties": dict(properties)}, idempotent=True)
        found = lenient_validate(AppUserDetail, answer.json())
        if found is None:
            raise CentralError(f"ODK Central at {self.session.server} sent an unreadable app user "
                               f"{app_user_id}", response=answer)
        return found

    def revoke(self, token: str) -> None:
        """End the app user's session (Central's "Revoke"): its phone can no longer download or
        submit; the app user and its submissions stay. Already revoked is fine."""
        url = self._url("sessions/{token}", token=token)
        self.session.call("DELETE", url, ok=(403, 404), idempotent=True)

    def form_assignments(self, form_id: str, project_id: int) -> list[FormAssignment]:
        url = self._url("projects/{project_id}/forms/{form_id}/assignments", project_id=project_id,
                        form_id=form_id)
        return lenient_list(FormAssignment, self.session.call("GET", url).json())

    def access_filter(self, dataset: str, project_id: int) -> AccessFilter | None:
        """The entity list's access filter (None: every entity to everyone); LookupError if the
        project has no list of that name."""
        url = self._url(self.urls.dataset, project_id=project_id, name=dataset)
        response = self.session.call("GET", url, ok=(404,))
        if response.status_code == 404:
            raise LookupError(f"ODK Central at {self.session.server} has no entity list {dataset!r} in "
                              f"project {project_id}: deploy the forms first (odksync forms deploy)")
        body = response.json()
        raw = body.get("accessFilter") if isinstance(body, dict) else None
        if raw is None and isinstance(body, dict) and body.get("ownerOnly"):
            return AccessFilter(type="ownerOnly")
        return lenient_validate(AccessFilter, raw) if isinstance(raw, dict) else None

    def set_access_filter(
        self, dataset: str, rules: list[AccessRule], project_id: int
    ) -> AccessFilter | None:
        """Replace the list's access filter with these property rules ([] removes it)."""
        url = self._url(self.urls.dataset, project_id=project_id, name=dataset)
        wanted = {"type": "property", "rules": [r.wire() for r in rules]} if rules else None
        body = self.session.call("PATCH", url, json={"accessFilter": wanted}, idempotent=True).json()
        raw = body.get("accessFilter") if isinstance(body, dict) else None
        return lenient_validate(AccessFilter, raw) if isinstance(raw, dict) else None
