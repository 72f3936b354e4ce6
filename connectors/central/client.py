"""CentralClient: the one facade over pyodk through which odksync talks to ODK Central."""

from collections.abc import Collection, Iterator, Mapping
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypedDict, Unpack

from pyodk._utils.config import CentralConfig as PyodkCentralConfig
from pyodk._utils.config import Config as PyodkConfig
from pyodk.client import Client as PyodkClient

from connectors.central.actors import ActorService
from connectors.central.app_users import AppUserService
from connectors.central.attachment_models import (
    AttachmentInfo,
    DownloadResult,
    ReviewState,
    SubmissionInfo,
    SubmissionVersion,
)
from connectors.central.config import CentralConfig
from connectors.central.deploy import LocalForm, deploy, read_local_form
from connectors.central.entities import EntityService
from connectors.central.entity_models import DatasetDetail, DatasetInfo, Entity, EntityPage, EntityRow
from connectors.central.forms import FormService
from connectors.central.models import (
    AppUser,
    DeployResult,
    FormField,
    FormInfo,
    OpenRosaResult,
    SubmissionIds,
    SubmissionPage,
)
from connectors.central.odata import Conditional
from connectors.central.openrosa import OpenRosaService
from connectors.central.projects import ProjectService
from connectors.central.session import CentralSession
from connectors.central.submission_admin import SubmissionAdminService
from connectors.central.submissions import ID_PAGE, SubmissionService


class EntityFeed(TypedDict, total=False):
    """Which part of an entity list to read: the keywords of CentralClient.iter_entity_pages."""

    since: datetime | None
    overlap: timedelta
    page_size: int | None
    filter: str | None
    project_id: int | None


