"""The report's files, written while the rows stream past: XLSX, CSV (UTF-8 with BOM) and JSON.

Each writer takes the columns to write (a subset of the report's, in their order: partner exports use
the same writers with fewer columns), gets rows one at a time with `row()`, and is finished with
`close()`. None holds the rows: the XLSX is written by xlsxwriter in constant-memory mode, the CSV and
JSON straight to their files. A cell a spreadsheet could run as a formula is written as plain text.
"""

from __future__ import annotations

import csv
import json
import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any

import xlsxwriter

from warehouse.plan_status import lifecycle
from warehouse.privacy.spreadsheet import FORMULA_STARTS, is_formula_like, neutralise_cell
from warehouse.report.config import Column, ReportConfig
from warehouse.report.model import EXCEPTION_COLUMNS, ReportException, ReportRow
from warehouse.report.rows import ERASED, FIELDS, WITHDRAWN, ReportSummary, lao_name

EXCEL_EPOCH = date(1899, 12, 30)  # serial 0 in Excel's 1900 date system (the 1900 leap-year bug included)
STATUS_COLUMNS = tuple(code for code in lifecycle.STATUSES if code != lifecycle.CONSENT_WITHDRAWN)
# A text can only be formula-like when it starts with one of these (a formula start, or the spaces
# is_formula_like strips first): the full check runs only then, not for every code, key and name.
RISKY_FIRST = frozenset({*FORMULA_STARTS, " ", "\u00a0"})
BATCH = 1000  # CSV and JSON rows handed to the file at once


def _formula_like(text: str) -> bool:
    return text[:1] in RISKY_FIRST and is_formula_like(text)


class _Writer:
    """What the three writers share: a row comes as a ReportRow (`row`) or as the tuple of its values in
    ReportRow's field order (`values`, as the report's sorted spill gives them back, without building
    a model again); each writer takes the cells of its own columns, in their order, in `_cells`."""

    keys: list[str]

    def _pick_from(self, keys: Sequence[str]) -> None:
        indices = [FIELDS.index(key) for key in keys]
        if len(indices) == 1:
            only = indices[0]
            self._pick: Callable[[Sequence[Any]], Sequence[Any]] = lambda values: (values[only],)
        else:
            self._pick = operator.itemgetter(*indices)

    def row(self, row: ReportRow) -> None:
        self._cells([getattr(row, key) for key in self.keys])

    def values(self, values: Sequence[Any]) -> None:
        self._cells(self._pick(values))

    def _cells(self, cells: Sequence[Any]) -> None:
        raise NotImplementedError


@dataclass(frozen=True)
class WrittenFile:
    path: Path
    rows: int


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


class CsvWriter(_Writer):
    """UTF-8 with BOM (Excel on Thai Windows needs it), CRLF, a header of keys, ISO dates, neutralised
    cells: the same rows give the same bytes."""

    def __init__(self, path: Path, columns: Sequence[Column]) -> None:
        self.path, self.keys = path, [c.key for c in columns]
        self._pick_from(self.keys)
        self._file = path.open("w", encoding="utf-8-sig", newline="")
        self._csv = csv.writer(self._file, lineterminator="\r\n")
        self._csv.writerow([neutralise_cell(k) for k in self.keys])
        self._pending: list[list[Any]] = []
        self._dates: dict[date, str] = {}  # few distinct dates: each formatted once
        self.count = 0

    def _cells(self, cells: Sequence[Any]) -> None:
        out: list[Any] = []
        append, dates = out.append, self._dates
        for value in cells:
            if value is None:
                append("")
            elif value.__class__ is str:
                append("'" + value if _formula_like(value) else value)
            elif value.__class__ is date:
                text = dates.get(value)
                if text is None:
                    text = dates[value] = value.isoformat()
                append(text)
            elif isinstance(value, str):
                append(neutralise_cell(value))
            else:
                append(_iso(value))
        self._pending.append(out)
        self.count += 1
        if len(self._pending) >= BATCH:
            self._flush()

    def _flush(self) -> None:
        self._csv.writerows(self._pending)
        self._pending = []

    def close(self) -> WrittenFile:
        self._flush()
        self._file.close()
        return WrittenFile(self.path, self.count)


