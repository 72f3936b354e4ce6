"""Converts and checks XLSForms locally with pyxform and ODK Validate; no network, no database."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

from lxml import etree
from pydantic import BaseModel, ConfigDict
from pyxform.errors import PyXFormError
from pyxform.validators.odk_validate import ODKValidateError, check_xform
from pyxform.xls2xform import convert as pyxform_convert

from connectors.safe_xml import hardened_parser, parse_xml

NS = {
    "h": "http://www.w3.org/1999/xhtml",
    "xf": "http://www.w3.org/2002/xforms",
}
# pyxform puts "[row : 12]" in front of most errors; the sheet is named in the sentence.
_ROW = re.compile(r"\[row\s*:\s*(\d+)\]\s*")
_SHEET = re.compile(r"(?:On|on|in|In) the '?(survey|choices|settings|entities)'? sheet")
_MEDIA = re.compile(r"jr://file(?:-csv)?/([^\"'\s]+)")
# pyxform's ErrorCleaner rewrites ODK Validate's node paths (/data/child/x) as ${x}.
_NODE = re.compile(r"\$\{([A-Za-z_][\w.-]*)\}")
_VALIDATE_NOISE = ("XForm is invalid", "The following files failed validation", "Result:")

JAVA_MISSING = (
    "ODK Validate needs Java 8 or newer and no `java` is on PATH: install a Java runtime "
    "(Debian/Ubuntu: apt-get install default-jre-headless) or skip ODK Validate for now."
)


class ConvertedForm(BaseModel):
    """An XLSForm turned into an XForm, with what deploying it needs."""

    model_config = ConfigDict(frozen=True)

    form_id: str
    version: str
    title: str
    xml: str
    warnings: list[str]
    media: list[str]


class FormProblem(BaseModel):
    """One reason a form cannot be deployed, pointing at the sheet and row to change."""

    model_config = ConfigDict(frozen=True)

    form: str
    sheet: str | None = None
    row: int | None = None
    message: str

    def __str__(self) -> str:
        where = self.form
        if self.sheet:
            where += f", sheet '{self.sheet}'"
        if self.row is not None:
            where += f", row {self.row}"
        return f"{where}: {self.message}"


def convert(xlsx: Path) -> ConvertedForm:
    """XLSForm → XForm with pyxform (raises PyXFormError on a broken form)."""
    warnings: list[str] = []
    result = pyxform_convert(xlsform=str(xlsx), warnings=warnings, pretty_print=True)
    root = parse_xml(result.xform, what="the converted XForm")
    instance = _primary_instance(root)
    title = root.findtext("h:head/h:title", namespaces=NS) or ""
    media = sorted(set(_MEDIA.findall(result.xform)))
    return ConvertedForm(
        form_id=instance.get("id", ""),
        version=instance.get("version", ""),
        title=title,
        xml=result.xform,
        warnings=list(result.warnings),
        media=media,
    )


def validate(
    paths: list[Path], *, odk_validate: bool = True, media_dir: Path | None = None
) -> list[FormProblem]:
    """Every problem pyxform and ODK Validate find in these forms; empty means deployable."""
    problems: list[FormProblem] = []
    for path in paths:
        problems.extend(_validate_one(path, odk_validate=odk_validate, media_dir=media_dir))
    return problems


def _validate_one(path: Path, *, odk_validate: bool, media_dir: Path | None) -> list[FormProblem]:
    form = path.name
    try:
        converted = convert(path)
    except PyXFormError as e:
        return [_from_pyxform_error(form, str(e))]
    except (OSError, ValueError) as e:  # unreadable or not a spreadsheet at all
        return [FormProblem(form=form, message=f"cannot read the file: {e}")]
    problems = _settings_problems(path, converted)
    media_dir = media_dir or path.parent / "media"
    for name in converted.media:
        if not (media_dir / name).is_file():
            problems.append(FormProblem(
                form=form,
                message=f"media file {name} is missing from {media_dir}; "
                "rebuild it with `python -m forms.media` or remove the question that uses it",
            ))
    if odk_validate:
        problems.extend(_odk_validate(path, converted))
    return problems


def _settings_problems(path: Path, converted: ConvertedForm) -> list[FormProblem]:
    problems = []
    if converted.form_id != path.stem:
        problems.append(FormProblem(
            form=path.name, sheet="settings", row=2,
            message=f"form_id is {converted.form_id!r} but the file is {path.name}; "
            "make form_id equal to the file name without .xlsx",
        ))
    if not converted.version.isdigit():
        problems.append(FormProblem(
            form=path.name, sheet="settings", row=2,
            message=f"version {converted.version!r} is not a number; use a growing number "
            "such as 2026113001 (yyyymmdd + two digits)",
        ))
    return problems


def _from_pyxform_error(form: str, text: str) -> FormProblem:
    row_match = _ROW.search(text)
    sheet_match = _SHEET.search(text)
    message = _ROW.sub("", text, count=1).strip()
    return FormProblem(
        form=form,
        sheet=sheet_match.group(1) if sheet_match else ("survey" if row_match else None),
        row=int(row_match.group(1)) if row_match else None,
        message=message,
    )


def _odk_validate(path: Path, converted: ConvertedForm) -> list[FormProblem]:
    if shutil.which("java") is None:
        return [FormProblem(form=path.name, message=JAVA_MISSING)]
    with tempfile.TemporaryDirectory() as tmp:
        xml_path = Path(tmp) / f"{converted.form_id or 'form'}.xml"
        xml_path.write_text(converted.xml, encoding="utf-8")
        try:
            check_xform(str(xml_path))
        except ODKValidateError as e:
            return [_odk_problem(path, _clean_validate_output(str(e), converted.form_id))]
        except OSError as e:
            return [FormProblem(form=path.name, message=f"could not run ODK Validate: {e}")]
    return []


def _clean_validate_output(text: str, form_id: str) -> str:
    """ODK Validate's report without its banner lines, on one line."""
    lines = [line.strip(" :>\t") for line in text.removeprefix("ODK Validate Errors:").splitlines()]
    kept = [
        line for line in lines
        if line and not line.startswith(_VALIDATE_NOISE) and line != f"${{{form_id}}}.xml"
    ]
    return " ".join(kept)


