"""The synthetic registrations are reproducible, realistic, and shaped exactly like the form."""

import csv
import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import geothai
import pytest

from connectors.xlsform import convert, field_schema, instance_paths
from forms.paths import FORMS_DIR
from simulation.generator import (
    SyntheticChild,
    generate_children,
    malformed_registration_xml,
    registration_xml,
)
from simulation.submitter import enumerator_display_name
from warehouse.identifiers import validate_thai_id

VERSION = "2026113001"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def children() -> list[SyntheticChild]:
    return generate_children(761, seed=42)


@pytest.fixture(scope="module")
def form_xml() -> str:
    return convert(FORMS_DIR / "child_registration.xlsx").xml


def _xml(child: SyntheticChild) -> bytes:
    return registration_xml(child, form_version=VERSION, instance_id=child.instance_id)


def _paths(xml: bytes) -> list[str]:
    root = ET.fromstring(xml)
    out = []

    def walk(el: ET.Element, prefix: str) -> None:
        for sub in el:
            path = f"{prefix}{sub.tag}"
            out.append(path)
            walk(sub, path + "/")

    walk(root, "")
    return out


def test_same_seed_same_bytes() -> None:
    a = [_xml(c) for c in generate_children(60, seed=7)]
    b = [_xml(c) for c in generate_children(60, seed=7)]
    assert a == b
    assert a != [_xml(c) for c in generate_children(60, seed=8)]


def test_child_i_does_not_depend_on_n() -> None:
    assert generate_children(30, seed=3) == generate_children(90, seed=3)[:30]


def test_instance_ids_are_unique_uuids(children: list[SyntheticChild]) -> None:
    ids = [c.instance_id for c in children]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"uuid:[0-9a-f-]{36}", i) for i in ids)


def test_xml_has_the_forms_shape(children: list[SyntheticChild], form_xml: str) -> None:
    form_paths = instance_paths(form_xml)
    order = {p: i for i, p in enumerate(form_paths)}
    for child in children:
        xml = _xml(child)
        root = ET.fromstring(xml)
        assert root.tag == "data"
        assert root.attrib == {"id": "child_registration", "version": VERSION}
        paths = _paths(xml)
        assert set(paths) <= set(form_paths), set(paths) - set(form_paths)
        assert [order[p] for p in paths] == sorted(order[p] for p in paths)  # same order
        assert root.findtext("meta/instanceID") == child.instance_id
        assert xml.startswith(b"<?xml version='1.0' ?><data ")


def test_consented_children_answer_every_required_group(children: list[SyntheticChild]) -> None:
    for child in children:
        paths = set(_paths(_xml(child)))
        personal = {"child", "address", "guardian", "education"}
        if child.consent_ok:
            assert personal <= paths
            assert {"child/first_name", "child/sex", "address/subdistrict_code"} <= paths
        else:  # no consent: nothing personal leaves the phone
            assert not personal & paths
            assert "consent/consent_refused" in paths