class JsonWriter(_Writer):
    """`{"format", "period", "generated_at", "rows": [...], "exceptions": [...]}`, one row a line,
    keys in column order: the same rows give the same bytes but for `generated_at`.

    A row is put together from its keys (encoded once) and its values, byte for byte what
    `json.dumps(record, ensure_ascii=False, separators=(", ", ": "))` writes for the same record."""

    def __init__(self, path: Path, columns: Sequence[Column], *, format_name: str, period: str,
                 generated_at: str) -> None:
        self.path, self.keys = path, [c.key for c in columns]
        self._pick_from(self.keys)
        self._prefixes = [("{" if i == 0 else ", ") + encode_basestring(key) + ": "
                          for i, key in enumerate(self.keys)]
        self._file = path.open("w", encoding="utf-8", newline="\n")
        head = {"format": format_name, "period": period, "generated_at": generated_at}
        self._file.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "rows": [')
        self._pending: list[str] = []
        self._dates: dict[date, str] = {}
        self.count = 0

    def _cells(self, cells: Sequence[Any]) -> None:
        parts: list[str] = ["\n" if self.count == 0 else ",\n"]
        append, dates = parts.append, self._dates
        for prefix, value in zip(self._prefixes, cells, strict=True):
            append(prefix)
            if value is None:
                append("null")
            elif value.__class__ is str:
                append(encode_basestring(value))
            elif value.__class__ is int:
                append(int.__repr__(value))
            elif value.__class__ is date:
                text = dates.get(value)
                if text is None:
                    text = dates[value] = f'"{value.isoformat()}"'
                append(text)
            else:
                append(json.dumps(_iso(value), ensure_ascii=False))
        append("}")
        self._pending.append("".join(parts))
        self.count += 1
        if len(self._pending) >= BATCH:
            self._flush()

    def _flush(self) -> None:
        self._file.write("".join(self._pending))
        self._pending = []

    def close(self, exceptions: Iterable[ReportException] = ()) -> WrittenFile:
        self._flush()
        self._file.write("\n], \"exceptions\": [")
        for index, exception in enumerate(exceptions):
            record = exception.model_dump(exclude={"period"})
            self._file.write(("\n" if index == 0 else ",\n") + _dump(record))
        self._file.write("\n]}\n")
        self._file.close()
        return WrittenFile(self.path, self.count)


TEXT, DATE, NUMBER = "text", "date", "number"  # how an XLSX cell is written, by the column's type


def _dump(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(", ", ": "))


class XlsxWriter(_Writer):
    """The workbook: the report sheet (continued on `<name> 2`, … past `rows_per_sheet`), then, on
    close, the summary with its chart, the exceptions and the columns sheet."""

    def __init__(self, path: Path, columns: Sequence[Column], config: ReportConfig) -> None:
        self.path, self.columns, self.config = path, list(columns), config
        self.book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                                    "strings_to_formulas": False, "strings_to_urls": False})
        self.book.set_properties({"title": f"{config.format}", "comments": "odksync"})
        self.header = self.book.add_format({"bold": True, "text_wrap": True, "valign": "top",
                                            "bg_color": "#DDEBF7", "border": 1})
        self.date = self.book.add_format({"num_format": config.xlsx_date_format})
        self.quoted = self.book.add_format({"quote_prefix": True})
        self.keys = [c.key for c in self.columns]
        self._pick_from(self.keys)
        self._kinds = [DATE if c.type == "date" else NUMBER if c.type == "integer" else TEXT
                       for c in self.columns]
        self._serials: dict[date, int] = {}  # few distinct dates: each date's serial number worked out once
        self.sheets = 0
        self.count = 0
        self._new_sheet()

    def _new_sheet(self) -> None:
        self.sheets += 1
        name = self.config.sheets.report if self.sheets == 1 else f"{self.config.sheets.report} {self.sheets}"
        self.sheet = self.book.add_worksheet(name)
        for c, column in enumerate(self.columns):
            width = 12 if column.type == "date" else max(10, min(30, len(column.header_th)))
            self.sheet.set_column(c, c, width)
            self.sheet.write_string(0, c, column.header_th, self.header)
        self.sheet.freeze_panes(1, 0)
        self.sheet_row = 0

    def _cells(self, cells: Sequence[Any]) -> None:
        if self.sheet_row >= self.config.rows_per_sheet:
            self._new_sheet()
        self.sheet_row += 1
        r, sheet, serials = self.sheet_row, self.sheet, self._serials
        write_string, write_number = sheet.write_string, sheet.write_number
        for c, (kind, value) in enumerate(zip(self._kinds, cells, strict=True)):
            if value is None:
                continue
            if kind is TEXT:
                text = value if value.__class__ is str else str(value)
                if _formula_like(text):
                    write_string(r, c, text, self.quoted)
                else:
                    write_string(r, c, text)
            elif kind is DATE:
                serial = serials.get(value)
                if serial is None:
                    serial = serials[value] = (value - EXCEL_EPOCH).days
                write_number(r, c, serial, self.date)
            else:
                write_number(r, c, value)
        self.count += 1

    def close(self, summary: ReportSummary | None = None,
              exceptions: Sequence[ReportException] | None = None) -> WrittenFile:
        if summary is not None:
            self._summary(summary, len(exceptions or ()))
        if exceptions is not None:
            self._exceptions(exceptions)
        self._columns()
        self.book.close()
        return WrittenFile(self.path, self.count)

    def _summary(self, summary: ReportSummary, exceptions: int) -> None:
        sheet = self.book.add_worksheet(self.config.sheets.summary)
        headers = (["รหัส อปท.", "ชื่อ อปท."] + [lifecycle.label(code) for code in STATUS_COLUMNS]
                   + ["รวมแถวในรายงาน", "99 ถอนความยินยอม (นับเท่านั้น)", "ลบข้อมูลแล้ว (นับเท่านั้น)",
                      "ข้อยกเว้น", "ไม่มีความยินยอมให้ส่ง กสศ. (อยู่ในข้อยกเว้น)"])
        sheet.set_column(0, 0, 10)
        sheet.set_column(1, 1, 24)
        sheet.set_column(2, len(headers) - 1, 14)
        for c, text in enumerate(headers):
            sheet.write_string(0, c, text, self.header)
        r = 0
        for lao in summary.laos():
            r += 1
            sheet.write_string(r, 0, lao or "(ไม่ทราบ)")
            sheet.write_string(r, 1, lao_name(lao) or "")
            counts = [summary.rows.get((lao, code), 0) for code in STATUS_COLUMNS]
            extra = [sum(counts), summary.others.get((lao, WITHDRAWN), 0),
                     summary.others.get((lao, ERASED), 0),
                     summary.exceptions.get(lao, 0), summary.no_consent.get(lao, 0)]
            for c, value in enumerate([*counts, *extra], start=2):
                sheet.write_number(r, c, value)
        total_row = r + 1
        sheet.write_string(total_row, 0, "รวม", self.header)
        sheet.write_string(total_row, 1, "ทุก อปท.", self.header)
        by_status = summary.by_status()
        totals = [by_status.get(code, 0) for code in STATUS_COLUMNS]
        extra = [sum(totals), summary.total(WITHDRAWN), summary.total(ERASED), summary.exception_count,
                 summary.no_consent_count]
        for c, value in enumerate([*totals, *extra], start=2):
            sheet.write_number(total_row, c, value, self.header)
        notes = [
            f"งวดรายงาน {self.config.format}: แถวในรายงาน {summary.row_count:,} แถว, "
            f"ข้อยกเว้น {exceptions:,} รายการ (ดูแผ่นงาน {self.config.sheets.exceptions})",
            f"ถอนความยินยอม (99) {summary.total(WITHDRAWN):,} คน และลบข้อมูลแล้ว {summary.total(ERASED):,} คน: "
            "นับในสรุปนี้เท่านั้น ไม่มีในรายงาน",
            f"ปิดกรณีก่อนเริ่มงวด {summary.closed_before:,} คน: ไม่อยู่ในงวดนี้",
            f"ฐานทางกฎหมายในการเปิดเผยข้อมูลแก่ กสศ.: {self.config.disclosure.basis.value}; "
            f"ยังไม่มีความยินยอมให้เปิดเผยข้อมูลแก่ กสศ. {summary.no_consent_count:,} คน (อยู่ในข้อยกเว้น)"
            + (f"; ส่งแบบแฝงตัวตน {summary.pseudonymised:,} แถว" if summary.pseudonymised else ""),
        ]
        for offset, note in enumerate(notes, start=2):
            sheet.write_string(total_row + offset, 0, note)
        chart = self.book.add_chart({"type": "column"})
        name = self.config.sheets.summary
        chart.add_series({
            "name": "จำนวนเด็กตามสถานะแผน",
            "categories": [name, 0, 2, 0, 1 + len(STATUS_COLUMNS)],
            "values": [name, total_row, 2, total_row, 1 + len(STATUS_COLUMNS)],
            "data_labels": {"value": True},
        })
        chart.set_title({"name": "จำนวนเด็กตามสถานะแผน (ทุก อปท.)"})
        chart.set_legend({"none": True})
        chart.set_y_axis({"name": "จำนวนเด็ก (คน)"})
        chart.set_size({"width": 900, "height": 420})
        sheet.insert_chart(total_row + len(notes) + 3, 0, chart)

    def _exceptions(self, exceptions: Sequence[ReportException]) -> None:
        sheet = self.book.add_worksheet(self.config.sheets.exceptions)
        widths = (10, 18, 12, 14, 100)
        for c, (_, header) in enumerate(EXCEPTION_COLUMNS):
            sheet.set_column(c, c, widths[c])
            sheet.write_string(0, c, header, self.header)
        for r, exception in enumerate(exceptions, start=1):
            for c, (key, _) in enumerate(EXCEPTION_COLUMNS):
                value = getattr(exception, key)
                if isinstance(value, int):
                    sheet.write_number(r, c, value)
                elif value:
                    self._cell_text(sheet, r, c, str(value))

    def _columns(self) -> None:
        sheet = self.book.add_worksheet(self.config.sheets.columns)
        for c, (header, width) in enumerate((("key", 22), ("หัวคอลัมน์", 30), ("ชนิด", 10), ("ความหมาย", 100))):
            sheet.set_column(c, c, width)
            sheet.write_string(0, c, header, self.header)
        for r, column in enumerate(self.columns, start=1):
            for c, text in enumerate((column.key, column.header_th, column.type, column.meaning)):
                self._cell_text(sheet, r, c, text)

    def _cell_text(self, sheet: Any, r: int, c: int, text: str) -> None:
        if _formula_like(text):
            sheet.write_string(r, c, text, self.quoted)
        else:
            sheet.write_string(r, c, text)
