"""XLSForm import as KPI does it: pyxform for the XForm, the sheets kept as the asset's content."""

from __future__ import annotations

import io
import secrets
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


TRANSLATED = ("label", "hint", "guidance_hint", "constraint_message", "required_message",
              "media::image", "media::audio", "media::video")


def _translations(rows: list[dict[str, Any]]) -> list[str | None]:
    """KPI's `translations`: the `::Language` suffixes in column order; None for bare columns."""
    found: list[str | None] = []
    for row in rows:
        for key in row:
            base, _, lang = key.partition("::")
            if base in TRANSLATED and not base.startswith("media"):
                value: str | None = lang or None
                if value not in found:
                    found.append(value)
    return found or [None]


def _kobo_row(row: dict[str, Any], translations: list[str | None]) -> dict[str, Any]:
    """One sheet row as KPI stores it: translated columns become arrays in `translations` order,
    other values strings, plus a `$kuid` of its own."""
    out: dict[str, Any] = {"$kuid": new_kuid()}
    for key, value in row.items():
        base, _, lang = key.partition("::")
        if base in TRANSLATED:
            cells = out.setdefault(base, [None] * len(translations))
            index = translations.index(lang or None) if (lang or None) in translations else 0
            cells[index] = str(value)
        elif key == "required":
            out[key] = str(value).strip().lower() in ("yes", "true", "true()", "1")
        else:
            out[key] = str(value)
    return out


def new_kuid() -> str:
    return secrets.token_hex(4)


def read_content(data: bytes) -> dict[str, Any]:
    """The survey, choices and settings sheets as KPI's content JSON (schema 1)."""
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        survey, choices = _sheet_rows(workbook, "survey"), _sheet_rows(workbook, "choices")
        settings = _sheet_rows(workbook, "settings")
    finally:
        workbook.close()
    translations = _translations(survey + choices)
    kobo_survey: list[dict[str, Any]] = []
    path: list[str] = []
    for row in survey:
        item = _kobo_row(row, translations)
        kind, name = str(row.get("type", "")).strip(), str(row.get("name", ""))
        if kind.startswith("end"):
            path = path[:-1]
        elif name:
            item["$autoname"] = name
            item["$xpath"] = "/".join([*path, name])
            if kind.startswith("begin"):
                path.append(name)
        kobo_survey.append(item)
    kobo_choices = []
    for row in choices:
        item = _kobo_row(row, translations)
        item["$autovalue"] = str(row.get("name", ""))
        item.setdefault("name", "")
        item.setdefault("list_name", "")
        kobo_choices.append(item)
    return {"schema": "1", "survey": kobo_survey, "choices": kobo_choices,
            "settings": {k: str(v) for k, v in (settings[0] if settings else {}).items()},
            "translations": translations,
            "translated": [c for c in TRANSLATED if any(c in r for r in kobo_survey)]}


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
