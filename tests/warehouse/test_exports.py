"""Partner-agency exports over the warehouse (SQLite and PostgreSQL): every configured agency's file,
in every format, holds exactly its configured columns; no full national ID or exact GPS without a
legal basis; consent scope, withdrawal and erasure leave children out and are counted; formula
injection is neutralised."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine
from sqlmodel import Session

from tests.support.export_state import KIDS, PERIOD, SECRET, build_state
from warehouse.exports.agencies import Agency, ExtraField, load_agencies
from warehouse.exports.build import ExportRows, select_rows
from warehouse.exports.report_keys import PSEUDONYMISED_KEYS
from warehouse.exports.rows import SourceRow, child_consents, child_extras, period_bounds, report_rows
from warehouse.exports.writers import render
from warehouse.privacy.consent import Basis
from warehouse.privacy.tombstone import erased_child_ids

AGENCIES = load_agencies()
FORMATS = ("csv", "xlsx", "json")


def _export(engine: Engine, agency: Agency) -> ExportRows:
    with Session(engine) as session:
        rows = list(report_rows(session, PERIOD, secret=SECRET))
        ids = {r.child_id for r in rows}
        return select_rows(agency, PERIOD, rows, consents=child_consents(session, ids),
                           extras=child_extras(session, ids, period_bounds(PERIOD)[1]),
                           erased=erased_child_ids(session))


def read_back(content: bytes, fmt: str) -> tuple[list[str], list[dict[str, Any]]]:
    """The file's column keys and rows, read the way its recipient would."""
    if fmt == "csv":
        assert content.startswith(b"\xef\xbb\xbf")
        reader = csv.DictReader(io.StringIO(content.decode("utf-8-sig")))
        rows = list(reader)
        return list(reader.fieldnames or []), rows
    if fmt == "json":
        document = json.loads(content)
        assert all(list(r) == document["columns"] for r in document["rows"])
        return document["columns"], document["rows"]
    book = load_workbook(io.BytesIO(content))
    keys = [r[0] for r in book["columns"].iter_rows(min_row=2, values_only=True)]
    data = list(book["ข้อมูล"].iter_rows(values_only=True))
    assert len(data[0]) == len(keys)  # the header row has exactly the configured columns
    return keys, [dict(zip(keys, r, strict=True)) for r in data[1:]]


def _all_text(content: bytes, fmt: str) -> str:
    if fmt != "xlsx":
        return content.decode("utf-8")
    book = load_workbook(io.BytesIO(content))
    return "\n".join(str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row)


def _has_basis(agency: Agency, field: str, *, exact: bool = False) -> bool:
    extra = agency.extra(field)
    return extra is not None and (not exact or extra.precision == "exact")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("agency", AGENCIES, ids=[a.id for a in AGENCIES])
def test_every_configured_agency_gets_only_its_columns_and_nothing_identifying_beyond_its_basis(
        engine: Engine, agency: Agency, fmt: str) -> None:
    build_state(engine)
    configured = agency.model_copy(update={"format": fmt})
    export = _export(engine, configured)
    assert export.rows, "each sample agency has children in this state"
    keys, rows = read_back(render(export), fmt)
    assert keys == list(agency.output_columns)
    assert all(set(r) == set(agency.output_columns) for r in rows)
    text = _all_text(render(export), fmt)
    for kid in KIDS:
        if not _has_basis(agency, "national_id"):
            assert kid.national_id not in text
        if not _has_basis(agency, "home_gps", exact=True):
            assert kid.exact_gps[0] not in text and kid.exact_gps[1] not in text
        if not _has_basis(agency, "child_name"):
            assert kid.name.split(" ")[-1] not in text


