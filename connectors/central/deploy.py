"""Deploying an XLSForm: create, update or leave alone, decided by comparing with what Central holds.

How "unchanged" is decided (Central keeps no free-form metadata on a form for us to store a
hash in, and the `version` string belongs to the form's author):

* the definition is unchanged when the XLSX bytes equal the file Central keeps from the last
  upload (`GET …/forms/{id}.xlsx`), or else when the XForm that pyxform makes from it here
  equals the published `…/forms/{id}.xml` after canonicalisation (whitespace between elements
  and comments ignored) — so neither a re-saved spreadsheet nor a different pyxform release at
  Central is taken as a change on its own;
* each attachment is unchanged when its md5 equals the `hash` Central lists under
  `…/forms/{id}/attachments`.

Any change needs a new `version` in the settings sheet, as Collect only fetches a form (and its
media) again when its version changes; deploying a change under a published version fails before
anything is written, telling the author to raise it.

An attachment named after one of the project's entity lists (`children.csv` for `children`) is
linked to the list, never uploaded (see connectors.central.deploy_entities).
"""

import hashlib
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from lxml import etree
from pyxform.xls2xform import convert

from connectors.central.deploy_entities import (
    dataset_attachments,
    declared_dataset,
    ensure_linked,
    link_changes,
    referenced_files,
)
from connectors.central.errors import VERSION_EXISTS, CentralError
from connectors.central.forms import FormService
from connectors.central.models import DeployResult, FormAttachmentInfo
from connectors.safe_xml import UnsafeXMLError, parse_xml
from connectors.xlsform import canonical_xform

XFORMS = "http://www.w3.org/2002/xforms"
XHTML = "http://www.w3.org/1999/xhtml"


class FormVersionNotRaised(CentralError):
    """A changed form was deployed under a version Central has already published."""


@dataclass(frozen=True)
class LocalForm:
    """An XLSForm as read here: its id, version, bytes, XForm and attachments' md5 sums."""

    path: Path
    form_id: str
    version: str | None
    xlsx: bytes
    xform: bytes
    attachments: dict[str, bytes] = field(default_factory=dict)
    creates_dataset: str | None = None  # the entity list the form declares (meta/entity)
    referenced_files: tuple[str, ...] = ()  # every media file the XForm names

    def attachment_md5(self, name: str) -> str:
        return hashlib.md5(self.attachments[name]).hexdigest()


def declared_form_id(xlsx_path: Path) -> str | None:
    """The settings sheet's form_id, if the spreadsheet declares one."""
    workbook = openpyxl.load_workbook(xlsx_path, read_only=True, data_only=True)
    try:
        if "settings" not in workbook.sheetnames:
            return None
        rows = list(workbook["settings"].iter_rows(min_row=1, max_row=2, values_only=True))
    finally:
        workbook.close()
    if len(rows) < 2:
        return None
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    if "form_id" not in header:
        return None
    value = rows[1][header.index("form_id")]
    return str(value).strip() or None if value is not None else None


def read_local_form(
    xlsx_path: Path, *, form_id: str | None, attachments: dict[str, Path] | None
) -> LocalForm:
    """Convert with pyxform and read everything a comparison with Central needs."""
    declared = declared_form_id(xlsx_path)
    if form_id is not None and declared is not None and form_id != declared:
        raise ValueError(
            f"{xlsx_path.name} declares form_id {declared!r} in its settings sheet, "
            f"not {form_id!r}: make them equal"
        )
    resolved = form_id or declared or xlsx_path.stem
    root = parse_xml(convert(xlsform=str(xlsx_path), warnings=[]).xform, what=f"{xlsx_path.name} as XForm")
    instance_root = primary_instance_root(root)
    if instance_root is None:
        raise ValueError(f"{xlsx_path.name}: pyxform produced an XForm without a primary instance")
    # Central names the form from the fallback header when the settings sheet has no form_id.
    instance_root.set("id", resolved)
    version = instance_root.get("version")
    xform = etree.tostring(root, xml_declaration=True, encoding="utf-8")
    return LocalForm(
        path=xlsx_path,
        form_id=resolved,
        version=version,
        xlsx=xlsx_path.read_bytes(),
        xform=xform,
        attachments={name: p.read_bytes() for name, p in sorted((attachments or {}).items())},
        creates_dataset=declared_dataset(xform),
        referenced_files=tuple(referenced_files(xform)),
    )


def primary_instance_root(root: etree._Element) -> etree._Element | None:
    """The first element inside the model's first <instance>: carries id and version."""
    instances = root.findall(f"{{{XHTML}}}head/{{{XFORMS}}}model/{{{XFORMS}}}instance")
    for child in instances[0] if instances else []:
        if isinstance(child.tag, str):
            return child
    return None


