"""CentralClient: the one facade over pyodk through which odksync talks to ODK Central."""

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from pyodk._utils.config import CentralConfig as PyodkCentralConfig
from pyodk._utils.config import Config as PyodkConfig
from pyodk.client import Client as PyodkClient

from connectors.central.app_users import AppUserService
from connectors.central.config import CentralConfig
from connectors.central.deploy import deploy, read_local_form
from connectors.central.forms import FormService
from connectors.central.models import (
    AppUser,
    DeployResult,
    FormField,
    FormInfo,
    OpenRosaResult,
    SubmissionPage,
)
from connectors.central.openrosa import OpenRosaService
from connectors.central.projects import ProjectService
from connectors.central.session import CentralSession
from connectors.central.submissions import SubmissionService


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
    ) -> DeployResult:
        """Create, update or leave the form as it is (see connectors.central.deploy)."""
        local = read_local_form(Path(xlsx_path), form_id=form_id, attachments=attachments)
        return deploy(self.forms, local, project_id=self._pid(project_id), dry_run=dry_run)

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
    ) -> Iterator[SubmissionPage]:
        return self.submissions.iter_pages(
            form_id,
            since=since,
            overlap=overlap,
            page_size=page_size or self.config.page_size,
            expand=expand,
            filter=filter,
            project_id=self._pid(project_id),
        )

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
