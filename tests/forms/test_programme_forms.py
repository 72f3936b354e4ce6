"""The four programme forms: conventions, the children entity list, and the checks built into them."""

import re
from pathlib import Path

import pytest
from lxml import etree
from openpyxl import load_workbook

from connectors.xlsform import convert, field_schema
from forms.media import CHILDREN_PROPERTIES
from forms.paths import FORMS_DIR, form_paths

TH, EN = "ไทย (th)", "English (en)"
FOLLOW_ON = ["home_visit", "assistance_plan", "plan_followup"]
THAI = re.compile(r"[\u0e00-\u0e7f]")
ENTITIES_NS = "http://www.opendatakit.org/xforms/entities"


def _form(stem: str) -> Path:
    return FORMS_DIR / f"{stem}.xlsx"


def _rows(path: Path, sheet: str) -> list[dict[str, object]]:
    ws = load_workbook(path, read_only=True)[sheet]
    rows = list(ws.iter_rows(values_only=True))
    header = [str(h) if h is not None else "" for h in rows[0]]
    return [dict(zip(header, r, strict=False)) for r in rows[1:] if any(v is not None for v in r)]


def test_the_four_programme_forms_exist() -> None:
    assert {p.stem for p in form_paths()} == {"child_registration", *FOLLOW_ON}


@pytest.mark.parametrize("path", form_paths(), ids=lambda p: p.stem)
def test_settings(path: Path) -> None:
    [settings] = _rows(path, "settings")
    assert settings["form_id"] == path.stem
    assert re.fullmatch(r"20\d{6}\d{2}", str(settings["version"]))  # yyyymmddNN, kept as text
    assert settings["default_language"] == TH
    assert THAI.search(str(settings["form_title"]))
    assert settings["instance_name"] == "${instance_label}"


@pytest.mark.parametrize("path", form_paths(), ids=lambda p: p.stem)
def test_thai_columns_come_first(path: Path) -> None:
    wb = load_workbook(path, read_only=True)
    for sheet, prefixes in [("survey", ("label", "hint", "required_message", "constraint_message")),
                            ("choices", ("label",))]:
        header = [str(c) for c in next(wb[sheet].iter_rows(values_only=True)) if c]
        for prefix in prefixes:
            columns = [h for h in header if h.startswith(prefix + "::")]
            assert columns == [f"{prefix}::{TH}", f"{prefix}::{EN}"], (sheet, prefix)


@pytest.mark.parametrize("path", form_paths(), ids=lambda p: p.stem)
def test_every_text_people_read_is_in_thai_and_english(path: Path) -> None:
    for row in _rows(path, "survey"):
        for prefix in ("label", "hint", "required_message", "constraint_message"):
            th, en = row.get(f"{prefix}::{TH}"), row.get(f"{prefix}::{EN}")
            assert bool(th) == bool(en), (row["name"], prefix)
            if th:
                assert THAI.search(str(th)), (row["name"], prefix)


@pytest.mark.parametrize("path", form_paths(), ids=lambda p: p.stem)
def test_every_choice_has_thai_and_english_labels(path: Path) -> None:
    choices = _rows(path, "choices")
    assert choices
    for choice in choices:
        assert choice[f"label::{TH}"] and THAI.search(str(choice[f"label::{TH}"])), choice
        assert choice[f"label::{EN}"], choice
    lists = {str(c["list_name"]) for c in choices}
    for row in _rows(path, "survey"):
        kind, _, list_name = str(row["type"]).partition(" ")
        if kind in ("select_one", "select_multiple"):
            assert list_name in lists, row["name"]


@pytest.mark.parametrize("path", form_paths(), ids=lambda p: p.stem)
def test_none_is_exclusive_in_multiple_choice(path: Path) -> None:
    lists_with_none = {c["list_name"] for c in _rows(path, "choices") if c["name"] == "NONE"}
    for row in _rows(path, "survey"):
        kind, _, list_name = str(row["type"]).partition(" ")
        if kind == "select_multiple" and list_name in lists_with_none:
            assert "count-selected(.) = 1" in str(row["constraint"]), row["name"]


