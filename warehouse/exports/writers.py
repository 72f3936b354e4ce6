"""An agency's rows as file bytes: CSV (UTF-8 with BOM), XLSX (Thai headers) or JSON.

Every CSV and XLSX cell goes through the formula-injection neutraliser (warehouse/privacy/spreadsheet).
"""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime
from typing import Any

from warehouse.exports.agencies import EXTRA_FIELDS
from warehouse.exports.build import ExportRows
from warehouse.exports.report_keys import thai_headers
from warehouse.privacy.spreadsheet import write_csv, xlsx_row

EXPORT_FORMAT = "odksync-agency-export/1"
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
BE_DATE_FORMAT = "[$-107041E]dd/mm/yyyy"  # Thai locale, Buddhist calendar: a date cell shown in BE


def header_th(column: str) -> str:
    return thai_headers().get(column) or EXTRA_FIELDS.get(column) or column


def render(export: ExportRows, *, generated_at: datetime | None = None) -> bytes:
    """The file's bytes in the agency's format."""
    fmt = export.agency.format
    if fmt == "csv":
        return _csv(export)
    if fmt == "json":
        return _json(export, generated_at or datetime.now(UTC))
    return _xlsx(export)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return value


def _csv(export: ExportRows) -> bytes:
    handle = io.StringIO()
    handle.write("\ufeff")  # Excel on Thai Windows needs the BOM to read UTF-8
    write_csv(handle, export.columns, ([_cell(r[c]) for c in export.columns] for r in export.rows))
    return handle.getvalue().encode("utf-8")


def _json(export: ExportRows, generated_at: datetime) -> bytes:
    document = {
        "format": EXPORT_FORMAT, "agency": export.agency.id, "period": export.period,
        "generated_at": generated_at.isoformat(), "columns": list(export.columns),
        "rows": [{c: _cell(r[c]) if isinstance(r[c], date) else r[c] for c in export.columns}
                 for r in export.rows],
        "excluded": export.excluded,
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def _xlsx(export: ExportRows) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet("ข้อมูล")
    sheet.append(xlsx_row(sheet, [header_th(c) for c in export.columns]))
    for row in export.rows:
        cells: list[Any] = []
        for column in export.columns:
            value = row[column]
            if isinstance(value, date):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = BE_DATE_FORMAT
                cells.append(cell)
            else:
                cells.extend(xlsx_row(sheet, ["" if value is None else value]))
        sheet.append(cells)
    columns = book.create_sheet("columns")
    columns.append(["key", "หัวคอลัมน์"])
    for column in export.columns:
        columns.append([column, header_th(column)])
    summary = book.create_sheet("สรุป")
    summary.append(["หน่วยงาน", export.agency.name])
    summary.append(["งวด", export.period])
    summary.append(["จำนวนแถว", len(export.rows)])
    for reason, count in export.excluded.items():
        summary.append([f"ไม่รวม: {reason}", count])
    book.properties.creator = "odksync"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
