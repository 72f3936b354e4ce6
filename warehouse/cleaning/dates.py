"""Dates and years as entered: ISO, d/m/y in either era, Thai month names and digits."""

from __future__ import annotations

from datetime import date

from warehouse.cleaning.results import CleanDate, YearResult
from warehouse.cleaning.text import arabic_digits, as_text

BE_OFFSET = 543  # 2564 BE = 2021 CE


def clean_date(raw: str | date | None, *, allow_future: bool = False, today: date | None = None) -> CleanDate:
    """A date as entered, understood as a Gregorian date where that is certain."""
    if isinstance(raw, date):
        return CleanDate(as_entered=raw.isoformat(), value=raw, precision="day")
    text = as_text(raw)
    if text is None:
        return CleanDate(as_entered=None)
    try:
        return CleanDate(as_entered=text, value=date.fromisoformat(arabic_digits(text)), precision="day")
    except ValueError:
        return CleanDate(as_entered=text, flags=("unparsed",))


def be_year_to_ce(year: int | str | None) -> YearResult:
    """A Buddhist-Era year (e.g. `year_left_be`) as a Gregorian year."""
    text = as_text(year)
    if text is None:
        return YearResult(as_entered=None)
    digits = arabic_digits(text)
    if not digits.isdigit():
        return YearResult(as_entered=text, flags=("unparsed",))
    return YearResult(as_entered=text, value=int(digits) - BE_OFFSET, flags=("buddhist_era",))


def age_at(birth: date, on: date) -> int:
    """Completed years of age on a day (a 29 February birthday counts from 1 March in other years)."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
