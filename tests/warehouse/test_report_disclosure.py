"""The legal basis the EEF report is disclosed on (PDPA s.27, config [disclosure]): on basis consent a
child without `share_with_eef` consent is an exception, on an agreement's basis a pseudonymised row; the
full national ID only where the configuration names a basis and a reference for it, never otherwise."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from tests.warehouse.report_state import SECRET, build, thai_id
from warehouse import audit
from warehouse.privacy.consent import Basis
from warehouse.privacy.pseudonym import child_key
from warehouse.report.build import ReportResult, write_report
from warehouse.report.config import (
    DEFAULT_CONFIG,
    Disclosure,
    FullNationalId,
    ReportConfig,
    ReportConfigError,
    load_config,
)
from warehouse.report.model import PSEUDONYMISED_KEYS
from warehouse.report.rows import select_report

PERIOD = "2026-03"
FIXED = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)
AGREEMENT = Disclosure(basis=Basis.PUBLIC_TASK, reference="บันทึกข้อตกลงแลกเปลี่ยนข้อมูลทดสอบ ข้อ 2")
FULL_ID = FullNationalId(basis=Basis.PUBLIC_TASK, reference="บันทึกข้อตกลงแลกเปลี่ยนข้อมูลทดสอบ ข้อ 5")
# The valid national IDs in the hand-made state: A, I (share consent), L (consent without sharing), J.
IDS = {"CA": thai_id("110370012345"), "CI1": thai_id("310050011223"), "CL": thai_id("110370077665"),
       "CJ1": thai_id("110370099887"), "CJ2": thai_id("110370055443")}


def key(child_id: str) -> str:
    return child_key(child_id, SECRET)


@pytest.fixture
def state(engine: Engine) -> Engine:
    with Session(engine) as session:
        build(session)
    return engine


def _config(disclosure: Disclosure) -> ReportConfig:
    return load_config().model_copy(update={"disclosure": disclosure})


def _report(engine: Engine, out: Path, disclosure: Disclosure) -> ReportResult:
    return write_report(engine, PERIOD, out, SECRET, now=FIXED, config=_config(disclosure))


def _every_text(result: ReportResult) -> dict[str, str]:
    """Each written file's text: the CSV, the JSON, the manifest and every part of the XLSX."""
    texts = {name: result.path(name).read_text(encoding="utf-8-sig")
             for name in (".csv", ".json", "manifest.json")}
    with zipfile.ZipFile(result.path(".xlsx")) as book:
        for part in book.namelist():
            texts[f"xlsx:{part}"] = book.read(part).decode("utf-8", errors="replace")
    return texts


def _found(texts: dict[str, str], number: str) -> list[str]:
    return [name for name, text in texts.items() if number in text]


def _rows(result: ReportResult) -> dict[str, dict[str, Any]]:
    document = json.loads(result.path(".json").read_text(encoding="utf-8"))
    return {r["child_key"]: r for r in document["rows"]}


def test_the_default_basis_is_consent_and_keeps_the_id_masked() -> None:
    disclosure = load_config().disclosure
    assert (disclosure.basis, disclosure.full_national_id) == (Basis.CONSENT, None)
    assert "basis = \"consent\"" in DEFAULT_CONFIG.read_text(encoding="utf-8")


def test_a_child_without_share_consent_is_an_exception_on_basis_consent(state: Engine) -> None:
    with Session(state) as session, select_report(session, PERIOD, SECRET,
                                                  disclosure=Disclosure()) as selection:
        rows = {r.child_key for r in selection.rows()}
        exceptions = {x.child_key: x for x in selection.exceptions}
        summary = selection.summary
    for child, status in (("CL", 20), ("CM", 10)):  # consent without sharing; no consent record at all
        assert key(child) not in rows
        refused = exceptions[key(child)]
        assert (refused.reason, refused.plan_status_code) == ("no_consent", status)
        assert refused.message.startswith("ยังไม่มีความยินยอมให้เปิดเผยข้อมูลแก่ กสศ.")
        assert "กรุณาขอความยินยอม" in refused.message and "ระบุฐานทางกฎหมาย" in refused.message
    assert rows == {key("CA"), key("CB"), key("CI1")}  # the children who gave share_with_eef
    assert summary.no_consent_count == 2 and summary.pseudonymised == 0