def _odk_problem(path: Path, text: str) -> FormProblem:
    """Point ODK Validate's complaint at the survey row of the question it names."""
    rows = _survey_rows(path)
    for name in _NODE.findall(text):
        if name in rows:
            return FormProblem(form=path.name, sheet="survey", row=rows[name],
                               message=f"ODK Validate: {text}")
    return FormProblem(form=path.name, message=f"ODK Validate: {text}")


def _survey_rows(path: Path) -> dict[str, int]:
    """Question name → spreadsheet row (1-based, header is row 1), as pyxform counts."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True)
    except (OSError, ValueError):
        return {}
    try:
        if "survey" not in wb.sheetnames:
            return {}
        rows = list(wb["survey"].iter_rows(values_only=True))
    finally:
        wb.close()
    if not rows:
        return {}
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    if "name" not in header:
        return {}
    col = header.index("name")
    return {
        str(r[col]).strip(): i
        for i, r in enumerate(rows[1:], start=2)
        if col < len(r) and r[col] is not None
    }


def canonical_xform(xml: bytes) -> bytes:
    """C14N of an XForm without comments and whitespace-only text, for comparison only."""
    parser = hardened_parser(remove_blank_text=True, remove_comments=True)
    root = parse_xml(xml, what="an XForm", parser=parser)
    for element in root.iter():
        if element.text is not None and not element.text.strip():
            element.text = None
        if element.tail is not None and not element.tail.strip():
            element.tail = None
    return etree.tostring(root, method="c14n")


def _primary_instance(root: etree._Element) -> etree._Element:
    """The first child of the first <instance> in the model: the data the form submits."""
    instance = root.find("h:head/xf:model/xf:instance", namespaces=NS)
    if instance is None or len(instance) == 0:
        raise ValueError("the XForm has no primary instance")
    return instance[0]


def instance_paths(xml: str) -> list[str]:
    """Every element path of the primary instance without its root, in document order."""
    root = parse_xml(xml, what="an XForm")
    data = _primary_instance(root)
    paths = []
    for el in data.iter():
        if el is data or not isinstance(el.tag, str):
            continue
        parts = [etree.QName(a).localname for a in reversed(list(el.iterancestors()))]
        parts = parts[parts.index(etree.QName(data).localname) + 1 :]
        paths.append("/".join([*parts, etree.QName(el).localname]))
    return paths


def field_schema(xml: str) -> list[tuple[str, str]]:
    """(path, XForm type) for every leaf field, e.g. ("child/birth_date", "date").

    Fields without a type in their bind are strings in XForms; groups are left out, and a
    field inside a repeat is listed once, with the repeat's path (``goals/goal_text``).
    """
    root = parse_xml(xml, what="an XForm")
    data = _primary_instance(root)
    root_name = etree.QName(data).localname
    types: dict[str, str] = {}
    for bind in root.iterfind("h:head/xf:model/xf:bind", namespaces=NS):
        nodeset = (bind.get("nodeset") or "").strip()
        path = nodeset.removeprefix(f"/{root_name}/")
        types[path] = bind.get("type") or "string"
    leaves = []
    # A repeat appears twice in the instance (its jr:template and a first row): list it once.
    for path in dict.fromkeys(instance_paths(xml)):
        element = data.find("/".join(f"xf:{p}" for p in path.split("/")), namespaces=NS)
        if element is not None and len(element) == 0:
            leaves.append((path, types.get(path, "string")))
    return leaves
