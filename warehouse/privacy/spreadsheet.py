"""Spreadsheet formula injection: a cell a spreadsheet would run as a formula is made plain text.

Excel, LibreOffice and Google Sheets treat a cell starting with `=`, `+`, `-` or `@` as a formula
(`=HYPERLINK(...)`, `=cmd|' /C calc'!A0`), and a leading tab or carriage return can hide one. Every
CSV writer passes each cell through `neutralise_cell` (OWASP's advice: prefix a single quote) or uses
`write_csv`; every XLSX writer appends rows through `xlsx_row`, which keeps the text exactly and
stores it as a quote-prefixed text cell.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import IO, Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def is_formula_like(value: str) -> bool:
    """True when a spreadsheet could read this text as a formula (after leading spaces, too)."""
    stripped = value.lstrip(" \u00a0")
    return bool(stripped) and stripped.startswith(FORMULA_STARTS)


def neutralise_cell(value: Any) -> Any:
    """The value as it may go into a cell: formula-like text gets a leading `'`; numbers stay numbers.

    A negative number written as a number is no formula; the same text (`"-5"`) from a form is
    quoted, because the writer cannot know the cell will be read as a number.
    """
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value


def neutralise_row(row: Iterable[Any]) -> list[Any]:
    return [neutralise_cell(v) for v in row]


def write_csv(handle: IO[str], header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write a CSV whose every cell (header included) is neutralised; returns the rows written."""
    writer = csv.writer(handle, lineterminator="\r\n")
    writer.writerow(neutralise_row(header))
    count = 0
    for row in rows:
        writer.writerow(neutralise_row(row))
        count += 1
    return count


def xlsx_row(worksheet: Any, row: Iterable[Any]) -> list[Any]:
    """The row as `worksheet.append` should take it: formula-like text becomes a plain text cell.

    In XLSX the value is kept exactly (no added quote): the cell is written as a string with
    Excel's quote-prefix flag, so no spreadsheet evaluates it, even after someone edits the cell.
    Works for normal and write-only openpyxl worksheets.
    """
    from openpyxl.cell import WriteOnlyCell

    out: list[Any] = []
    for value in row:
        if isinstance(value, str) and is_formula_like(value):
            cell = WriteOnlyCell(worksheet, value=value)
            cell.data_type = "s"
            cell.quotePrefix = True
            out.append(cell)
        else:
            out.append(value)
    return out
