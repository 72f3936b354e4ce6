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

from tests.support.export_state import KIDS, PERIOD, SECRET, Kid, build_state
from warehouse.exports.agencies import Agency, ExtraField, load_agencies
from warehouse.exports.build import ExportRows, select_rows
from warehouse.exports.report_keys import PSEUDONYMISED_KEYS
from warehouse.exports.rows import SourceRow, child_consents, child_extras, period_bounds, report_rows
from warehouse.exports.writers import render
from warehouse.privacy.consent import Basis
from warehouse.privacy.pseudonym import MissingSecret, child_key
from warehouse.privacy.tombstone import erased_child_ids

AGENCIES = load_agencies()
FORMATS = ("csv", "xlsx", "json")


def _export(engine: Engine, agency: Agency) -> ExportRows:
    with Session(engine) as session:
        rows = list(report_rows(session, PERIOD, secret=SECRET))
        ids = {r.child_id for r in rows}
        return select_rows(agency, PERIOD, rows, consents=child_consents(session, ids),
                           extras=child_extras(session, ids, period_bounds(PERIOD)[1]),
                           erased=erased_child_ids(session), secret=SECRET)


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
        assert kid.key not in text  # the fund's key: the shipped agencies all have their own key space


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
    full = next(r for r in with_basis if r["child_key"] == c1.key_for(moe.id))
    assert full["national_id"] == c1.national_id and full["national_id_masked"] == "x-xxxx-xxxxx-11-1"
    assert full["home_gps"] == f"{c1.lat},{c1.lon}"
    coarse = next(r for r in without if r["child_key"] == c1.key_for(moe.id))
    assert coarse["home_gps"] == "14.47,100.12" and "national_id" not in coarse


def test_children_without_consent_for_the_recipient_withdrawn_or_erased_are_left_out_and_counted(
        engine: Engine) -> None:
    build_state(engine)
    by_id = {a.id: a for a in AGENCIES}
    moe = _export(engine, by_id["moe-suphanburi"])  # province 72, requires share_with_eef
    keys = {r["child_key"] for r in moe.rows}
    kid = {k.child_id: k for k in KIDS}
    assert keys == {kid["C1"].key_for("moe-suphanburi")}
    # The withdrawn child (99) is not even a report row; the erased one is, and the export drops it.
    assert moe.excluded == {"erased": 1, "no_consent_for_recipient": 1}
    with Session(engine) as session:
        rows = list(report_rows(session, PERIOD, secret=SECRET))
        c1 = next(r for r in rows if r.child_id == "C1")
        # a row source that lets a withdrawn child through
        withdrawn_row = SourceRow("C1", {**c1.values, "plan_status_code": 99})
        consents = child_consents(session, {"C1"})
    again = select_rows(by_id["moe-suphanburi"], PERIOD, [withdrawn_row], consents=consents, extras={},
                        erased=set(), secret=SECRET)
    assert again.rows == [] and again.excluded == {"consent_withdrawn": 1}

    # pmj (province 70) is configured on s.26(5) without a consent scope: the child who did not consent
    # to sharing goes pseudonymised (no name, no place beyond the subdistrict, no follow-up details).
    pmj = _export(engine, by_id["pmj-ratchaburi"])
    rows = {r["child_key"]: r for r in pmj.rows}
    # the pseudonymised row carries the agency's own key too, never the fund's
    c5, c6 = kid["C5"].key_for("pmj-ratchaburi"), kid["C6"].key_for("pmj-ratchaburi")
    assert set(rows) == {c5, c6} and pmj.pseudonymised == 1
    hidden = rows[c5]
    assert all(hidden[c] is None for c in pmj.columns if c not in PSEUDONYMISED_KEYS)
    assert hidden["plan_status_code"] == 20 and rows[c6]["home_gps"] == "700101"

    nfe = _export(engine, by_id["nfe-kamphaengsaen"])  # LAO-scoped: C8's LAO is not in its list
    assert {r["child_key"] for r in nfe.rows} == {kid["C7"].key_for("nfe-kamphaengsaen")}
    assert nfe.excluded == {}


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


def _fund_keys(engine: Engine, period: str = PERIOD) -> dict[str, str]:
    with Session(engine) as session:
        return {r.child_id: r.values["child_key"] for r in report_rows(session, period, secret=SECRET)}


