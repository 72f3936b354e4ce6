"""App users (what ODK Collect logs in as) and their form assignments."""

import logging

from connectors.central.errors import ALREADY_EXISTS, CentralError
from connectors.central.models import AppUser, lenient_list, lenient_validate
from connectors.central.service import Service
from connectors.central.session import CentralSession

log = logging.getLogger(__name__)

APP_USER_ROLE = "app-user"  # the system name of Central's "Data Collector" form role


class AppUserService(Service):
    """One Central resource, as in pyodk: a project's app users."""

    def __init__(self, session: CentralSession) -> None:
        super().__init__(session)
        self._role_id: int | None = None

    def list_app_users(self, project_id: int) -> list[AppUser]:
        url = self._url(self.urls.app_users, project_id=project_id)
        return lenient_list(AppUser, self.session.call("GET", url).json())

    def ensure(self, display_name: str, project_id: int) -> AppUser:
        """The oldest app user with this name that still has a token, else a new one.

        Central lists each app user's token with the app users (GET …/app-users), so an existing
        user's token is known; a user whose access was revoked has no token and is passed over.
        """
        usable = sorted(
            (u for u in self.list_app_users(project_id) if u.display_name == display_name and u.token),
            key=lambda u: u.id,
        )
        if usable:
            return usable[0]
        url = self._url(self.urls.app_users, project_id=project_id)
        created = lenient_validate(
            AppUser, self.session.call("POST", url, json={"displayName": display_name}).json()
        )
        if created is None or not created.token:
            raise CentralError(
                f"ODK Central at {self.session.server} created app user {display_name!r} "
                "but sent no token for it"
            )
        log.info("Created app user %r (id %s) in project %s", display_name, created.id, project_id)
        return created

    def app_user_role_id(self) -> int:
        """The numeric id of the app-user role (GET /v1/roles), looked up once per client."""
        if self._role_id is None:
            roles = self.session.call("GET", self.urls.roles).json()
            for role in roles if isinstance(roles, list) else []:
                if isinstance(role, dict) and role.get("system") == APP_USER_ROLE:
                    self._role_id = int(role["id"])
                    break
            else:
                raise CentralError(f"ODK Central at {self.session.server} lists no {APP_USER_ROLE!r} role")
        return self._role_id

    def assign_form(self, form_id: str, app_user_id: int, project_id: int) -> None:
        """Let the app user see and submit the form; already assigned is fine.

        One POST, its 409.3 (the assignment exists) tolerated: fewer calls than listing first.
        """
        role_id = self.app_user_role_id()
        url = self._url(
            self.urls.form_role_actor,
            project_id=project_id,
            form_id=form_id,
            role_id=role_id,
            actor_id=app_user_id,
        )
        try:
            self.session.call("POST", url)
        except CentralError as err:
            if not err.is_central_error(ALREADY_EXISTS):  # assigned meanwhile: the goal holds
                raise
