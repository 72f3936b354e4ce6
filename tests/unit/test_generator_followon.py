"""The simulated home visits, plans and follow-ups are shaped exactly like their converted forms."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import openpyxl
import pytest

from connectors.xlsform import convert, field_schema, instance_paths
from forms.paths import FORMS_DIR
from simulation import lifecycle as lc
from simulation.cohort import Cohort, generate_cohort
from simulation.entity_list import pushed_state
from simulation.generator import roster
from simulation.registration_xml import case_properties, entity_id, entity_label
from simulation.submitter import BUILDERS
from simulation.timeline import FOLLOW_ON_FORMS, Visit

SEED = 77
VERSION = "2026113099"


@dataclass(frozen=True)
class Form:
    paths: list[str]
    types: dict[str, str]
    selects: dict[str, str]  # question name -> choice list
    choices: dict[str, dict[str, bool]]  # list -> choice name -> sensitive


@cache
def _form(form_id: str) -> Form:
    path = FORMS_DIR / f"{form_id}.xlsx"
    xml = convert(path).xml
    book = openpyxl.load_workbook(path, read_only=True)
    survey = list(book["survey"].iter_rows(values_only=True))
    head = [str(h) for h in survey[0]]
    selects = {}
    for row in survey[1:]:
        cells = dict(zip(head, row, strict=False))
        kind = str(cells.get("type") or "")
        if kind.startswith(("select_one ", "select_multiple ")):
            selects[str(cells["name"])] = kind.split()[1]
    rows = list(book["choices"].iter_rows(values_only=True))
    chead = [str(h) for h in rows[0]]
    choices: dict[str, dict[str, bool]] = {}
    for row in rows[1:]:
        cells = dict(zip(chead, row, strict=False))
        if cells.get("list_name"):
            choices.setdefault(str(cells["list_name"]), {})[str(cells["name"])] = \
                str(cells.get("sensitive") or "0") == "1"
    return Form(instance_paths(xml), dict(field_schema(xml)), selects, choices)


@pytest.fixture(scope="module")
def cohort() -> Cohort:
    return generate_cohort(300, seed=SEED)


def _submissions(cohort: Cohort) -> Iterator[tuple[Visit, dict[str, str], bytes]]:
    """Every follow-on submission, built on the list row the phone would have seen."""
    registered = {(r.index, r.registration): r for r in cohort.registrations}
    chains: dict[tuple[int, int], list[Visit]] = {}
    for visit in cohort.visits:
        chains.setdefault((visit.child, visit.entity), []).append(visit)
    staff = roster(SEED)
    for key, chain in chains.items():
        reg = registered[key]
        uuid = entity_id(reg.instance_id)
        props = case_properties(reg)
        for r, visit in enumerate(chain):
            row = {"name": uuid, "label": entity_label(reg, props["village"]), **props,
                   "lao_code": reg.lao_code, "nickname": reg.nickname or "",
                   **pushed_state(reg, chain[:r])}
            xml = BUILDERS[visit.form_id](visit, entity_id=uuid, row=row,
                                          lao=staff.lao(visit.lao_code), form_version=VERSION)
            yield visit, row, xml


def _elements(root: ET.Element) -> list[tuple[str, ET.Element]]:
    out: list[tuple[str, ET.Element]] = []

    def walk(el: ET.Element, prefix: str) -> None:
        for sub in el:
            out.append((prefix + sub.tag, sub))
            walk(sub, prefix + sub.tag + "/")

    walk(root, "")
    return out


@pytest.mark.parametrize("form_id", FOLLOW_ON_FORMS)
def test_xml_has_the_forms_shape(cohort: Cohort, form_id: str) -> None:
    form = _form(form_id)
    first = {p: form.paths.index(p) for p in form.paths}
    repeats = {p for p in form.paths if form.paths.count(p) > 1 and "/" not in p}
    built = [(v, row, xml) for v, row, xml in _submissions(cohort) if v.form_id == form_id]
    assert len(built) > 50
    for visit, _, xml in built:
        assert xml.startswith(b"<?xml version='1.0' ?><data ")
        root = ET.fromstring(xml)
        assert root.attrib == {"id": form_id, "version": VERSION}
        paths = [p for p, _ in _elements(root)]
        assert set(paths) <= set(form.paths), set(paths) - set(form.paths)
        last = -1
        for p in paths:  # the form's order; a repeat may start again after its own rows
            assert first[p] >= last or p in repeats, (p, paths)
            last = first[p]
        assert root.findtext("meta/instanceID") == visit.instance_id
        assert root.findtext("case/child") == entity_id(next(
            r for r in cohort.registrations
            if (r.index, r.registration) == (visit.child, visit.entity)).instance_id)


@pytest.mark.parametrize("form_id", FOLLOW_ON_FORMS)
def test_answers_are_choices_and_typed_values(cohort: Cohort, form_id: str) -> None:
    form = _form(form_id)
    patterns = {"int": r"-?\d+", "date": r"\d{4}-\d{2}-\d{2}", "decimal": r"-?\d+(\.\d+)?",
                "dateTime": r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+07:00"}
    for visit, row, xml in _submissions(cohort):
        if visit.form_id != form_id:
            continue
        root = ET.fromstring(xml)
        sensitive = (root.findtext("sensitive/sensitive_ok") if form_id == "home_visit"
                     else row.get("sensitive_consent")) == "1"
        for path, el in _elements(root):
            value = el.text or ""
            name = path.split("/")[-1]
            if value and form.types.get(path) in patterns:
                assert re.fullmatch(patterns[form.types[path]], value), (path, value)
            if name in form.selects and value:
                options = form.choices[form.selects[name]]
                for picked in value.split():
                    assert picked in options, (path, picked)
                    # Sensitive choices are offered only after sensitive-data consent.
                    assert sensitive or not options[picked] or form.selects[name] in (
                        "yes_no", "yes_no_unknown"), (path, picked)
                if " " in value:
                    order = list(options)
                    assert [order.index(x) for x in value.split()] == sorted(
                        order.index(x) for x in value.split())


def test_follow_on_answers_pass_the_forms_constraints(cohort: Cohort) -> None:
    seen = set()
    for visit, row, xml in _submissions(cohort):
        root = ET.fromstring(xml)
        today = root.findtext("today") or ""
        assert root.findtext("case/ch_status") == row["plan_status"]
        assert root.findtext("lao/lao_code") == row["lao_code"]  # the list's choice filter
        assert row["plan_status"] != "99"
        day = {"home_visit": "visit/visit_date", "assistance_plan": "plan/plan_date",
               "plan_followup": "followup/fu_date"}[visit.form_id]
        assert row["registered_on"] <= (root.findtext(day) or "") <= today
        if visit.form_id == "assistance_plan":
            assert row["plan_status"] in ("20", "30", "40", "50")
            status = root.findtext("agreement/plan_status")
            agreed = (root.findtext("agreement/plan_agreed_by") or "").split()
            assert status == "30" or {"CHILD", "GUARDIAN"} <= set(agreed) or "SUPERVISOR" in agreed
            plan_date = root.findtext("plan/plan_date") or ""
            assert all((g.findtext("goal_target_date") or "") > plan_date
                       for g in root.findall("goals"))
            assert root.findtext("plan_interventions") == " ".join(
                i.findtext("intv_type") or "" for i in root.findall("interventions"))
            if root.findtext("plan/plan_revision") == "1":
                assert root.findtext("plan/plan_id") == row["plan_id"]
                assert int(root.findtext("plan/plan_version") or 0) == int(row["plan_version"]) + 1
                seen.add("revision")
        if visit.form_id == "plan_followup":
            before, after = int(row["plan_status"]), int(root.findtext("status/recommend_status") or 0)
            assert before == after or lc.is_allowed(before, after)
            assert (root.findtext("followup/fu_date") or "") >= row["plan_date"]
            rows = root.findall("intervention_progress")
            assert [r.findtext("intv_ref") for r in rows] == row["plan_interventions"].split()
            assert root.findtext("progress/n_rows") == str(len(rows))
            closed = lc.is_closed(after)
            assert (root.find("status/close_reason") is not None) == closed
            assert (root.find("next_fu_date") is not None) == (not closed)
            if root.findtext("followup/is_supervision") == "1":
                seen.add("supervision")
                assert re.fullmatch(r"\d{7}-\d{2}", root.findtext("supervision/supervisor_id") or "")
        if visit.form_id == "home_visit" and visit.visit_result == "FOUND":
            size = int(root.findtext("household/hh_size") or 0)
            assert 1 <= size <= 30
            income = int(root.findtext("household/hh_income_month") or -1)
            assert root.findtext("household/income_per_capita") == str(int(income / size + 0.5))  # halves up
            if root.findtext("sensitive/sensitive_ok") != "1":
                assert root.find("health") is None
            voice = root.findtext("screening/child_voice") or ""
            assert len(voice) <= 300 and not re.search(r"[0-9]{9,}", voice)
    assert seen == {"revision", "supervision"}


def test_same_seed_same_bytes(cohort: Cohort) -> None:
    again = generate_cohort(300, seed=SEED)
    assert [x for _, _, x in _submissions(cohort)] == [x for _, _, x in _submissions(again)]


def test_every_form_builder_is_for_a_form_in_the_repository() -> None:
    assert {Path(p).stem for p in FORMS_DIR.glob("*.xlsx")} >= set(BUILDERS)
