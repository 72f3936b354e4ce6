"""The EEF report (`eef-plan-status/1`) over a small hand-made warehouse: golden CSV and JSON, the XLSX
read back with openpyxl, the inclusion rules, statuses as of the period end, reconciliation with the
status engine, byte-identical reruns, the run record and the audit row."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import Engine, select
from sqlmodel import Session, col

from tests.warehouse.report_state import AS_OF, LAO_KHON_KAEN, LAO_KRABI, SECRET, build
from warehouse import audit
from warehouse.plan_status.store import CurrentStatus
from warehouse.privacy.pseudonym import child_key
from warehouse.privacy.tombstone import ErasureTombstone
from warehouse.report.build import ReportResult, sha256_of, write_report
from warehouse.report.config import ReportConfigError, load_config
from warehouse.report.model import ReportRow
from warehouse.report.period import Period
from warehouse.report.rows import select_report
from warehouse.report.store import ReportRun, latest_run
from warehouse.report.writers import CsvWriter, JsonWriter, XlsxWriter

GOLDEN = Path(__file__).parent / "data"
PERIOD = "2026-03"
BOM = b"\xef\xbb\xbf"
FIXED = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)


def key(child_id: str) -> str:
    return child_key(child_id, SECRET)


def _report(engine: Engine, out: Path, period: str = PERIOD, **kwargs: Any) -> ReportResult:
    return write_report(engine, period, out, SECRET, now=kwargs.pop("now", FIXED), **kwargs)


def _csv_rows(path: Path) -> list[dict[str, str]]:
    text = path.read_bytes()
    assert text.startswith(BOM)
    return list(csv.DictReader(io.StringIO(text[len(BOM):].decode("utf-8"), newline="")))


@pytest.fixture
def state(engine: Engine) -> Engine:
    with Session(engine) as session:
        build(session)
    return engine


def test_csv_and_json_match_the_golden_files(state: Engine, tmp_path: Path) -> None:
    result = _report(state, tmp_path / "out")
    csv_path, json_path = result.path(".csv"), result.path(".json")
    assert csv_path.name == "eef_plan_status_2026-03.csv"
    assert csv_path.read_bytes() == (GOLDEN / "eef_plan_status_2026-03.csv").read_bytes()
    assert json.loads(json_path.read_text(encoding="utf-8")) == json.loads(
        (GOLDEN / "eef_plan_status_2026-03.json").read_text(encoding="utf-8"))

    rows = _csv_rows(csv_path)
    assert list(rows[0]) == load_config().keys  # header row: the keys, in the configured order
    order = [(r["lao_code"], r["child_key"]) for r in rows]
    assert order == sorted(order)
    by_key = {r["child_key"]: r for r in rows}
    a = by_key[key("CA")]  # status as of 31/3: the April follow-up does not count
    assert (a["plan_status_code"], a["status_since"], a["visits_count"]) == ("50", "2026-02-15", "2")
    assert (a["intervention_types"], a["eef_funded"], a["outcome_status"]) == ("NFE|MATERIALS", "Y", "IN_NFE")
    assert (a["next_followup_due"], a["followup_overdue"]) == ("2026-03-15", "Y")
    assert (a["age_band"], a["sex"], a["main_leave_reason"], a["oos_category"]) == (
        "12-14", "F", "POVERTY", "DROPOUT")
    assert a["national_id_masked"].startswith("x-xxxx-xxxxx-") and (a["lao_name"], a["subdistrict_code"]) == (
        "อบต.อ่าวนาง", "810102")
    i = by_key[key("CI1")]  # merged: the surviving id, the LAO of the latest visit (made under the merged id)
    assert (i["lao_code"], i["plan_status_code"], i["visits_count"], i["age_band"]) == (
        LAO_KHON_KAEN, "20", "1", "3-5")
    assert key("CI2") not in by_key


def test_inclusion_rules_rows_exceptions_and_counts(state: Engine, tmp_path: Path) -> None:
    with Session(state) as session, select_report(session, PERIOD, SECRET) as selection:
        rows = list(selection.rows())
        summary, exceptions = selection.summary, selection.exceptions
    assert {r.child_key for r in rows} == {key("CA"), key("CB"), key("CI1")}
    b = next(r for r in rows if r.child_key == key("CB"))
    assert (b.plan_status_code, b.status_since) == (25, date(2026, 3, 5))  # closed during March: reported
    reasons = {x.child_key: x.reason for x in exceptions}
    assert reasons == {key("CF"): "no_lao", key("CG"): "unknown_lao", key("CJ"): "contradiction",
                       key("CK"): "no_status", key("CL"): "no_consent", key("CM"): "no_consent"}
    assert all(x.message and "กรุณา" in x.message for x in exceptions)  # what to do, in Thai
    shown = {r.child_key for r in rows} | set(reasons)
    for absent in ("CC", "CD", "CE", "CH"):  # closed before, withdrawn, erased, registered after
        assert key(absent) not in shown
    assert summary.total("withdrawn") == 1 and summary.others[(LAO_KHON_KAEN, "withdrawn")] == 1
    assert summary.total("erased") == 1 and summary.others[(LAO_KRABI, "erased")] == 1
    assert summary.closed_before == 1 and summary.row_count == 3 and summary.exception_count == 6
    assert summary.no_consent == {LAO_KRABI: 1, LAO_KHON_KAEN: 1} and summary.pseudonymised == 0


def test_status_is_the_one_on_the_period_end_not_today(state: Engine) -> None:
    def row_of(period: str, child: str) -> ReportRow:
        with Session(state) as session, select_report(session, period, SECRET) as selection:
            return next(r for r in selection.rows() if r.child_key == key(child))

    january = row_of("2026-01", "CA")  # the plan of 20/1 was agreed: draft and agreement, 40
    assert (january.plan_status_code, january.visits_count, january.next_followup_due) == (40, 1, None)
    april = row_of("2026-04", "CA")
    assert (april.plan_status_code, april.status_since, april.visits_count) == (60, date(2026, 4, 10), 3)
    assert (april.outcome_status, april.next_followup_due) == ("IN_FORMAL", date(2026, 5, 10))
    assert april.followup_overdue == "N"  # due 10/5, after the end of April
    with Session(state) as session, select_report(session, "2025-12", SECRET) as selection:
        december = list(selection.rows())  # only C was active, and it closed in October
        assert december == [] and selection.summary.closed_before == 1


def test_rows_and_exceptions_reconcile_with_the_status_engine(state: Engine) -> None:
    period = Period.containing(AS_OF)
    with Session(state) as session:
        with select_report(session, period, SECRET) as selection:
            reported = Counter(r.plan_status_code for r in selection.rows())
            excepted = Counter(x.plan_status_code for x in selection.exceptions)
        erased = set(session.scalars(select(col(ErasureTombstone.child_id))))
        engine_counts: Counter[int | None] = Counter(
            c.status for c in session.scalars(select(CurrentStatus))
            if c.child_id not in erased and c.status != 99
            and not (c.closed and c.since and c.since < period.first))
    assert reported + excepted == engine_counts
    # A (60), H, F, G, J, M (10), I, L (20), K (no status); B closed in March, C in 2025: before November.
    # L and M have no consent for the fund: exceptions under their status, so they still reconcile.
    assert sum(engine_counts.values()) == 9 and engine_counts[None] == 1


def test_same_state_gives_the_same_csv_bytes_and_json_but_for_generated_at(
        state: Engine, tmp_path: Path) -> None:
    first = _report(state, tmp_path / "one", now=datetime(2026, 4, 1, tzinfo=UTC))
    second = _report(state, tmp_path / "two", now=datetime(2026, 4, 2, 9, 30, tzinfo=UTC), chunk_rows=2)
    assert first.path(".csv").read_bytes() == second.path(".csv").read_bytes()
    one, two = (json.loads(r.path(".json").read_text(encoding="utf-8")) for r in (first, second))
    assert one.pop("generated_at") != two.pop("generated_at")
    assert one == two and one["format"] == "eef-plan-status/1" and one["period"] == PERIOD
    assert first.files[1]["sha256"] == second.files[1]["sha256"] == sha256_of(first.path(".csv"))


def test_xlsx_reads_back_with_thai_headers_be_dates_summary_chart_and_sheets(
        state: Engine, tmp_path: Path) -> None:
    config = load_config()
    result = _report(state, tmp_path / "out")
    book = openpyxl.load_workbook(result.path(".xlsx"))
    assert book.sheetnames == ["รายงาน", "สรุป", "ข้อยกเว้น", "columns"]
    sheet = book["รายงาน"]
    header = [c.value for c in sheet[1]]
    assert header == [c.header_th for c in config.column]
    assert header[:3] == ["งวดรายงาน", "รหัส อปท.", "ชื่อ อปท."]
    date_columns = [i for i, c in enumerate(config.column) if c.type == "date"]
    dated = 0
    for row in sheet.iter_rows(min_row=2):
        for i in date_columns:
            if row[i].value is not None:
                assert row[i].number_format == "[$-107041E]dd/mm/yyyy" and row[i].is_date
                dated += 1
    assert dated >= 6
    csv_rows = _csv_rows(result.path(".csv"))
    assert [r[6].value for r in sheet.iter_rows(min_row=2)] == [r["child_key"] for r in csv_rows]
    registered = {r[6].value: r[12].value for r in sheet.iter_rows(min_row=2)}
    assert registered[key("CA")] == datetime(2026, 1, 5)
    summary = list(book["สรุป"].values)
    total = next(r for r in summary if r[0] == "รวม")
    assert total[summary[0].index("รวมแถวในรายงาน")] == 3 and total[summary[0].index("ข้อยกเว้น")] == 6
    assert total[summary[0].index("ไม่มีความยินยอมให้ส่ง กสศ. (อยู่ในข้อยกเว้น)")] == 2
    assert any("ยังไม่มีความยินยอมให้เปิดเผยข้อมูลแก่ กสศ. 2 คน" in str(r[0]) for r in summary)
    messages = [r[4] for r in book["ข้อยกเว้น"].iter_rows(min_row=2, values_only=True)]
    assert len(messages) == 6 and all("กรุณา" in str(m) for m in messages)
    assert [r[0] for r in book["columns"].iter_rows(min_row=2, values_only=True)] == config.keys
    with zipfile.ZipFile(result.path(".xlsx")) as z:  # openpyxl drops charts on load: read the parts
        workbook = z.read("xl/workbook.xml").decode()
        assert 'name="สรุป" sheetId="2"' in workbook
        assert "<c:barChart>" in z.read("xl/charts/chart1.xml").decode()
        assert "drawing1.xml" in z.read("xl/worksheets/_rels/sheet2.xml.rels").decode()


def test_rows_past_the_sheet_limit_continue_on_numbered_sheets(state: Engine, tmp_path: Path) -> None:
    config = load_config().model_copy(update={"rows_per_sheet": 2})
    result = _report(state, tmp_path / "out", config=config)
    book = openpyxl.load_workbook(result.path(".xlsx"), read_only=True)
    assert book.sheetnames[:3] == ["รายงาน", "รายงาน 2", "สรุป"]
    counts = [sum(1 for _ in book[name].iter_rows(min_row=2)) for name in ("รายงาน", "รายงาน 2")]
    first = next(book["รายงาน 2"].iter_rows(max_row=1, values_only=True))
    assert counts == [2, 1] and first[0] == "งวดรายงาน"


def test_the_run_is_recorded_and_audited_and_the_manifest_names_every_file(
        state: Engine, tmp_path: Path) -> None:
    result = _report(state, tmp_path / "out")
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    assert [f["name"] for f in manifest["files"]] == [
        "eef_plan_status_2026-03.xlsx", "eef_plan_status_2026-03.csv", "eef_plan_status_2026-03.json"]
    for f in manifest["files"]:
        assert f["sha256"] == sha256_of(tmp_path / "out" / f["name"]) and f["rows"] == 3
    assert manifest["code_version"].startswith("odksync ") and "warehouse_last_sync" in manifest
    with Session(state) as session:
        run = session.scalars(select(ReportRun)).one()
        assert latest_run(session, period=PERIOD) == run and latest_run(session, period="2026-02") is None
    assert (run.period, run.rows, run.exceptions, run.withdrawn, run.erased) == (PERIOD, 3, 6, 1, 1)
    assert (manifest["no_consent"], manifest["pseudonymised"], manifest["disclosure"]) == (
        2, 0, {"basis": "consent", "reference": None, "full_national_id": None})
    assert run.files == result.files and run.by_status == {"20": 1, "25": 1, "50": 1}
    (event,) = audit.events(state, action="export")
    assert event.id == run.audit_event_id and event.row_count == 3 and event.legal_basis == "consent"
    assert event.details["no_consent"] == 2 and event.details["disclosure"]["basis"] == "consent"
    assert event.subject == "eef-plan-status/1 2026-03"
    assert "child_key" in event.fields and not list((tmp_path / "out").glob("*.partial"))


def test_formula_like_text_is_never_a_formula_in_csv_or_xlsx(tmp_path: Path) -> None:
    config = load_config()
    columns = config.columns_for(["lao_code", "lao_name", "registered_on"])
    row = ReportRow.model_construct(lao_code="6810104", lao_name="=HYPERLINK(\"http://x\")",
                                    registered_on=date(2021, 6, 11))
    csv_writer = CsvWriter(tmp_path / "x.csv", columns)
    csv_writer.row(row)
    csv_writer.close()
    lines = (tmp_path / "x.csv").read_bytes()[len(BOM):].decode().splitlines()
    assert lines == ["lao_code,lao_name,registered_on", "6810104,\"'=HYPERLINK(\"\"http://x\"\")\",2021-06-11"]
    xlsx = XlsxWriter(tmp_path / "x.xlsx", columns, config)
    xlsx.row(row)
    xlsx.close()
    cell = openpyxl.load_workbook(tmp_path / "x.xlsx")["รายงาน"]["B2"]
    assert cell.value == "=HYPERLINK(\"http://x\")" and cell.data_type == "s" and cell.quotePrefix


def test_the_writers_fast_paths_write_what_the_plain_encoders_write(tmp_path: Path) -> None:
    """The JSON row is assembled by hand and the CSV skips the neutraliser for text that cannot be a
    formula: both must give exactly what json.dumps and neutralise_cell give, from a ReportRow (`row`)
    and from its values (`values`, as write_report passes the sorted rows) alike."""
    from warehouse.privacy.spreadsheet import neutralise_cell
    from warehouse.report.rows import FIELDS

    config = load_config()
    columns = config.columns_for(None)
    odd = ["=1+1", " =SUM(A1)", "\u00a0+1", "\t-x", "@x", "ก\"ข\\ค\x01ง\n", "－1", "", "x-1", "อบต.หนองไผ่"]
    made = [ReportRow.model_construct(**{
        **dict.fromkeys(FIELDS), "lao_code": "6810104", "lao_name": text, "child_key": f"{i:016x}",
        "main_leave_reason": odd[-1 - i], "registered_on": date(2026, 1, 1 + i) if i % 2 else None,
        "plan_status_code": 50 + i, "visits_count": i if i % 3 else None, "intervention_types": ""})
        for i, text in enumerate(odd)]
    written = {}
    for how in ("row", "values"):
        json_out = JsonWriter(tmp_path / f"{how}.json", columns, format_name=config.format, period=PERIOD,
                              generated_at="2026-04-01T08:00:00+00:00")
        csv_out = CsvWriter(tmp_path / f"{how}.csv", columns)
        for row in made:
            for writer in (json_out, csv_out):
                if how == "row":
                    writer.row(row)
                else:
                    writer.values(tuple(getattr(row, name) for name in FIELDS))
        json_out.close()
        csv_out.close()
        written[how] = [(tmp_path / f"{how}.{kind}").read_bytes() for kind in ("json", "csv")]
    assert written["row"] == written["values"]
    lines = written["row"][0].decode("utf-8").split("\n")[1:1 + len(made)]
    records = [{c.key: (lambda v: v.isoformat() if isinstance(v, date) else v)(getattr(row, c.key))
                for c in columns} for row in made]
    dumped = [json.dumps(r, ensure_ascii=False, separators=(", ", ": ")) for r in records]
    assert lines == [d + "," for d in dumped[:-1]] + dumped[-1:]
    expected = io.StringIO(newline="")
    plain = csv.writer(expected, lineterminator="\r\n")
    plain.writerow([c.key for c in columns])
    for r in records:
        plain.writerow(["" if v is None else neutralise_cell(v) for v in r.values()])
    assert written["row"][1] == BOM + expected.getvalue().encode("utf-8")
    assert "'=1+1" in expected.getvalue() and "' =SUM(A1)" in expected.getvalue()


def test_a_bad_configuration_stops_with_a_clear_message(tmp_path: Path) -> None:
    good = load_config()
    text = (Path(__file__).resolve().parents[2] / "config" / "eef_report.toml").read_text(encoding="utf-8")
    unknown = tmp_path / "unknown.toml"
    unknown.write_text(text.replace('key = "sex"', 'key = "gender"'), encoding="utf-8")
    with pytest.raises(ReportConfigError, match="unknown column key 'gender'") as raised:
        load_config(unknown)
    assert str(unknown) in str(raised.value) and "ไฟล์ตั้งค่ารายงาน" in str(raised.value)
    twice = tmp_path / "twice.toml"
    twice.write_text(text.replace('key = "sex"', 'key = "lao_code"'), encoding="utf-8")
    with pytest.raises(ReportConfigError, match="given twice: lao_code"):
        load_config(twice)
    broken = tmp_path / "broken.toml"
    broken.write_text("format = ", encoding="utf-8")
    with pytest.raises(ReportConfigError, match="not valid TOML"):
        load_config(broken)
    with pytest.raises(ReportConfigError, match="columns not in the report configuration"):
        good.columns_for(["lao_code", "full_name"])


def test_rows_spilled_in_sorted_chunks_come_back_in_report_order(tmp_path: Path) -> None:
    from warehouse.report.rows import FIELDS, SPILL_BLOCK, _Spill

    rng = __import__("random").Random(5)
    made = [ReportRow.model_construct(**{
        **dict.fromkeys(FIELDS), "lao_code": f"{rng.randrange(3):07d}",
        "child_key": f"{rng.getrandbits(64):016x}",
        "lao_name": "x" * rng.randrange(4), "registered_on": date(2026, 1, 1 + i % 28)})
        for i in range(5 * SPILL_BLOCK // 2)]
    spill = _Spill(SPILL_BLOCK + 7, tmp_path)  # several chunks, each more than one block
    for row in made:
        spill.add(row)
    back = list(spill.merged())
    assert len(spill.files) == 3 and len(back) == len(made)
    expected = sorted(made, key=lambda r: (r.lao_code, r.child_key))
    assert [(v[1], v[6], v[2], v[12]) for v in back] == [
        (r.lao_code, r.child_key, r.lao_name, r.registered_on) for r in expected]


def test_an_odd_value_becomes_an_exception_and_a_bad_area_code_falls_back(engine: Engine) -> None:
    from tests.warehouse.report_state import World
    from warehouse.plan_status.engine import recompute_status

    with Session(engine) as session:
        w = World(session)
        w.child("CX")
        w.form("CX", "registration", date(2026, 1, 5), 10, subdistrict_code="81O102", district_code="8101",
               share=True)
        w.form("CX", "visit", date(2026, 1, 6), 20)
        w.child("CY")
        w.form("CY", "registration", date(2026, 1, 5), 10, share=True)
        w.form("CY", "followup", date(2026, 2, 5), None, outcome="in school (ม.1)")
        recompute_status(session, as_of=AS_OF)
        session.commit()
        with select_report(session, PERIOD, SECRET) as selection:
            (row,) = selection.rows()
            (odd,) = selection.exceptions
    assert row.child_key == key("CX")
    assert (row.province_code, row.district_code, row.subdistrict_code) == ("81", "8101", None)
    assert odd.child_key == key("CY") and odd.reason == "invalid_value" and "outcome_status" in odd.message