def test_int_and_date_fields_hold_their_types(
    children: list[SyntheticChild], form_xml: str
) -> None:
    typed = {p: t for p, t in field_schema(form_xml) if t in ("int", "date", "dateTime")}
    for child in children:
        root = ET.fromstring(_xml(child))
        for path, kind in typed.items():
            value = root.findtext(path)
            if not value:
                continue
            pattern = {"int": r"-?\d+", "date": r"\d{4}-\d{2}-\d{2}",
                       "dateTime": r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+07:00"}[kind]
            assert re.fullmatch(pattern, value), (path, value)


def test_ages_sexes_and_prefixes(children: list[SyntheticChild]) -> None:
    consented = [c for c in children if c.consent_ok]
    ages = Counter(6 <= c.age_years <= 18 for c in consented)
    assert ages[True] / len(consented) > 0.8
    assert all(0 <= c.age_years <= 25 for c in consented)
    sexes = Counter(c.sex for c in consented)
    assert sexes["M"] > sexes["F"] > sexes["X"]
    for c in consented:  # the form's prefix constraint
        if c.prefix in ("MSTR", "MISS_C"):
            assert c.age_years < 15
        if c.prefix in ("MR", "MS", "MRS"):
            assert c.age_years >= 15
        if c.sex == "M":
            assert c.prefix in ("MSTR", "MR", "OTHER")
        if c.sex == "F":
            assert c.prefix in ("MISS_C", "MS", "MRS", "OTHER")
        assert re.search(r"[\u0e00-\u0e7f]", c.first_name + c.last_name)


def test_consent_follows_age(children: list[SyntheticChild]) -> None:
    for c in children:
        if c.consent_age < 10:
            assert c.consent_by in ("FATHER", "MOTHER", "LEGAL_GUARDIAN")
            assert c.child_assent is None
        elif c.consent_age < 20:
            assert c.consent_by != "SELF"
            assert c.child_assent is not None or not c.consent_given
        else:
            assert c.consent_by == "SELF"
    refused = sum(not c.consent_ok for c in children)
    assert 0 < refused < len(children) * 0.1


def test_ids_mostly_valid_with_designed_flaws(children: list[SyntheticChild]) -> None:
    with_id = [c for c in children if c.national_id]
    flawed = [c for c in with_id if c.id_flaw]
    assert 0.01 < len(flawed) / len(with_id) < 0.08
    for c in with_id:
        verdict = validate_thai_id(c.national_id or "")
        # Nothing the form refuses is ever submitted: 1-8 series always pass the check digit.
        assert verdict.valid, c.national_id
        if c.id_flaw == "check_digit_0_series":
            assert {w.code for w in verdict.warnings} == {"check_digit_0_series"}
        if c.id_flaw is None:
            assert not verdict.warnings, c.national_id
    assert any(c.national_id and c.national_id[0] == "0" for c in with_id)
    assert any(c.g_code for c in children)
    assert all(re.fullmatch(r"G\d{12}", c.g_code) for c in children if c.g_code)
    assert any(c.id_scheme == "NONE" and c.consent_ok for c in children)


def test_places_are_real_and_consistent(children: list[SyntheticChild]) -> None:
    with (REPO / "warehouse/reference/laos.csv").open(encoding="utf-8") as f:
        laos = {r["dla_code"]: r for r in csv.DictReader(f)}
    per_lao = Counter(c.lao_code for c in children)
    assert 5 <= len(per_lao) <= 20
    assert len({laos[code]["province_code"] for code in per_lao}) <= 4  # one region
    enumerators: dict[str, set[str]] = {}
    for c in children:
        lao = laos[c.lao_code]
        assert (c.lao_province, c.lao_district) == (lao["province_code"], lao["district_code"])
        enumerators.setdefault(c.lao_code, set()).add(c.enumerator)
        assert c.enumerator.startswith(c.lao_code + "-")
        if c.consent_ok:
            sub = geothai.subdistrict(c.subdistrict_code)
            assert sub is not None and sub.district_code == c.lao_district == c.district_code
    assert all(1 <= len(e) <= 4 for e in enumerators.values())
    assert sum(len(e) for e in enumerators.values()) > len(per_lao)


def test_field_values_pass_the_forms_rules(children: list[SyntheticChild]) -> None:
    consented = [c for c in children if c.consent_ok]
    for c in consented:
        assert c.moo is None or 1 <= c.moo <= 40
        assert c.guardian_phone is None or re.fullmatch(r"0\d{8,9}", c.guardian_phone)
        assert c.year_left_be is None or 2540 <= c.year_left_be <= c.today.year + 543
        assert c.birth_date is None or c.birth_date <= c.today
        assert (c.oos_category == "NEVER") == (not c.ever_enrolled)
        assert c.oos_category != "NEET" or c.age_years >= 15
    assert any(c.house_no and "/" in c.house_no for c in consented)  # 9/9-style numbers


@pytest.mark.parametrize(
    ("kind", "check"),
    [
        ("unknown_field", lambda r: r.find("child/shoe_size") is not None),
        ("missing_required", lambda r: r.find("child/first_name") is None),
        ("wrong_type", lambda r: not (r.findtext("consent/consent_age") or "").isdigit()),
        ("missing_instance_id", lambda r: r.find("meta/instanceID") is None),
    ],
)
def test_malformed_variants(children: list[SyntheticChild], kind: str, check: object) -> None:
    child = next(c for c in children if c.consent_ok)
    good = ET.fromstring(_xml(child))
    bad = ET.fromstring(malformed_registration_xml(
        kind, child, form_version=VERSION, instance_id=child.instance_id  # type: ignore[arg-type]
    ))
    assert callable(check)
    assert check(bad) and not check(good)


def test_enumerators_appear_in_central_by_code() -> None:
    assert enumerator_display_name("6810104-01") == "ผู้สำรวจ 6810104-01"


def test_registration_creates_an_entity_only_with_consent(children: list[SyntheticChild]) -> None:
    for child in children[:200]:
        root = ET.fromstring(_xml(child))
        entity = root.find("meta/entity")
        assert entity is not None and entity.get("dataset") == "children"
        assert entity.get("create") == ("true" if child.consent_ok else "false")
        # Central accepts only version-4 uuids for entities, as Collect's uuid() makes them.
        assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
                            entity.get("id") or "")
        if child.consent_ok:
            assert root.findtext("case/plan_status") == "10"
            assert root.findtext("case/registered_on") == child.today.isoformat()
            assert entity.findtext("label", "").startswith(f"{child.first_name} {child.last_name}")