def definition_changed(local: LocalForm, published_xml: bytes, published_xlsx: bytes | None) -> bool:
    if published_xlsx is not None and published_xlsx == local.xlsx:
        return False
    try:
        return canonical_xform(local.xform) != canonical_xform(published_xml)
    except (etree.XMLSyntaxError, UnsafeXMLError):
        return True


def attachment_changes(
    local: LocalForm, remote: list[FormAttachmentInfo], *, skip: Collection[str] = ()
) -> list[str]:
    """The local attachments Central lacks or holds with other content (`skip`: linked lists)."""
    held = {a.name: a for a in remote}
    changes = []
    for name in local.attachments:
        if name in skip:
            continue
        at_central = held.get(name)
        if at_central is None or not at_central.exists:
            changes.append(f"attachment {name} (new)")
        elif (at_central.hash or "").lower() != local.attachment_md5(name):
            changes.append(f"attachment {name} (changed)")
    return changes


def suggest_version(version: str | None) -> str:
    """A version to propose: the next number when the version is digits, else a hint."""
    if version and version.isdigit():
        return str(int(version) + 1)
    return "a value greater than the published one"


def deploy(
    forms: FormService,
    local: LocalForm,
    *,
    project_id: int,
    dry_run: bool,
    datasets: Collection[str] = (),
) -> DeployResult:
    """Create, update or leave the form; writes nothing when unchanged or on a dry run.

    `datasets` names the project's entity lists (on a dry run, also those that earlier forms of
    the same deploy would create): the form's attachments named after them are linked, not uploaded.
    """
    linked = dataset_attachments(local, datasets)
    files = {name: content for name, content in local.attachments.items() if name not in linked}
    existing = forms.get(local.form_id, project_id)
    if existing is None or existing.published_at is None:
        # A form never published (e.g. a deploy stopped before publishing) is created afresh.
        changes = ["new form"] + [f"attachment {name} (new)" for name in files]
        changes += link_changes(linked, {})
        if not dry_run:
            if existing is None:
                forms.create_draft_form(local.xlsx, local.form_id, project_id)
            else:
                forms.replace_draft(local.xlsx, local.form_id, project_id)
            _link_upload_and_publish(forms, local, files, linked, project_id)
        return _result(local, "created", changes, dry_run, previous=None, definition=True)

    changes = []
    definition = definition_changed(
        local, forms.xml(local.form_id, project_id), forms.xlsx(local.form_id, project_id)
    )
    if definition:
        changes.append(f"definition (version {existing.version!r} → {local.version!r})")
    remote = forms.attachments(local.form_id, project_id)
    changes += attachment_changes(local, remote, skip=linked)
    changes += link_changes(linked, {a.name: a.dataset_exists for a in remote})
    if not changes:
        return _result(local, "unchanged", [], dry_run, previous=existing.version, definition=False)
    if (local.version or "") == (existing.version or ""):
        raise FormVersionNotRaised(
            f"{local.path.name} ({local.form_id}) differs from the form published on ODK Central at "
            f"{forms.session.server} ({', '.join(changes)}) but keeps its version "
            f"{local.version!r}: raise `version` in the settings sheet "
            f"(e.g. to {suggest_version(local.version)}) and deploy again"
        )
    if not dry_run:
        forms.replace_draft(local.xlsx, local.form_id, project_id)
        _link_upload_and_publish(forms, local, files, linked, project_id)
    return _result(local, "updated", changes, dry_run, previous=existing.version, definition=definition)


def _link_upload_and_publish(
    forms: FormService, local: LocalForm, files: dict[str, bytes], linked: dict[str, str], project_id: int
) -> None:
    ensure_linked(forms, local, linked, project_id)
    for name, content in files.items():
        forms.upload_draft_attachment(local.form_id, name, content, project_id)
    try:
        forms.publish_draft(local.form_id, project_id)
    except CentralError as err:
        if not err.is_central_error(VERSION_EXISTS):
            raise
        # An older published version carries this version string (only the current one is
        # checked before writing); the draft stays at Central and the next deploy replaces it.
        raise FormVersionNotRaised(
            f"{local.path.name} ({local.form_id}) uses version {local.version!r}, which ODK Central "
            f"at {forms.session.server} has published before: raise `version` in the settings "
            "sheet and deploy again",
            response=err.response,
        ) from None


def _result(
    local: LocalForm,
    action: str,
    changes: list[str],
    dry_run: bool,
    *,
    previous: str | None,
    definition: bool,
) -> DeployResult:
    return DeployResult.model_validate(
        {
            "form_id": local.form_id,
            "action": action,
            "version": local.version,
            "changes": changes,
            "dry_run": dry_run,
            "previous_version": previous,
            "definition_changed": definition,
            "creates_dataset": local.creates_dataset,
        }
    )
