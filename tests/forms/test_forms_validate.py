"""Every XLSForm converts with pyxform and passes ODK Validate; broken copies name sheet and row."""

import os
import random
import re
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from connectors.xlsform import FormProblem, convert, field_schema, validate
from forms.media import build_media
from forms.paths import MEDIA_DIR, form_paths, media_paths
from warehouse.identifiers import th_id_check_digit, validate_thai_id

# Java is needed for ODK Validate; without it skip locally, but never in CI.
needs_java = pytest.mark.skipif(
    shutil.which("java") is None and os.environ.get("CI", "").lower() != "true",
    reason="ODK Validate needs Java (java is not on PATH); install a JRE to run this test",
)
REGISTRATION = next(p for p in form_paths() if p.stem == "child_registration")


def test_there_are_forms() -> None:
    assert [p.name for p in form_paths()] == [
        "assistance_plan.xlsx", "child_registration.xlsx", "home_visit.xlsx", "plan_followup.xlsx",
    ]


@pytest.mark.parametrize("path", form_paths(), ids=lambda p: p.stem)
def test_form_converts_with_pyxform(path: Path) -> None:
    form = convert(path)
    assert form.form_id == path.stem
    assert form.version.isdigit()
    assert form.warnings == []
    assert set(form.media) <= set(media_paths())
    assert validate([path], odk_validate=False) == []


@pytest.mark.java
@needs_java
@pytest.mark.parametrize("path", form_paths(), ids=lambda p: p.stem)
def test_form_passes_odk_validate(path: Path) -> None:
    problems = validate([path])
    assert problems == [], "\n".join(map(str, problems))


def _survey_row(wb_path: Path, name: str) -> int:
    ws = load_workbook(wb_path)["survey"]
    header = [c.value for c in ws[1]]
    col = header.index("name")
    for row in ws.iter_rows(min_row=2):
        if row[col].value == name:
            return row[0].row
    raise KeyError(name)


def _broken_copy(tmp_path: Path, question: str, column: str, value: str) -> tuple[Path, int]:
    target = tmp_path / REGISTRATION.name
    shutil.copytree(MEDIA_DIR, tmp_path / "media")
    wb = load_workbook(REGISTRATION)
    ws = wb["survey"]
    header = [c.value for c in ws[1]]
    row = _survey_row(REGISTRATION, question)
    ws.cell(row=row, column=header.index(column) + 1, value=value)
    wb.save(target)
    return target, row


def test_pyxform_error_names_sheet_and_row(tmp_path: Path) -> None:
    path, row = _broken_copy(tmp_path, "moo", "type", "select_one no_such_list")
    problems = validate([path], odk_validate=False)
    assert problems == [FormProblem(
        form="child_registration.xlsx", sheet="survey", row=row,
        message=problems[0].message,
    )]
    assert "no_such_list" in problems[0].message
    assert str(problems[0]).startswith(f"child_registration.xlsx, sheet 'survey', row {row}: ")


def test_bad_reference_names_sheet_and_row(tmp_path: Path) -> None:
    path, row = _broken_copy(tmp_path, "moo", "relevant", "${no_such_question} = '1'")
    [problem] = validate([path], odk_validate=False)
    assert (problem.sheet, problem.row) == ("survey", row)
    assert "no_such_question" in problem.message


@pytest.mark.java
@needs_java
def test_odk_validate_error_names_the_question_row(tmp_path: Path) -> None:
    path, row = _broken_copy(tmp_path, "moo", "constraint", ". >= 1 and (. <= 40")
    [problem] = validate([path])
    assert (problem.sheet, problem.row) == ("survey", row)
    assert "ODK Validate" in problem.message
    assert "XForm is invalid" not in problem.message


def test_form_id_must_match_file_name(tmp_path: Path) -> None:
    target = tmp_path / "renamed.xlsx"
    shutil.copyfile(REGISTRATION, target)
    shutil.copytree(MEDIA_DIR, tmp_path / "media")
    [problem] = validate([target], odk_validate=False)
    assert (problem.sheet, problem.row) == ("settings", 2)
    assert "form_id" in problem.message


def test_missing_media_is_reported(tmp_path: Path) -> None:
    target = tmp_path / REGISTRATION.name
    shutil.copyfile(REGISTRATION, target)
    problems = validate([target], odk_validate=False)
    assert {p.message.split()[2] for p in problems} == set(convert(REGISTRATION).media)
    assert all("python -m forms.media" in p.message for p in problems)


def test_media_are_up_to_date_and_small() -> None:
    built = build_media()
    assert set(built) == set(media_paths())
    for name, text in built.items():
        path = media_paths()[name]
        assert path.read_text(encoding="utf-8") == text, f"run python -m forms.media ({name})"
        assert path.stat().st_size < 1_000_000
    assert built["laos.csv"].count("\n") == 7850  # header + 7,849 LAOs


def test_field_schema_types() -> None:
    schema = dict(field_schema(convert(REGISTRATION).xml))
    assert schema["child/birth_date"] == "date"
    assert schema["consent/consent_age"] == "int"
    assert schema["address/moo"] == "int"
    assert schema["education/year_left_be"] == "int"
    assert schema["child/national_id"] == "string"
    assert schema["address/geopoint"] == "geopoint"
    assert schema["start"] == "dateTime"
    assert schema["meta/instanceID"] == "string"
    assert "child" not in schema  # groups are not fields


def _xpath_to_python(expr: str) -> str:
    """Just enough of XPath to run the form's ID constraint in Python."""
    expr = re.sub(r"regex\(\., '([^']*)'\)", r"bool(re.match(r'\1', v))", expr)
    expr = re.sub(r"number\(substr\(\., (\d+), (\d+)\)\)", r"int(v[\1:\2])", expr)
    expr = re.sub(r"substr\(\., (\d+), (\d+)\)", r"v[\1:\2]", expr)
    return expr.replace(" mod ", " % ").replace(" = ", " == ")


def test_id_constraint_agrees_with_the_validator() -> None:
    ws = load_workbook(REGISTRATION)["survey"]
    header = [c.value for c in ws[1]]
    row = _survey_row(REGISTRATION, "national_id")
    constraint = ws.cell(row=row, column=header.index("constraint") + 1).value
    check = compile(_xpath_to_python(constraint), "constraint", "eval")
    rng = random.Random(7)
    for _ in range(2000):
        v = "".join(rng.choices("0123456789", k=13))
        if rng.random() < 0.5:  # half of them with a correct check digit
            v = v[:12] + str(th_id_check_digit(v[:12]))
        # The form is as strict as the validator: it refuses exactly the invalid verdicts.
        assert eval(check, {"re": re, "v": v}) == validate_thai_id(v).valid, v