def test_each_agency_has_its_own_key_space_not_joinable_with_the_funds_or_another_agencys(
        engine: Engine) -> None:
    build_state(engine)
    fund = _fund_keys(engine)
    moe = next(a for a in AGENCIES if a.id == "moe-suphanburi")
    # a second agency receiving the same children with the same columns
    other = moe.model_copy(update={"id": "moe-suphanburi-2"})
    mine, theirs = _export(engine, moe).rows, _export(engine, other).rows
    assert len(mine) == len(theirs) == 1
    (c1_mine,), (c1_theirs,) = mine, theirs
    assert c1_mine["child_key"] == child_key("C1", SECRET, purpose="agency:moe-suphanburi")
    assert c1_theirs["child_key"] == child_key("C1", SECRET, purpose="agency:moe-suphanburi-2")
    assert len({fund["C1"], c1_mine["child_key"], c1_theirs["child_key"]}) == 3
    # every other column is the same: only the key space tells the two files apart
    assert {k: v for k, v in c1_mine.items() if k != "child_key"} == {
        k: v for k, v in c1_theirs.items() if k != "child_key"}
    # no agency's key of any child is another's or the fund's
    spaces = [{r["child_key"] for r in _export(engine, a).rows} for a in AGENCIES]
    everything = [k for keys in spaces for k in keys]
    assert len(everything) == len(set(everything)) and not set(everything) & set(fund.values())


def test_an_agencys_keys_are_stable_across_periods(engine: Engine) -> None:
    build_state(engine)
    pmj = next(a for a in AGENCIES if a.id == "pmj-ratchaburi")
    by_period = {}
    for period in (PERIOD, "2026-12"):
        with Session(engine) as session:
            rows = list(report_rows(session, period, secret=SECRET))
            ids = {r.child_id for r in rows}
            export = select_rows(pmj, period, rows, consents=child_consents(session, ids),
                                 extras=child_extras(session, ids, period_bounds(period)[1]),
                                 erased=erased_child_ids(session), secret=SECRET)
        by_period[period] = [r["child_key"] for r in export.rows]
    kid = {k.child_id: k for k in KIDS}
    expected = sorted(kid[c].key_for(pmj.id) for c in ("C5", "C6"))
    assert by_period[PERIOD] == by_period["2026-12"] == expected


def test_the_funds_key_goes_only_to_an_agency_configured_for_it(engine: Engine) -> None:
    build_state(engine)
    fund = _fund_keys(engine)
    nfe = next(a for a in AGENCIES if a.id == "nfe-kamphaengsaen")
    reconciling = Agency.model_validate({**nfe.model_dump(), "child_key": "fund",
                                         "child_key_reason": "กระทบยอดจำนวนเด็กกับรายงานกองทุนรายเดือน"})
    assert [r["child_key"] for r in _export(engine, reconciling).rows] == [fund["C7"]]
    assert [r["child_key"] for r in _export(engine, nfe).rows] == [KIDS[6].key_for(nfe.id)] != [fund["C7"]]


def test_rows_are_ordered_by_what_the_agency_receives_whatever_order_the_report_gives(
        engine: Engine) -> None:
    build_state(engine, (*KIDS, *(Kid(f"P{n}", "6700603", "70", f"17001000{n:05d}", 13.5 + n / 1000,
                                      99.8, f"เด็กชาย ทดสอบ นามสกุล{n}") for n in range(12))))
    pmj = next(a for a in AGENCIES if a.id == "pmj-ratchaburi")
    with Session(engine) as session:
        rows = list(report_rows(session, PERIOD, secret=SECRET))
        ids = {r.child_id for r in rows}
        kwargs: dict[str, Any] = dict(consents=child_consents(session, ids), extras=child_extras(
            session, ids, period_bounds(PERIOD)[1]), erased=erased_child_ids(session), secret=SECRET)
    by_fund = sorted(rows, key=lambda r: (str(r.values["lao_code"]), str(r.values["child_key"])))
    first = select_rows(pmj, PERIOD, by_fund, **kwargs)
    again = select_rows(pmj, PERIOD, list(reversed(by_fund)), **kwargs)
    assert first.rows == again.rows and first.content_hash == again.content_hash
    received = [(r["lao_code"], r["child_key"]) for r in first.rows]
    assert received == sorted(received) and len(received) == 14
    # the fund's order of the same children is another order: a position in one file says nothing
    own_of = {child_key(r.child_id, SECRET, purpose="agency:pmj-ratchaburi"): r.child_id for r in rows}
    assert [own_of[k] for _, k in received] != [r.child_id for r in by_fund
                                                 if r.values["lao_code"] == "6700603"]


def test_an_agency_with_its_own_keys_needs_the_secret(engine: Engine) -> None:
    build_state(engine)
    moe = next(a for a in AGENCIES if a.id == "moe-suphanburi")
    with pytest.raises(MissingSecret):
        select_rows(moe, PERIOD, [], consents={}, extras={}, erased=set(), secret="")
