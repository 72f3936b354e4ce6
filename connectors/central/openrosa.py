"""Submitting as ODK Collect does: OpenRosa multipart POST authenticated by an app user's token."""

import mimetypes
import re
from email.utils import formatdate
from typing import Literal

from requests import Response

from connectors.central.errors import CentralAuthError, CentralError, central_message, one_line
from connectors.central.models import OpenRosaResult
from connectors.central.redaction import redact
from connectors.central.service import Service
from connectors.http import openrosa_message as openrosa_message_text

_TOKEN_UNSAFE = re.compile(r"[/?#\s%]")
# Central never answers 202; OpenRosa servers such as KoboToolbox's do, for a duplicate.
_STATUSES: dict[int, Literal["created", "duplicate", "conflict"]] = {
    200: "created",
    201: "created",
    202: "duplicate",
    409: "conflict",
}


def openrosa_message(response: Response) -> str:
    """The <message> of an OpenRosaResponse, else Central's JSON message, else the reason."""
    found = openrosa_message_text(response.content or b"")
    if found is not None:
        return one_line(redact(found))
    return central_message(response)


class OpenRosaService(Service):
    """POST {base}/v1/key/{token}/projects/{id}/submission, exactly as Collect sends it."""

    def submit(
        self,
        xml: bytes,
        *,
        app_user_token: str,
        attachments: dict[str, bytes] | None,
        project_id: int,
    ) -> OpenRosaResult:
        if not app_user_token or _TOKEN_UNSAFE.search(app_user_token):
            raise ValueError("app_user_token is empty or not a Central token")
        # Central's tokens are URL-safe (they include ! and $); Collect puts them in unescaped.
        url = self.session.urljoin(
            self.urls.openrosa_submission.format(token=app_user_token, project_id=project_id)
        )
        files: dict[str, tuple[str, bytes, str]] = {
            "xml_submission_file": ("submission.xml", xml, "text/xml"),
        }
        for name, content in (attachments or {}).items():
            files[name] = (name, content, mimetypes.guess_type(name)[0] or "application/octet-stream")
        headers = {"X-OpenRosa-Version": "1.0", "Date": formatdate(usegmt=True)}
        # Resending identical XML is idempotent at Central (201 again), so 5xx may be retried.
        response = self.session.call(
            "POST", url, files=files, headers=headers, ok=range(400, 600), idempotent=True
        )
        status = _STATUSES.get(response.status_code)
        if status is not None:
            return OpenRosaResult(
                status=status, http_status=response.status_code, message=openrosa_message(response)
            )
        raise self._error(response)

    def _error(self, response: Response) -> CentralError:
        server, code = self.session.server, response.status_code
        message = openrosa_message(response)
        if code in (401, 403):
            return CentralAuthError(
                f"ODK Central at {server} refused a submission from an app user ({code}: "
                f"{message}): check that the app user's access is not revoked and that the "
                "form is assigned to it",
                response=response,
            )
        return CentralError(
            f"ODK Central at {server} answered {code} to an OpenRosa submission: {message}",
            response=response,
        )