def test_a_full_national_id_or_exact_gps_goes_only_where_a_legal_basis_is_configured(engine: Engine) -> None:
    build_state(engine)
    moe = next(a for a in AGENCIES if a.id == "moe-suphanburi")
    basis = dict(legal_basis=Basis.PUBLIC_TASK, reference="บันทึกข้อตกลงทดสอบ ข้อ 1")
    exact = moe.model_copy(update={"format": "csv", "extra_fields": (
        ExtraField(field="national_id", **basis), ExtraField(field="home_gps", precision="exact", **basis))})
    rounded = moe.model_copy(update={"format": "csv",
                                     "extra_fields": (ExtraField(field="home_gps", **basis),)})
    _, with_basis = read_back(render(_export(engine, exact)), "csv")
    _, without = read_back(render(_export(engine, rounded)), "csv")
    c1 = next(k for k in KIDS if k.child_id == "C1")
    full = next(r for r in with_basis if r["child_key"] == c1.key)
    assert full["national_id"] == c1.national_id and full["national_id_masked"] == "x-xxxx-xxxxx-11-1"
    assert full["home_gps"] == f"{c1.lat},{c1.lon}"
    coarse = next(r for r in without if r["child_key"] == c1.key)
    assert coarse["home_gps"] == "14.47,100.12" and "national_id" not in coarse


def test_children_without_consent_for_the_recipient_withdrawn_or_erased_are_left_out_and_counted(
        engine: Engine) -> None:
    build_state(engine)
    by_id = {a.id: a for a in AGENCIES}
    moe = _export(engine, by_id["moe-suphanburi"])  # province 72, requires share_with_eef
    keys = {r["child_key"] for r in moe.rows}
    kid = {k.child_id: k for k in KIDS}
    assert keys == {kid["C1"].key}
    # The withdrawn child (99) is not even a report row; the erased one is, and the export drops it.
    assert moe.excluded == {"erased": 1, "no_consent_for_recipient": 1}
    with Session(engine) as session:
        rows = list(report_rows(session, PERIOD, secret=SECRET))
        c1 = next(r for r in rows if r.child_id == "C1")
        # a row source that lets a withdrawn child through
        withdrawn_row = SourceRow("C1", {**c1.values, "plan_status_code": 99})
        consents = child_consents(session, {"C1"})
    again = select_rows(by_id["moe-suphanburi"], PERIOD, [withdrawn_row], consents=consents, extras={},
                        erased=set())
    assert again.rows == [] and again.excluded == {"consent_withdrawn": 1}

    # pmj (province 70) is configured on s.26(5) without a consent scope: the child who did not consent
    # to sharing goes pseudonymised (no name, no place beyond the subdistrict, no follow-up details).
    pmj = _export(engine, by_id["pmj-ratchaburi"])
    rows = {r["child_key"]: r for r in pmj.rows}
    assert set(rows) == {kid["C5"].key, kid["C6"].key} and pmj.pseudonymised == 1
    hidden = rows[kid["C5"].key]
    assert all(hidden[c] is None for c in pmj.columns if c not in PSEUDONYMISED_KEYS)
    assert hidden["plan_status_code"] == 20 and rows[kid["C6"].key]["home_gps"] == "700101"

    nfe = _export(engine, by_id["nfe-kamphaengsaen"])  # LAO-scoped: C8's LAO is not in its list
    assert {r["child_key"] for r in nfe.rows} == {kid["C7"].key} and nfe.excluded == {}


def test_formula_like_values_are_plain_text_and_free_text_has_no_ids_or_phones(engine: Engine) -> None:
    build_state(engine)
    moe = next(a for a in AGENCIES if a.id == "moe-suphanburi")
    voice = ExtraField(field="child_voice", legal_basis=Basis.PUBLIC_TASK, reference="บันทึกข้อตกลงทดสอบ ข้อ 2")
    agency = moe.model_copy(update={"extra_fields": (*moe.extra_fields, voice)})
    c1 = KIDS[0]
    as_csv = render(_export(engine, agency.model_copy(update={"format": "csv"})))
    _, rows = read_back(as_csv, "csv")
    assert rows[0]["child_name"] == "'" + c1.name  # the spreadsheet shows the text, never runs it
    assert "081-234-5678" not in rows[0]["child_voice"] and "[เบอร์โทรถูกปิด]" in rows[0]["child_voice"]
    assert c1.national_id not in rows[0]["child_voice"] and rows[0]["national_id"] == c1.national_id

    book = load_workbook(io.BytesIO(render(_export(engine, agency.model_copy(update={"format": "xlsx"})))))
    header = [c.value for c in next(book["ข้อมูล"].iter_rows(max_row=1))]
    cell = book["ข้อมูล"].cell(row=2, column=header.index("ชื่อ-นามสกุลเด็ก") + 1)
    assert cell.value == c1.name and cell.data_type == "s" and cell.quotePrefix
