"""The privacy library: formula neutralising, keyed child keys, masked IDs, coarse GPS, redaction, consent."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date
from typing import Any

import pytest

from tests.warehouse.normalise_support import VERSION, sample
from warehouse.normalise.common import Quarantined, message_th
from warehouse.normalise.forms import normalise_payload
from warehouse.normalised import ConsentRecord
from warehouse.privacy.consent import (
    Basis,
    ChildConsent,
    Scope,
    ShareForm,
    age_rule_problems,
    consent_from_rows,
    may_share,
)
from warehouse.privacy.minimise import (
    coarse_geopoint,
    mask_national_id,
    redact_free_text,
    round_gps,
    subdistrict_only,
)
from warehouse.privacy.pseudonym import MissingSecret, child_key, secret_from_env
from warehouse.privacy.spreadsheet import neutralise_cell, write_csv

SECRET = "a-test-secret-of-enough-length"

# --- formula injection --------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["=1+1", "+66812345678", "-2+3", "@SUM(A1:A2)", "\t=cmd", "\r=cmd",
                                   "  =HYPERLINK(\"http://x\")", "＝1+1"])
def test_formula_like_text_is_quoted(value: str) -> None:
    assert neutralise_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["สมชาย", "a=b", "1-1017-00230-70-8 at the end", "", 5, -5, 2.5, None])
def test_plain_values_pass_unchanged(value: Any) -> None:
    assert neutralise_cell(value) == value


def test_the_csv_writer_neutralises_every_cell_and_the_header() -> None:
    out = io.StringIO()
    assert write_csv(out, ["=name", "age"], [["=HYPERLINK(\"x\")", 5], ["ดี", "-1"]]) == 2
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows == [["'=name", "age"], ["'=HYPERLINK(\"x\")", "5"], ["ดี", "'-1"]]


# --- keyed pseudonyms -----------------------------------------------------------------------------


def test_child_key_is_keyed_stable_and_16_hex() -> None:
    key = child_key("C-000123", SECRET)
    assert key == child_key("C-000123", SECRET) and len(key) == 16 and int(key, 16) >= 0
    assert key != child_key("C-000123", SECRET + "x")  # another key, another pseudonym
    assert key != child_key("C-000124", SECRET)
    assert key not in hashlib.sha256(b"C-000123").hexdigest()  # never a plain hash
    assert child_key("C-000123", SECRET, purpose="partner") != key


@pytest.mark.parametrize("secret", ["", None, "short"])
def test_no_or_weak_secret_refuses_to_make_keys(secret: str | None) -> None:
    with pytest.raises(MissingSecret, match="ODKSYNC_SECRET"):
        child_key("C-1", secret)  # type: ignore[arg-type]


def test_the_secret_comes_from_the_environment_and_its_absence_is_named() -> None:
    assert secret_from_env({"ODKSYNC_SECRET": SECRET}) == SECRET.encode()
    with pytest.raises(MissingSecret, match="ODKSYNC_SECRET is not set"):
        secret_from_env({})


# --- minimisation -------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "masked"), [
    ("1101700230708", "x-xxxx-xxxxx-70-8"),
    ("1-1017-00230-70-8", "x-xxxx-xxxxx-70-8"),
    ("๑๑๐๑๗๐๐๒๓๐๗๐๘", "x-xxxx-xxxxx-70-8"),
    ("110170023070", ""), ("G123456789012", ""), ("", ""), (None, ""),
])
def test_national_ids_are_masked_to_the_last_three_digits(value: str | None, masked: str) -> None:
    assert mask_national_id(value) == masked


def test_gps_is_rounded_to_about_a_kilometre() -> None:
    point = coarse_geopoint("13.756331 100.501765 12.0 4.5")
    assert point is not None and (point.latitude, point.longitude) == (13.76, 100.5)
    geojson = coarse_geopoint({"type": "Point", "coordinates": [100.501765, 13.756331, 2]})
    assert geojson == point
    assert round_gps("91", "100") is None and round_gps("nan", "1") is None and coarse_geopoint("x") is None
    with pytest.raises(ValueError, match="about 1 km"):
        round_gps(13.7563, 100.5017, decimals=4)
    assert subdistrict_only("100101") == "100101" and subdistrict_only("10010") is None


def test_free_text_loses_ids_and_phone_numbers_and_keeps_the_rest() -> None:
    out = redact_free_text("แม่โทร 081-234-5678 เลข 1-1017-00230-70-8 อยากเรียนต่อ")
    assert out.text == "แม่โทร [เบอร์โทรถูกปิด] เลข [เลขประจำตัวถูกปิด] อยากเรียนต่อ"
    assert out.kinds == ("phone", "citizen_id") and out.changed
    assert redact_free_text("อยากเรียนช่างยนต์").changed is False
    assert redact_free_text(None).text is None


# --- consent --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("age", "by", "given", "assent", "ok", "fields"), [
    (8, "MOTHER", "1", None, "1", []),
    (8, "GRANDPARENT", "1", None, "1", ["consent/consent_by"]),
    (8, "SELF", "1", None, "1", ["consent/consent_by"]),
    (14, "FATHER", "1", "1", "1", []),
    (14, "SELF", "1", "1", "1", ["consent/consent_by"]),
    (14, "FATHER", "1", None, "1", ["consent/child_assent", "consent/consent_ok"]),
    (14, "FATHER", "1", "0", "1", ["consent/consent_ok"]),
    (14, "FATHER", "1", "0", "0", []),
    (21, "SELF", "1", None, "1", []),
    (21, "MOTHER", "1", None, "1", ["consent/consent_by"]),
    (21, "SELF", "0", None, "1", ["consent/consent_ok"]),
])
def test_age_rules(age: int, by: str, given: str, assent: str | None, ok: str, fields: list[str]) -> None:
    assert [b.field for b in age_rule_problems(age, by, given, assent, ok)] == fields


def _registration(**consent: Any) -> dict[str, Any]:
    data = sample("child_registration", "uuid:t")
    data["consent"].update(consent)
    return data


@pytest.mark.parametrize("consent", [
    {"consent_age": 7, "consent_by": "SIBLING", "child_assent": None},
    {"consent_age": 15, "consent_by": "SELF"},
    {"consent_age": 22, "consent_by": "MOTHER", "child_assent": None},
    {"consent_age": 12, "child_assent": None},
])
def test_a_registration_breaking_the_age_rules_is_quarantined_in_thai(consent: dict[str, Any]) -> None:
    with pytest.raises(Quarantined) as caught:
        normalise_payload("child_registration", VERSION["child_registration"], _registration(**consent))
    problem = caught.value.problems[0]
    assert problem.code == "consent_age_rule"
    message = message_th(problem, form_id="child_registration", submission_id="uuid:t")
    assert "เกณฑ์อายุ" in message and "มาตรา 20" in message and problem.field in message


def test_a_registration_within_the_rules_keeps_its_consent_record() -> None:
    out = normalise_payload("child_registration", VERSION["child_registration"], _registration())
    (row,) = out.rows[ConsentRecord]
    assert (row["given_by"], row["consent_ok"], row["share_with_eef"], row["consent_version"]) == (
        "FATHER", True, True, "notice-2026-11")


def _rows(**registration: Any) -> list[ConsentRecord]:
    base = {"source": "central", "project_id": "1", "form_id": "f", "submission_id": "s", "raw_version_id": 1}
    reg = {"kind": "registration", "consented_on": date(2026, 10, 1), "age_told": 12, "given_by": "MOTHER",
           "child_assent": True, "consent_ok": True, "consent_version": "notice-2026-11",
           "share_with_eef": True, "contact_followup": False, **registration}
    sensitive = {"kind": "sensitive", "consented_on": date(2026, 10, 5), "consent_ok": True}
    return [ConsentRecord(**base, **reg), ConsentRecord(**base, **sensitive)]


def test_the_consent_record_gathers_who_relationship_version_date_and_scopes() -> None:
    consent = consent_from_rows(_rows())
    assert (consent.given_by, consent.consent_version, consent.consented_on) == (
        "MOTHER", "notice-2026-11", date(2026, 10, 1))
    assert consent.has(Scope.SHARE_WITH_FUND) and consent.has(Scope.SENSITIVE)
    assert not consent.has(Scope.FOLLOWUP_CONTACT)


@pytest.mark.parametrize(("consent", "basis", "sensitive", "form"), [
    (ChildConsent(consent_ok=True, share_with_eef=True), Basis.CONSENT, False, ShareForm.FULL),
    (ChildConsent(consent_ok=True, share_with_eef=False), Basis.CONSENT, False, ShareForm.NONE),
    (ChildConsent(consent_ok=True, share_with_eef=False), Basis.PUBLIC_TASK, False, ShareForm.PSEUDONYMISED),
    (ChildConsent(consent_ok=True, share_with_eef=True), Basis.PUBLIC_TASK, False, ShareForm.FULL),
    (ChildConsent(consent_ok=True, share_with_eef=True), Basis.CONSENT, True, ShareForm.NONE),
    (ChildConsent(consent_ok=True, share_with_eef=True, sensitive_ok=True), Basis.CONSENT, True,
     ShareForm.FULL),
    (ChildConsent(consent_ok=True, share_with_eef=True), Basis.PUBLIC_TASK, True, ShareForm.NONE),
    (ChildConsent(consent_ok=True, share_with_eef=True), Basis.SOCIAL_CARE_LAW, True,
     ShareForm.PSEUDONYMISED),
    (ChildConsent(consent_ok=True, share_with_eef=True, withdrawn=True), Basis.PUBLIC_TASK, False,
     ShareForm.NONE),
    (ChildConsent(consent_ok=False), Basis.LEGAL_OBLIGATION, False, ShareForm.NONE),
    (ChildConsent(consent_ok=True, share_with_eef=True), "made-up-basis", False, ShareForm.NONE),
])
def test_may_share(consent: ChildConsent, basis: str, sensitive: bool, form: ShareForm) -> None:
    decision = may_share(consent, "eef", basis, sensitive=sensitive)
    assert decision.form is form and bool(decision) == (form is not ShareForm.NONE)
    assert decision.reason  # a Thai reason for the exceptions sheet and the audit log


@pytest.mark.parametrize("write_only", [False, True])
def test_xlsx_cells_keep_formula_like_text_as_text(tmp_path: Any, write_only: bool) -> None:
    import zipfile

    import openpyxl

    from warehouse.privacy.spreadsheet import xlsx_row

    book = openpyxl.Workbook(write_only=write_only)
    sheet = book.create_sheet("รายงาน") if write_only else book.active
    values = ['=HYPERLINK("http://evil","x")', "+66812345678", "@SUM(A1)", "-1+1", "สมชาย", 5]
    sheet.append(xlsx_row(sheet, values))
    path = tmp_path / "out.xlsx"
    book.save(path)
    xml = next(zipfile.ZipFile(path).read(n) for n in zipfile.ZipFile(path).namelist()
               if n.startswith("xl/worksheets/"))
    assert b"<f>" not in xml and b"<f " not in xml  # no formula anywhere in the sheet
    reread = openpyxl.load_workbook(path).worksheets[0]
    assert [c.value for c in next(reread.iter_rows())] == values  # kept exactly as typed


@pytest.mark.parametrize(("sensitive", "field"), [
    ({"child_age": "15", "sensitive_assent": None}, "sensitive/sensitive_assent"),
    ({"child_age": "15", "sensitive_assent": "0", "sensitive_ok": "1"}, "sensitive/sensitive_ok"),
    ({"child_age": "8", "sensitive_consent": "0", "sensitive_assent": None, "sensitive_ok": "1"},
     "sensitive/sensitive_ok"),
])
def test_sensitive_data_consent_breaking_the_age_rules_is_quarantined(sensitive: dict[str, Any],
                                                                     field: str) -> None:
    data = sample("home_visit", "uuid:t")
    data["sensitive"].update(sensitive)
    with pytest.raises(Quarantined) as caught:
        normalise_payload("home_visit", VERSION["home_visit"], data)
    assert field in {p.field for p in caught.value.problems if p.code == "consent_age_rule"}


def test_sensitive_data_consent_within_the_rules_is_kept() -> None:
    out = normalise_payload("home_visit", VERSION["home_visit"], sample("home_visit", "uuid:t"))
    (row,) = out.rows[ConsentRecord]
    assert (row["kind"], row["consent_ok"], row["child_assent"]) == ("sensitive", True, True)
