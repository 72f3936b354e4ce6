"""What a form says about entity lists, and linking its `<list>.csv` attachments to them at deploy.

A form that declares entities (`<meta><entity dataset="children" …>`) creates the list when it
is published. A form that reads `jr://file-csv/children.csv` while the project has a list named
`children` must get the list linked to that attachment, never a static file: Central then
serves the current entities to Collect. Central links such an attachment by itself when the
draft is made and the list already exists (so the creating form is deployed first); where it did
not, the attachment is linked with `PATCH …/draft/attachments/{name} {"dataset": true}`.
"""

import re
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

from lxml import etree

from connectors.central.errors import NOT_FOUND, CentralError
from connectors.central.forms import FormService
from connectors.safe_xml import parse_xml

if TYPE_CHECKING:
    from connectors.central.deploy import LocalForm

XFORMS = "http://www.w3.org/2002/xforms"
# Media the form reads: secondary instances (jr://file-csv/x.csv) and any other jr://file/ reference.
_FILE_REF = re.compile(rb"jr://file(?:-csv)?/([^\"'\s<>]+)")


def declared_dataset(xform: bytes) -> str | None:
    """The entity list this XForm creates or updates (the `dataset` of `meta/entity`), if any."""
    root = parse_xml(xform, what="an XForm")
    for element in root.iter(f"{{{XFORMS}}}entity"):
        parent = element.getparent()
        if parent is not None and etree.QName(parent).localname == "meta" and element.get("dataset"):
            return element.get("dataset")
    return None


def referenced_files(xform: bytes) -> list[str]:
    """The media files the XForm names (`jr://file-csv/…` instances, `jr://file/…` references)."""
    return sorted({match.decode("utf-8") for match in _FILE_REF.findall(xform)})


def dataset_attachments(local: "LocalForm", datasets: Collection[str]) -> dict[str, str]:
    """Attachment name → entity list, for the CSVs the form reads that are entity lists."""
    return {
        name: name.removesuffix(".csv")
        for name in local.referenced_files
        if name.endswith(".csv") and name.removesuffix(".csv") in datasets
    }


def link_changes(linked: dict[str, str], remote: dict[str, bool]) -> list[str]:
    """The linked attachments Central holds as something else (a file, or nothing)."""
    return [
        f"attachment {name} (link to entity list {dataset})"
        for name, dataset in linked.items()
        if not remote.get(name, False)
    ]


def ensure_linked(forms: FormService, local: "LocalForm", linked: dict[str, str], project_id: int) -> None:
    """Link every entity-list attachment of the draft that Central did not link by itself."""
    if not linked:
        return
    held = {a.name: a.dataset_exists for a in forms.draft_attachments(local.form_id, project_id)}
    for name, dataset in linked.items():
        if held.get(name, True):
            continue  # linked already, or the draft does not expect it
        try:
            forms.link_draft_attachment(local.form_id, name, project_id)
        except CentralError as err:
            if not err.is_central_error(NOT_FOUND):
                raise
            raise CentralError(
                f"{local.path.name} ({local.form_id}) reads {name}, the entity list {dataset}, which "
                f"ODK Central at {forms.session.server} does not have: deploy the form that creates "
                f"it first",
                response=err.response,
            ) from None


def deploy_order(forms: Sequence["LocalForm"]) -> list["LocalForm"]:
    """The forms with each list's creating form before the forms that read it; otherwise as given."""
    creators = {f.creates_dataset: f.form_id for f in forms if f.creates_dataset}
    by_id = {f.form_id: f for f in forms}
    ordered: list[LocalForm] = []
    state: dict[str, str] = {}

    def visit(form: "LocalForm") -> None:
        if state.get(form.form_id) == "done":
            return
        if state.get(form.form_id) == "visiting":
            raise ValueError(f"forms read each other's entity lists in a circle at {form.form_id}")
        state[form.form_id] = "visiting"
        for name in form.referenced_files:
            creator = creators.get(name.removesuffix(".csv")) if name.endswith(".csv") else None
            if creator is not None and creator != form.form_id:
                visit(by_id[creator])
        state[form.form_id] = "done"
        ordered.append(form)

    for form in forms:
        visit(form)
    return ordered