def test_on_an_agreement_basis_the_same_child_is_a_pseudonymised_row(state: Engine, tmp_path: Path) -> None:
    result = _report(state, tmp_path / "out", AGREEMENT)
    rows = _rows(result)
    assert set(rows) == {key("CA"), key("CB"), key("CI1"), key("CL")}
    hidden = rows[key("CL")]
    assert (hidden["plan_status_code"], hidden["lao_code"], hidden["sex"], hidden["age_band"]) == (
        20, "6810104", "F", "12-14")
    assert hidden["subdistrict_code"] == "810102"
    for column, value in hidden.items():
        if column not in PSEUDONYMISED_KEYS:
            assert value in (None, ""), column  # no ID, dates of registration or follow-ups, plan details
    full = rows[key("CA")]  # consent to share: the whole row, ID masked
    assert full["national_id_masked"] == f"x-xxxx-xxxxx-{IDS['CA'][10:12]}-{IDS['CA'][12]}"
    assert full["oos_category"] == "DROPOUT" and full["visits_count"] == 2
    # M has no consent record at all: the consent lookup gives no basis to send even a pseudonymised row
    exceptions = json.loads(result.path(".json").read_text(encoding="utf-8"))["exceptions"]
    assert [x["reason"] for x in exceptions if x["child_key"] == key("CM")] == ["no_consent"]
    manifest = json.loads(result.path("manifest.json").read_text(encoding="utf-8"))
    assert (manifest["rows"], manifest["no_consent"], manifest["pseudonymised"]) == (4, 1, 1)
    assert manifest["disclosure"] == {"basis": "pdpa-s24-4", "reference": AGREEMENT.reference,
                                      "full_national_id": None}
    (event,) = audit.events(state, action="export")
    assert event.legal_basis == "pdpa-s24-4"
    assert event.details["disclosure"]["reference"] == AGREEMENT.reference
    assert not any(_found(_every_text(result), number) for number in IDS.values())


def test_the_full_national_id_appears_only_when_configured_with_basis_and_reference(
        state: Engine, tmp_path: Path) -> None:
    for name, disclosure in (("consent", Disclosure()), ("agreement", AGREEMENT)):
        texts = _every_text(_report(state, tmp_path / name, disclosure))
        for child, number in IDS.items():
            assert _found(texts, number) == [], (name, child)

    configured = _report(state, tmp_path / "full", AGREEMENT.model_copy(update={"full_national_id": FULL_ID}))
    texts = _every_text(configured)
    rows = _rows(configured)
    assert rows[key("CA")]["national_id_masked"] == IDS["CA"]
    assert rows[key("CI1")]["national_id_masked"] == IDS["CI1"]
    assert {"eef_plan_status_2026-03.csv", "eef_plan_status_2026-03.json"} <= {
        configured.path(n).name for n in (".csv", ".json") if IDS["CA"] in texts[n]}
    assert any(name.startswith("xlsx:") for name in _found(texts, IDS["CA"]))
    # L has no consent to share: its row is pseudonymised, so not even a masked ID; J is an exception
    assert rows[key("CL")]["national_id_masked"] == ""
    for child in ("CL", "CJ1", "CJ2"):
        assert _found(texts, IDS[child]) == [], child
    (_, _, event) = audit.events(state, action="export")
    assert event.legal_basis == "pdpa-s24-4; national_id:pdpa-s24-4"
    assert event.details["disclosure"]["full_national_id"] == {"basis": "pdpa-s24-4",
                                                               "reference": FULL_ID.reference}


def _config_file(tmp_path: Path, disclosure: str, name: str = "eef_report.toml") -> Path:
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    assert "[disclosure]\nbasis = \"consent\"\n" in text
    path = tmp_path / name  # load_config caches by path: one file name per content
    path.write_text(text.replace("[disclosure]\nbasis = \"consent\"\n", disclosure), encoding="utf-8")
    return path


@pytest.mark.parametrize(("disclosure", "expected"), [
    ('[disclosure]\nbasis = "consent"\n[disclosure.full_national_id]\nbasis = "pdpa-s24-4"\n',
     "the full national ID needs both a legal basis and a reference"),
    ('[disclosure]\nbasis = "consent"\n[disclosure.full_national_id]\nreference = "ข้อตกลง ข้อ 5"\n',
     "the full national ID needs both a legal basis and a reference"),
    ('[disclosure]\nbasis = "consent"\n[disclosure.full_national_id]\n',
     "the full national ID needs both a legal basis and a reference"),
    ('[disclosure]\nbasis = "pdpa-s24-4"\n', "needs a reference naming the data-sharing agreement"),
    ('[disclosure]\nbasis = "because-we-can"\n', "disclosure.basis"),
])
def test_a_configuration_asking_for_more_than_it_names_a_basis_for_is_refused(
        tmp_path: Path, disclosure: str, expected: str) -> None:
    path = _config_file(tmp_path, disclosure)
    with pytest.raises(ReportConfigError, match=expected) as refused:
        load_config(path)
    message = str(refused.value)
    assert message.startswith("ไฟล์ตั้งค่ารายงาน") and str(path) in message


def test_a_full_id_with_basis_and_reference_in_the_file_is_accepted(tmp_path: Path) -> None:
    path = _config_file(tmp_path, '[disclosure]\nbasis = "pdpa-s24-4"\nreference = "ข้อตกลง กสศ. ข้อ 2"\n'
                                  '[disclosure.full_national_id]\nbasis = "pdpa-s24-4"\n'
                                  'reference = "ข้อตกลง กสศ. ข้อ 5"\n')
    disclosure = load_config(path).disclosure
    expected = FullNationalId(basis=Basis.PUBLIC_TASK, reference="ข้อตกลง กสศ. ข้อ 5")
    assert disclosure.full_national_id == expected
    assert "ต้องระบุทั้ง basis" in _refusal(tmp_path)


def _refusal(tmp_path: Path) -> str:
    path = _config_file(tmp_path, '[disclosure]\nbasis = "consent"\n[disclosure.full_national_id]\n',
                        name="refused.toml")
    with pytest.raises(ReportConfigError) as refused:
        load_config(path)
    return str(refused.value)
