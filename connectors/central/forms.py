"""Forms, drafts and form attachments at Central: the calls deploy and sync are built from."""

import mimetypes
from typing import Any

from connectors.central.errors import CentralError
from connectors.central.models import (
    FormAttachmentInfo,
    FormField,
    FormInfo,
    M,
    lenient_list,
    lenient_validate,
)
from connectors.central.service import Service
from connectors.central.session import CentralSession

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class FormService(Service):
    """One Central resource, as in pyodk: the forms of a project."""

    def _list(self, model: type[M], url: str, **kwargs: Any) -> list[M]:
        """GET a JSON list and keep the rows that parse; an answer that is no list is an error."""
        body = self.session.call("GET", url, **kwargs).json()
        return lenient_list(model, _json_list(body, self.session.server))

    def list_forms(self, project_id: int) -> list[FormInfo]:
        return self._list(FormInfo, self._url(self.urls.forms, project_id=project_id))

    def get(self, form_id: str, project_id: int) -> FormInfo | None:
        """The form's details, or None when the project has no form with that id."""
        url = self._url(self.urls.form, project_id=project_id, form_id=form_id)
        response = self.session.call("GET", url, ok=(404,))
        if response.status_code == 404:
            return None
        return lenient_validate(FormInfo, response.json())

    def xml(self, form_id: str, project_id: int) -> bytes:
        """The published XForm, as Central serves it to Collect."""
        url = self._url(self.urls.form_xml, project_id=project_id, form_id=form_id)
        return self.session.call("GET", url).content

    def xlsx(self, form_id: str, project_id: int) -> bytes | None:
        """The XLSForm the published version was made from; None if it came as XML (or is gone)."""
        url = self._url(self.urls.form_xlsx, project_id=project_id, form_id=form_id)
        response = self.session.call("GET", url, ok=(404, 406))
        return response.content if response.status_code == 200 else None

    def attachments(self, form_id: str, project_id: int) -> list[FormAttachmentInfo]:
        url = self._url(self.urls.form_attachments, project_id=project_id, form_id=form_id)
        return self._list(FormAttachmentInfo, url)

    def draft_attachments(self, form_id: str, project_id: int) -> list[FormAttachmentInfo]:
        """The draft's expected files, with `datasetExists` telling which are linked entity lists."""
        url = self._url(self.urls.draft_attachments, project_id=project_id, form_id=form_id)
        return self._list(FormAttachmentInfo, url)

    def link_draft_attachment(self, form_id: str, name: str, project_id: int) -> None:
        """Serve the project's entity list `<name without .csv>` as this draft attachment."""
        url = self._url(self.urls.draft_attachment, project_id=project_id, form_id=form_id, name=name)
        self.session.call("PATCH", url, json={"dataset": True})

    def fields(self, form_id: str, project_id: int, version: str | None = None) -> list[FormField]:
        """The schema, depth first, with names made OData-safe as in the Submissions feed.

        Without `version`, the published version's; with it, that published version's.
        """
        if version is None:
            url = self._url(self.urls.form_fields, project_id=project_id, form_id=form_id)
        else:
            url = self._url(self.urls.version_fields, project_id=project_id, form_id=form_id, version=version)
        return self._list(FormField, url, params={"odata": "true"})

    def create_draft_form(self, xlsx: bytes, form_id: str, project_id: int) -> None:
        """A new form, left as a draft so that its attachments can be uploaded before publishing."""
        self.session.call(
            "POST",
            self._url(self.urls.forms, project_id=project_id),
            params={"publish": "false", "ignoreWarnings": "true"},
            headers=_xlsx_headers(self.session, form_id),
            data=xlsx,
        )

    def replace_draft(self, xlsx: bytes, form_id: str, project_id: int) -> None:
        """A new draft of an existing form; Central replaces any draft already there."""
        self.session.call(
            "POST",
            self._url(self.urls.draft, project_id=project_id, form_id=form_id),
            params={"ignoreWarnings": "true"},
            headers=_xlsx_headers(self.session, form_id),
            data=xlsx,
        )

    def upload_draft_attachment(self, form_id: str, name: str, content: bytes, project_id: int) -> None:
        url = self._url(self.urls.draft_attachment, project_id=project_id, form_id=form_id, name=name)
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        # Replacing a draft attachment with the same bytes is harmless: safe to retry.
        self.session.call("POST", url, headers={"Content-Type": content_type}, data=content, idempotent=True)

    def publish_draft(self, form_id: str, project_id: int) -> None:
        url = self._url(self.urls.draft_publish, project_id=project_id, form_id=form_id)
        self.session.call("POST", url)


def _xlsx_headers(session: CentralSession, form_id: str) -> dict[str, str]:
    # Central takes the form id from the settings sheet, else from this (percent-encoded) header.
    return {"Content-Type": XLSX_TYPE, "X-XlsForm-FormId-Fallback": session.urlquote(form_id)}


def _json_list(body: Any, server: str) -> list[Any]:
    if not isinstance(body, list):
        raise CentralError(
            f"ODK Central at {server} answered with a {type(body).__name__} where a list was "
            "expected: check that ODK_CENTRAL_URL points at ODK Central"
        )
    return body