def test_registration_declares_the_children_entity_list() -> None:
    xml = convert(_form("child_registration")).xml
    root = etree.fromstring(xml.encode("utf-8"))
    model = root.find("{http://www.w3.org/1999/xhtml}head/{http://www.w3.org/2002/xforms}model")
    assert model is not None and model.get(f"{{{ENTITIES_NS}}}entities-version")
    [entity] = root.iter("{http://www.w3.org/2002/xforms}entity")
    assert entity.get("dataset") == "children"
    saved = [b.get(f"{{{ENTITIES_NS}}}saveto") for b in root.iter("{http://www.w3.org/2002/xforms}bind")
             if b.get(f"{{{ENTITIES_NS}}}saveto")]
    assert tuple(saved) == CHILDREN_PROPERTIES
    assert {"child_id", "lao_code", "plan_status", "next_followup_due"} <= set(saved)
    binds = {b.get("nodeset"): b for b in root.iter("{http://www.w3.org/2002/xforms}bind")}
    # Only consented registrations create a child; a refusal leaves no trace in the list.
    assert "consent_ok" in binds["/data/meta/entity/@create"].get("calculate")
    assert binds["/data/case/plan_status"].get("calculate") == "'10'"  # IDENTIFIED, DOMAIN §6
    label = binds["/data/meta/entity/label"].get("calculate")
    assert label == " /data/case/list_label "


def test_entity_label_is_name_nickname_and_village() -> None:
    label = next(r for r in _rows(_form("child_registration"), "survey") if r["name"] == "list_label")
    for part in ("${first_name}", "${last_name}", "${nickname}", "${village}"):
        assert part in str(label["calculation"])


@pytest.mark.parametrize("stem", FOLLOW_ON)
def test_follow_on_forms_choose_the_child_from_the_entity_list(stem: str) -> None:
    form = convert(_form(stem))
    assert "children.csv" in form.media
    survey = {r["name"]: r for r in _rows(_form(stem), "survey")}
    assert survey["child"]["type"] == "select_one_from_file children.csv"
    assert survey["child"]["choice_filter"] == "lao_code = ${lao_code} and merged_into = ''"
    # Every property a form reads exists in the list the registration creates.
    read = set(re.findall(r"instance\('children'\)/root/item\[name=[^]]+\]/(\w+)", form.xml))
    assert {"plan_status", "next_followup_due", "full_name", "registered_on"} <= read
    assert read <= set(CHILDREN_PROPERTIES)
    note = survey["child_summary"]
    assert "${ch_status_th}" in str(note[f"label::{TH}"])
    assert "${ch_next_due_th}" in str(note[f"label::{TH}"])


def test_status_labels_shown_are_thai_for_every_code() -> None:
    survey = {r["name"]: r for r in _rows(_form("plan_followup"), "survey")}
    codes = {str(c["name"]): str(c[f"label::{TH}"]) for c in _rows(_form("plan_followup"), "choices")
             if c["list_name"] == "plan_status"}
    calculation = str(survey["ch_status_th"]["calculation"])
    mapping = dict(re.findall(r"if\(\$\{ch_status\} = '(\d+)', '([^']+)'", calculation))
    assert mapping == codes
    assert all(THAI.search(label) for label in mapping.values())


@pytest.mark.parametrize("stem", FOLLOW_ON)
def test_every_date_is_checked(stem: str) -> None:
    for row in _rows(_form(stem), "survey"):
        if row["type"] == "date":
            constraint = str(row["constraint"])
            assert constraint != "None" and row[f"constraint_message::{TH}"], row["name"]
            if row["name"] in ("visit_date", "plan_date", "fu_date"):
                assert ". <= today()" in constraint
                assert "${ch_registered}" in constraint  # not before registration


@pytest.mark.parametrize("stem", FOLLOW_ON)
def test_sensitive_choices_are_filtered(stem: str) -> None:
    """A list with PDPA s.26 items shows them only with sensitive-data consent."""
    sensitive_lists = {c["list_name"] for c in _rows(_form(stem), "choices") if c.get("sensitive") == "1"}
    assert sensitive_lists
    for row in _rows(_form(stem), "survey"):
        _, _, list_name = str(row["type"]).partition(" ")
        if list_name in sensitive_lists:
            assert str(row["choice_filter"]).startswith("sensitive = '0' or "), row["name"]


def test_health_questions_need_sensitive_consent() -> None:
    survey = {r["name"]: r for r in _rows(_form("home_visit"), "survey")}
    assert survey["health"]["relevant"] == "${visit_result} = 'FOUND' and ${sensitive_ok} = '1'"
    assert "${sensitive_consent} = '1'" in str(survey["sensitive_ok"]["calculation"])
    assert "${sensitive_assent} = '1'" in str(survey["sensitive_ok"]["calculation"])


# DOMAIN.md §6, transcribed here on its own so the form's constraint is checked against it.
LIFECYCLE = """10→20,25,90,99 20→30,90,99 30→40,30,90,99 40→50,30,55,90,99
50→50,55,60,30,80,90,99 55→50,90,99 60→70,50,90,99 70→50 80→10 90→10 25→10"""
STATUSES = ["10", "20", "25", "30", "40", "50", "55", "60", "70", "80", "90", "99"]


