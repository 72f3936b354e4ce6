"""XLSForm import as KPI does it: pyxform for the XForm, the sheets kept as the asset's content."""

from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
from lxml import etree
from pyxform.errors import PyXFormError
from pyxform.xls2xform import convert

XFORMS = "http://www.w3.org/2002/xforms"
XHTML = "http://www.w3.org/1999/xhtml"


class ImportFailed(Exception):
    """The file is not an XLSForm pyxform can convert; the message is pyxform's."""


@dataclass(frozen=True)
class ImportedForm:
    """What an import leaves on the asset."""

    title: str
    form_id: str
    version: str | None
    content: dict[str, Any]
    xform: str


def _sheet_rows(workbook: Any, name: str) -> list[dict[str, Any]]:
    if name not in workbook.sheetnames:
        return []
    rows = list(workbook[name].iter_rows(values_only=True))
    if not rows:
        return []
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    out = []
    for row in rows[1:]:
        item = {key: (value if isinstance(value, int | float | bool) else str(value))
                for key, value in zip(header, row, strict=False) if key and value not in (None, "")}
        if item:
            out.append(item)
    return out


def read_content(data: bytes) -> dict[str, Any]:
    """The survey, choices and settings sheets as KPI's content JSON (schema 1)."""
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        settings = _sheet_rows(workbook, "settings")
        return {"schema": "1", "survey": _sheet_rows(workbook, "survey"),
                "choices": _sheet_rows(workbook, "choices"),
                "settings": settings[0] if settings else {}}
    finally:
        workbook.close()


def import_xlsform(data: bytes, filename: str) -> ImportedForm:
    """Convert with pyxform (no ODK Validate, as KPI) and keep the sheets as content."""
    stem = Path(filename).stem or "form"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{stem}.xlsx"
        path.write_bytes(data)
        try:
            result = convert(xlsform=str(path), warnings=[], validate=False, pretty_print=True)
            content = read_content(data)
        except (PyXFormError, ValueError, KeyError, IndexError, OSError) as err:
            raise ImportFailed(str(err)) from err
    root = etree.fromstring(result.xform.encode("utf-8"))
    instance = primary_instance(root)
    title = root.findtext(f"{{{XHTML}}}head/{{{XHTML}}}title") or stem
    return ImportedForm(title=title, form_id=instance.get("id", stem),
                        version=instance.get("version"), content=content, xform=result.xform)


def primary_instance(root: etree._Element) -> etree._Element:
    """The first element inside the model's first <instance>: it carries id and version."""
    instance = root.find(f"{{{XHTML}}}head/{{{XFORMS}}}model/{{{XFORMS}}}instance")
    for child in instance if instance is not None else []:
        if isinstance(child.tag, str):
            return child
    raise ImportFailed("the XForm has no primary instance")


def deployable_xform(xform: str, *, asset_uid: str, version_id: str, formhub_uuid: str) -> str:
    """The XForm Kobo serves to KoboCollect: id_string is the asset uid, and the instance gains
    `formhub/uuid` and `__version__`, which every submission then carries."""
    root = etree.fromstring(xform.encode("utf-8"))
    instance = primary_instance(root)
    instance.set("id", asset_uid)
    name = etree.QName(instance).localname
    model = root.find(f"{{{XHTML}}}head/{{{XFORMS}}}model")
    assert model is not None
    ns = etree.QName(instance).namespace
    tag = (lambda local: f"{{{ns}}}{local}") if ns else (lambda local: local)
    formhub = etree.Element(tag("formhub"))
    etree.SubElement(formhub, tag("uuid"))
    instance.insert(0, formhub)
    instance.append(etree.Element(tag("__version__")))
    for path, value in ((f"/{name}/formhub/uuid", formhub_uuid),
                        (f"/{name}/__version__", version_id)):
        etree.SubElement(model, f"{{{XFORMS}}}bind", nodeset=path, type="string",
                         calculate=f"'{value}'")
    return etree.tostring(root, encoding="unicode", pretty_print=True)
