"""The pure per-form normalisers, table by table: what each answer becomes, and what is flagged."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest

import forms
from tests.warehouse.normalise_support import VERSION, sample
from warehouse.normalise.common import Quarantined, dates_in_text, message_th
from warehouse.normalise.forms import NORMALISERS, normalise_payload
from warehouse.normalised import (
    ChildAlias,
    ChildIdentifier,
    ChildObservation,
    ConsentRecord,
    DataQualityFlag,
    Guardian,
    SelectChoice,
    StatusEvent,
)


def _run(form: str, data: dict[str, Any]) -> Any:
    return normalise_payload(form, VERSION[form], data)


def _one(out: Any, table: Any) -> dict[str, Any]:
    (row,) = out.rows[table]
    return row


def _flags(out: Any) -> set[tuple[str, str]]:
    return {(f["field"], f["code"]) for f in out.rows.get(DataQualityFlag, [])}


def _xlsform_version(path: Path) -> str:
    sheet = openpyxl.load_workbook(path, read_only=True)["settings"]
    header, values = list(sheet.iter_rows(max_row=2, values_only=True))
    return str(dict(zip(header, values, strict=False))["version"])


@pytest.mark.parametrize("path", forms.form_paths(), ids=lambda p: p.stem)
def test_every_published_form_version_has_a_normaliser(path: Path) -> None:
    assert _xlsform_version(path) in NORMALISERS[path.stem].versions


def _registration(**child: Any) -> dict[str, Any]:
    data = sample("child_registration", "uuid:t")
    for path, value in child.items():
        group, name = path.split("__")
        data[group][name] = value
    return data


@pytest.mark.parametrize(("answers", "column", "expected"), [
    ({"child__national_id": "1-7007-24206-13-4"}, "national_id", "1700724206134"),
    ({"child__national_id": "๑๗๐๐๗๒๔๒๐๖๑๓๔"}, "national_id", "1700724206134"),
    ({"child__first_name": "\u200bขจิตร "}, "first_name", "ขจิตร"),
    ({"address__house_no": "9/9"}, "house_no", "9/9"),
    ({"address__village_name": " บ้าน  หนองบัว "}, "village_name", "บ้าน หนองบัว"),
    ({"guardian__guardian_phone": "089-259-6284"}, "guardian_phone", "0892596284"),
    ({"child__birth_date": "2011-06-30", "child__birth_date_precision": "DAY"}, "age_years", 14),
    ({"child__birth_date": "2011-04-26", "child__birth_date_precision": "DAY"}, "age_years", 15),
    ({"child__prefix": "MR"}, "title", "นาย"),
    ({"child__prefix": "MSTR"}, "title", "ด.ช."),
], ids=["dashes", "thai digits", "zero-width", "house 9/9", "village spaces", "phone", "age before birthday",
        "age on birthday", "title นาย", "title ด.ช."])
def test_registration_answers_are_cleaned(answers: dict[str, Any], column: str, expected: Any) -> None:
    observation = _one(_run("child_registration", _registration(**answers)), ChildObservation)
    assert observation[column] == expected
    as_entered = f"{column}_as_entered"
    if as_entered in observation:
        assert observation[as_entered] is not None


@pytest.mark.parametrize(("answers", "field", "code"), [
    ({"child__national_id": "1700724206135"}, "child/national_id", "id_check_digit"),
    ({"child__national_id": "1710724206134"}, "child/national_id", "id_province_differs_from_address"),
    ({"child__birth_date": "2027-01-01"}, "child/birth_date", "birth_date_in_future"),
    ({"child__birth_date": "1990-01-01"}, "child/birth_date", "age_over_25"),
    ({"child__birth_date": "2001-01-01"}, "child/birth_date", "age_disagrees_with_consent_age"),
    ({"child__nickname": "ปาล์ม", "child__first_name": "ปาล์ม"}, "child/first_name", "first_name_is_nickname"),
    ({"guardian__guardian_phone": "12345"}, "guardian/guardian_phone", "phone_invalid"),
    ({"education__year_left_be": 2025}, "education/year_left_be", "year_left_be_ce_given"),
    ({"education__year_left_be": 2530}, "education/year_left_be", "year_left_be_out_of_range"),
    ({"lao__lao_code": "9999999"}, "lao/lao_code", "lao_code_unknown"),
    ({"child__prefix": "MS"}, "child/prefix", "title_disagrees_with_sex"),
    ({"child__first_name": "นายขจิตร"}, "child/first_name", "name_title_in_name"),
], ids=["check digit", "digit 3 slip", "born in the future", "over 25", "age disagrees", "nickname as name",
        "phone", "CE year in a BE field", "left before 2540", "unknown LAO", "นางสาว for a boy",
        "title typed in the name"])
def test_doubtful_answers_are_kept_and_flagged(answers: dict[str, Any], field: str, code: str) -> None:
    out = _run("child_registration", _registration(**answers))
    assert (field, code) in _flags(out)
    assert len(out.rows[ChildObservation]) == 1  # still evidence for matching


def test_an_invalid_id_is_kept_as_entered_beside_its_verdict() -> None:
    out = _run("child_registration", _registration(child__national_id="1700724206135"))
    (identifier,) = out.rows[ChildIdentifier]
    assert identifier["as_entered"] == "1700724206135" and identifier["valid"] is False
    assert "check_digit" in identifier["flags"]


def test_registration_feeds_aliases_guardian_consent_choices_and_status() -> None:
    out = _run("child_registration", _registration(child__former_names="สมชาย อะคะปัน"))
    assert {a["kind"] for a in out.rows[ChildAlias]} == {"nickname", "former_name"}
    guardian = _one(out, Guardian)
    assert (guardian["first_name"], guardian["last_name"], guardian["phone"]) == (
        "สุขวิชณิ์", "อะคะปัน", "0892596284")
    consent = _one(out, ConsentRecord)
    assert consent["consent_ok"] and consent["share_with_eef"] and consent["contact_followup"]
    assert [(c["field"], c["choice"]) for c in out.rows[SelectChoice]] == [
        ("consent/consent_scope", "SHARE_EEF"), ("consent/consent_scope", "CONTACT_FOLLOWUP"),
        ("education/leave_reasons", "NO_DOCS"), ("education/leave_reasons", "WORK")]
    assert _one(out, StatusEvent)["proposed_status"] == 10


def test_a_refusal_is_counted_with_its_consent_and_nothing_personal() -> None:
    out = _run("child_registration", sample("child_registration_refused", "uuid:r"))
    assert set(out.rows) == {ConsentRecord}
    assert _one(out, ConsentRecord)["consent_ok"] is False


def test_kobo_flat_keys_normalise_like_central_nested_groups() -> None:
    nested = sample("assistance_plan", "uuid:k")
    flat: dict[str, Any] = {}
    for key, value in nested.items():
        if isinstance(value, dict):
            flat.update({f"{key}/{k}": v for k, v in value.items()})
        elif isinstance(value, list):
            flat[key] = [{f"{key}/{k}": v for k, v in row.items() if k != "__id"} for row in value]
        else:
            flat[key] = value
    flat["_id"] = 7
    central, kobo = _run("assistance_plan", nested), _run("assistance_plan", flat)
    assert {t: len(r) for t, r in central.rows.items()} == {t: len(r) for t, r in kobo.rows.items()}


@pytest.mark.parametrize(("text", "found"), [
    ("ไม่มีค่ารถไปโรงเรียน เคยเรียนถึง 15 พ.ค. 2568", ["15 พ.ค. 2568"]),
    ("นัดอีกครั้งภายใน 3/7/69", ["3/7/69"]),
    ("ภายใน 1 มกราคม 2570 และ 2 ก.พ. 2027", ["1 มกราคม 2570", "2 ก.พ. 2027"]),
    ("บ้านเลขที่ 9/9 หมู่ 3", []),
    ("โทร 0812345678", []),
])
def test_dates_are_found_in_free_text_and_house_numbers_are_not(text: str, found: list[str]) -> None:
    assert dates_in_text(text) == found


def test_free_text_dates_are_kept_as_read() -> None:
    data = sample("home_visit", "uuid:h")
    data["screening"]["child_voice"] = "เคยเรียนถึง 15 พ.ค. 2568 เบอร์แม่ 0812345678"
    out = _run("home_visit", data)
    from warehouse.normalised import TextDate

    (written,) = out.rows[TextDate]
    assert written["value"] == date(2025, 5, 15) and "buddhist_era" in written["flags"]
    assert ("screening/child_voice", "phone_in_free_text") in _flags(out) or any(
        code.endswith("_in_free_text") for _, code in _flags(out))


def test_the_quarantine_message_names_form_record_field_found_expected_and_what_to_do() -> None:
    data = _registration(child__sex="Z")
    with pytest.raises(Quarantined) as caught:
        _run("child_registration", data)
    (problem,) = caught.value.problems
    text = message_th(problem, form_id="child_registration", submission_id="uuid:t")
    for part in ("แบบลงทะเบียนและค้นหาเด็กนอกระบบการศึกษา", "uuid:t", "child/sex", "พบค่า Z", "M F X", "วิธีแก้"):
        assert part in text


@pytest.mark.parametrize(("result", "reason"), [
    ("MOVED", "MOVED"), ("REFUSED", "REFUSED"), ("DECEASED", "DECEASED"), ("NOT_FOUND", "LOST")])
def test_a_home_visit_that_does_not_find_the_child_proposes_closing_the_case(
        result: str, reason: str) -> None:
    data = sample("home_visit", "uuid:h")
    data["visit"]["visit_result"] = result
    for group in ("sensitive", "household", "health", "screening"):
        data.pop(group, None)  # the form skips them when the child is not found
    out = _run("home_visit", data)
    event = _one(out, StatusEvent)
    assert (event["proposed_status"], event["close_reason"]) == (90, reason)
    assert str(event["event_date"]) == data["visit"]["visit_date"]  # the visit's date


def test_a_home_visit_with_an_unknown_result_is_quarantined() -> None:
    data = sample("home_visit", "uuid:h")
    data["visit"]["visit_result"] = "GONE"
    with pytest.raises(Quarantined):
        _run("home_visit", data)


def test_a_follow_on_forms_child_keeps_a_royal_descent_surname_whole() -> None:
    data = sample("home_visit", "uuid:h")
    data["case"]["ch_name"] = "สุชาครีย์ ณ ลำพูน"  # the list's full_name: first, then "ณ <place>"
    observed = _one(_run("home_visit", data), ChildObservation)
    assert (observed["first_name"], observed["last_name"]) == ("สุชาครีย์", "ณ ลำพูน")