def _allowed(frm: str, to: str) -> bool:
    table = {a: b.split(",") for a, b in (t.split("→") for t in LIFECYCLE.split())}
    return frm != "99" and (to == frm or to in table.get(frm, []))


def _xpath_bool(expr: str, **values: str) -> bool:
    """Just enough XPath for `${x} = 'v'`, `. = 'v'`, and/or/not and parentheses."""
    py = expr
    for name, value in values.items():
        py = py.replace(name, repr(value))
    return bool(eval(py.replace(" = ", " == "), {}))  # the form's own text, nothing else


def test_proposed_status_follows_the_lifecycle() -> None:
    survey = {r["name"]: r for r in _rows(_form("plan_followup"), "survey")}
    constraint = str(survey["recommend_status"]["constraint"])
    for frm in STATUSES:
        for to in STATUSES:
            ok = _xpath_bool(constraint.replace(". = ", "v = "), **{"${ch_status}": frm, "v": to})
            assert ok == _allowed(frm, to), (frm, to)


def test_plan_status_only_from_statuses_that_allow_a_plan() -> None:
    survey = {r["name"]: r for r in _rows(_form("assistance_plan"), "survey")}
    constraint = str(survey["plan_status"]["constraint"])
    for frm in STATUSES:
        # agreed with the child and the guardian, not the supervisor
        agreed = re.sub(r"selected\(\$\{plan_agreed_by\}, '(\w+)'\)",
                        lambda m: str(m.group(1) in ("CHILD", "GUARDIAN")), constraint)
        ok = _xpath_bool(agreed.replace(". = ", "v = "), **{"${ch_status}": frm, "v": "30"})
        assert ok == _allowed(frm, "30"), frm


def test_child_with_withdrawn_consent_cannot_be_chosen() -> None:
    for stem in FOLLOW_ON:
        child = next(r for r in _rows(_form(stem), "survey") if r["name"] == "child")
        assert str(child["constraint"]).endswith("/plan_status != '99'")


@pytest.mark.parametrize("code,ok", [("6810104-01", True), ("6810104-1", False), ("681010401", False),
                                     ("6810104-01 ", False), ("", False)])
def test_staff_code_pattern(code: str, ok: bool) -> None:
    for stem, name in [("assistance_plan", "case_manager_id"), ("plan_followup", "supervisor_id")]:
        row = next(r for r in _rows(_form(stem), "survey") if r["name"] == name)
        pattern = re.fullmatch(r"regex\(\., '(.+)'\)", str(row["constraint"]))
        assert pattern is not None
        assert bool(re.search(pattern.group(1), code)) == ok


def _readme_paths() -> dict[str, set[str]]:
    """Per form, the paths the README promises the warehouse (first table column)."""
    text = (FORMS_DIR / "README.md").read_text(encoding="utf-8")
    sections = re.split(r"^## ", text, flags=re.M)
    found: dict[str, set[str]] = {}
    for section in sections:
        title = section.splitlines()[0] if section else ""
        m = re.match(r"(\w+): paths the warehouse can rely on", title)
        keys = [m.group(1)] if m else (FOLLOW_ON if title.startswith("Shared by") else [])
        for line in section.splitlines():
            if line.startswith("| `"):
                first = line.split("|")[1]
                for path in re.findall(r"`([^`]+)`", first):
                    if "<" not in path and "@" not in path and path != "meta/entity/label":
                        for key in keys:
                            found.setdefault(key, set()).add(path)
    return found


def test_readme_paths_exist_in_the_forms() -> None:
    promised = _readme_paths()
    assert set(promised) == {"child_registration", *FOLLOW_ON}
    for stem, paths in promised.items():
        actual = {p for p, _ in field_schema(convert(_form(stem)).xml)}
        assert paths - actual == set(), stem


def test_field_types_the_warehouse_reads() -> None:
    schemas = {stem: dict(field_schema(convert(_form(stem)).xml)) for stem in FOLLOW_ON}
    assert schemas["home_visit"]["visit/visit_date"] == "date"
    assert schemas["home_visit"]["household/hh_size"] == "int"
    assert schemas["home_visit"]["household/hh_income_month"] == "int"
    assert schemas["assistance_plan"]["goals/goal_target_date"] == "date"
    assert schemas["assistance_plan"]["interventions/intv_budget"] == "decimal"
    assert schemas["plan_followup"]["followup/fu_date"] == "date"
    assert schemas["plan_followup"]["next_fu_date"] == "date"
    assert schemas["plan_followup"]["intervention_progress/intv_ref"] == "string"
    for schema in schemas.values():
        assert schema["case/child"] == "string"
        assert schema["lao/lao_code"] == "string"