class CentralClient:
    """One server, one login (renewed as needed), services split by Central resource."""

    def __init__(self, config: CentralConfig, *, session: CentralSession | None = None) -> None:
        self.config = config
        self.session = session or CentralSession(config)
        self.projects = ProjectService(self.session)
        self.forms = FormService(self.session)
        self.submissions = SubmissionService(self.session)
        self.app_users = AppUserService(self.session)
        self.openrosa = OpenRosaService(self.session)
        self.entities = EntityService(self.session)
        self._pyodk: PyodkClient | None = None

    @property
    def pyodk(self) -> PyodkClient:
        """pyodk's own Client on this session (entities and the rest), built in memory only."""
        if self._pyodk is None:
            # Passing a Config object and our session: pyodk reads no TOML and writes no cache.
            central = PyodkCentralConfig(
                base_url=self.config.base_url,
                username=self.config.username,
                password=self.config.password_value(),
                default_project_id=self.config.project_id,
            )
            self._pyodk = PyodkClient(
                config=PyodkConfig(central=central),
                session=self.session,
                project_id=self.config.project_id,
            )
        return self._pyodk

    @property
    def project_id(self) -> int | None:
        """The configured default project (ODK_CENTRAL_PROJECT_ID), used when a call names none."""
        return self.config.project_id

    def _pid(self, project_id: int | None) -> int:
        pid = project_id if project_id is not None else self.config.project_id
        if pid is None:
            raise ValueError("no ODK Central project: set ODK_CENTRAL_PROJECT_ID or pass project_id")
        return pid

    def login(self) -> None:
        """Log in now rather than on the first call, to fail early on bad credentials."""
        self.session.auth.login()

    def close(self) -> None:
        """Drop the connections; the Central session simply expires (no logout call)."""
        self.session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def ensure_project(self, name: str) -> int:
        return self.projects.ensure(name)

    def list_forms(self, project_id: int | None = None) -> list[FormInfo]:
        return self.forms.list_forms(self._pid(project_id))

    def deploy_form(
        self,
        xlsx_path: Path,
        *,
        form_id: str | None = None,
        attachments: dict[str, Path] | None = None,
        project_id: int | None = None,
        dry_run: bool = False,
        datasets: Collection[str] | None = None,
    ) -> DeployResult:
        """Create, update or leave the form as it is (see connectors.central.deploy).

        Attachments named after an entity list of the project are linked to it, not uploaded;
        `datasets` overrides the lists read from the server (a dry run of several forms passes
        the lists the earlier ones would create).
        """
        local = read_local_form(Path(xlsx_path), form_id=form_id, attachments=attachments)
        return self.deploy_local_form(local, project_id=project_id, dry_run=dry_run, datasets=datasets)

    def deploy_local_form(
        self,
        local: LocalForm,
        *,
        project_id: int | None = None,
        dry_run: bool = False,
        datasets: Collection[str] | None = None,
    ) -> DeployResult:
        """deploy_form for a form already read with connectors.central.deploy.read_local_form."""
        pid = self._pid(project_id)
        names = datasets if datasets is not None else {d.name for d in self.list_datasets(pid)}
        return deploy(self.forms, local, project_id=pid, dry_run=dry_run, datasets=names)

    def published_xform(self, form_id: str, project_id: int | None = None) -> bytes | None:
        """The published XForm, or None when the project has no published form with that id."""
        pid = self._pid(project_id)
        info = self.forms.get(form_id, pid)
        return None if info is None or info.published_at is None else self.forms.xml(form_id, pid)

    def form_fields(
        self, form_id: str, project_id: int | None = None, *, version: str | None = None
    ) -> list[FormField]:
        """The form's fields (?odata=true); `version` picks an older published version."""
        return self.forms.fields(form_id, self._pid(project_id), version)

    def count_submissions(
        self, form_id: str, *, filter: str | None = None, project_id: int | None = None
    ) -> int:
        return self.submissions.count(form_id, filter=filter, project_id=self._pid(project_id))

    def iter_submission_pages(
        self,
        form_id: str,
        *,
        since: datetime | None = None,
        overlap: timedelta = timedelta(minutes=5),
        page_size: int | None = None,
        expand: bool = True,
        filter: str | None = None,
        project_id: int | None = None,
        conditional: Conditional | None = None,
    ) -> Iterator[SubmissionPage]:
        return self.submissions.iter_pages(
            form_id,
            since=since,
            overlap=overlap,
            page_size=page_size or self.config.page_size,
            expand=expand,
            filter=filter,
            project_id=self._pid(project_id),
            conditional=conditional,
        )

    def list_submission_ids(self, form_id: str, *, project_id: int | None = None,
                            page_size: int = ID_PAGE) -> SubmissionIds:
        """Every current submission's __id ($select=__id, paged) and the count each page gave."""
        return self.submissions.list_ids(form_id, project_id=self._pid(project_id), page_size=page_size)

    def ensure_app_user(self, display_name: str, project_id: int | None = None) -> AppUser:
        return self.app_users.ensure(display_name, self._pid(project_id))

    def assign_form(self, form_id: str, app_user_id: int, project_id: int | None = None) -> None:
        self.app_users.assign_form(form_id, app_user_id, self._pid(project_id))

    def submit_openrosa(
        self,
        xml: bytes,
        *,
        app_user_token: str,
        attachments: dict[str, bytes] | None = None,
        project_id: int | None = None,
    ) -> OpenRosaResult:
        return self.openrosa.submit(
            xml,
            app_user_token=app_user_token,
            attachments=attachments,
            project_id=self._pid(project_id),
        )

    def submit_rest(self, form_id: str, xml: bytes, project_id: int | None = None) -> dict[str, Any]:
        return self.submissions.submit_rest(form_id, xml, self._pid(project_id))

    # Entity lists (Central calls them datasets) and their entities.

    def list_datasets(self, project_id: int | None = None) -> list[DatasetInfo]:
        return self.entities.list_datasets(self._pid(project_id))

    def get_dataset(self, name: str, project_id: int | None = None) -> DatasetDetail | None:
        """The list's properties and forms, or None when the project has no list of that name."""
        return self.entities.get_dataset(name, self._pid(project_id))

    def iter_entity_pages(
        self,
        dataset: str,
        *,
        since: datetime | None = None,
        overlap: timedelta = timedelta(minutes=5),
        page_size: int | None = None,
        filter: str | None = None,
        project_id: int | None = None,
    ) -> Iterator[EntityPage]:
        """The OData `Entities` feed page by page; `since` keeps those created or updated after it."""
        return self.entities.iter_pages(
            dataset,
            since=since,
            overlap=overlap,
            page_size=page_size or self.config.page_size,
            filter=filter,
            project_id=self._pid(project_id),
        )

    def iter_entities(self, dataset: str, **feed: Unpack[EntityFeed]) -> Iterator[EntityRow]:
        """Every entity (uuid, label, properties, version), one page in memory at a time.

        Takes the keywords of iter_entity_pages (`since`, `overlap`, `page_size`, `filter`,
        `project_id`), with the same defaults.
        """
        for page in self.iter_entity_pages(dataset, **feed):
            yield from page.entities

    def list_entities(self, dataset: str, project_id: int | None = None) -> list[EntityRow]:
        return list(self.iter_entities(dataset, project_id=project_id))

    def get_entity(self, dataset: str, uuid: str, project_id: int | None = None) -> Entity | None:
        """The entity with its current version (the base for an update), or None if there is none."""
        return self.entities.get(dataset, uuid, self._pid(project_id))

    def create_entity(
        self,
        dataset: str,
        *,
        label: str,
        data: Mapping[str, str],
        uuid: str | None = None,
        project_id: int | None = None,
    ) -> Entity:
        """A new entity; `uuid` defaults to one chosen here, so that a retried request cannot duplicate it."""
        pid = self._pid(project_id)
        return self.entities.create(dataset, label=label, data=data, uuid=uuid, project_id=pid)

    def update_entity(
        self,
        dataset: str,
        uuid: str,
        *,
        data: Mapping[str, str],
        label: str | None = None,
        base_version: int | None,
        force: bool = False,
        project_id: int | None = None,
    ) -> Entity:
        """Update from the version you read; a stale one raises EntityVersionConflict (409.15)."""
        return self.entities.update(
            dataset,
            uuid,
            data=data,
            label=label,
            base_version=base_version,
            force=force,
            project_id=self._pid(project_id),
        )

    def entity_creating_instance_id(self, dataset: str, uuid: str,
                                    project_id: int | None = None) -> str | None:
        """The instanceID of the submission that created this entity, if a submission did."""
        return self.entities.creating_instance_id(dataset, uuid, self._pid(project_id))

    def entities_csv(self, dataset: str, project_id: int | None = None) -> bytes:
        return self.entities.csv(dataset, self._pid(project_id))

    # One submission's management (edits, reviews, deletes) and its media files.

    @cached_property
    def actors(self) -> ActorService:
        """Actor properties, app users with their values, form assignments, list access filters."""
        return ActorService(self.session)

    @cached_property
    def submission_admin(self) -> SubmissionAdminService:
        """The service behind the methods below, made on first use on this client's session."""
        return SubmissionAdminService(self.session)

    def get_submission(
        self, form_id: str, instance_id: str, project_id: int | None = None
    ) -> SubmissionInfo | None:
        """Metadata and current version of a submission; None when there is none or it is deleted."""
        return self.submission_admin.get(form_id, instance_id, self._pid(project_id))

    def edit_submission(
        self, form_id: str, instance_id: str, xml: bytes, project_id: int | None = None
    ) -> SubmissionInfo:
        """A new version; its meta/deprecatedID must be the current version (else 409.9)."""
        return self.submission_admin.edit(form_id, instance_id, xml, self._pid(project_id))

    def review(
        self, form_id: str, instance_id: str, state: ReviewState, project_id: int | None = None
    ) -> SubmissionInfo:
        return self.submission_admin.review(form_id, instance_id, state, self._pid(project_id))

    def delete_submission(self, form_id: str, instance_id: str, project_id: int | None = None) -> None:
        self.submission_admin.delete(form_id, instance_id, self._pid(project_id))

    def restore_submission(self, form_id: str, instance_id: str, project_id: int | None = None) -> None:
        self.submission_admin.restore(form_id, instance_id, self._pid(project_id))

    def list_versions(
        self, form_id: str, instance_id: str, project_id: int | None = None
    ) -> list[SubmissionVersion]:
        return self.submission_admin.list_versions(form_id, instance_id, self._pid(project_id))

    def list_attachments(
        self, form_id: str, instance_id: str, project_id: int | None = None
    ) -> list[AttachmentInfo]:
        return self.submission_admin.list_attachments(form_id, instance_id, self._pid(project_id))

    def download_attachment(
        self,
        form_id: str,
        instance_id: str,
        name: str,
        dest: Path,
        *,
        etag: str | None = None,
        project_id: int | None = None,
        max_bytes: int | None = None,
    ) -> DownloadResult:
        """Stream a submission's file to `dest` (verified, atomic); `etag` skips an unchanged one.

        A file over `max_bytes` raises AttachmentTooLarge and nothing of it is kept.
        """
        pid = self._pid(project_id)
        return self.submission_admin.download_attachment(
            form_id, instance_id, name, Path(dest), etag=etag, project_id=pid, max_bytes=max_bytes
        )
