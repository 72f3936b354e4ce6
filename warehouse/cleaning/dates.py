"""Dates and years as entered: ISO, d/m/y in either era, Thai month names, Thai digits (DOMAIN §2.5).

ODK date widgets store Gregorian ISO dates; Buddhist-Era years come in through free text,
spreadsheets and year questions such as `year_left_be`. Thai writers put the day first.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache

from warehouse.cleaning.results import CleanDate, DatePrecision, YearResult
from warehouse.cleaning.text import CACHED_LENGTH, THAI_DIGITS

BE_OFFSET = 543  # 2564 BE = 2021 CE
OLDEST_YEAR = 1900  # no child or guardian in the programme was born before this (CE)

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        ("มกราคม", "มกรา", "มค", "jan", "january"),
        ("กุมภาพันธ์", "กุมภา", "กพ", "feb", "february"),
        ("มีนาคม", "มีนา", "มีค", "mar", "march"),
        ("เมษายน", "เมษา", "เมย", "apr", "april"),
        ("พฤษภาคม", "พฤษภา", "พค", "may"),
        ("มิถุนายน", "มิถุนา", "มิย", "jun", "june"),
        ("กรกฎาคม", "กรกฏาคม", "กรกฎา", "กรกฏา", "กค", "jul", "july"),
        ("สิงหาคม", "สิงหา", "สค", "aug", "august"),
        ("กันยายน", "กันยา", "กย", "sep", "sept", "september"),
        ("ตุลาคม", "ตุลา", "ตค", "oct", "october"),
        ("พฤศจิกายน", "พฤศจิกา", "พย", "nov", "november"),
        ("ธันวาคม", "ธันวา", "ธค", "dec", "december"),
    ),
    start=1,
):
    for _name in _names:
        _MONTHS[_name] = _number

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[t ][0-9:.]*(?:z|[+-]\d{2}:?\d{2})?)?$")
_ERA_BE = re.compile(r"พ\s*\.?\s*ศ\s*\.?|b\.?e\.?(?![a-z])")
_ERA_CE = re.compile(r"ค\s*\.?\s*ศ\s*\.?|a\.?d\.?(?![a-z])|c\.?e\.?(?![a-z])")
_APPROX = re.compile(r"ประมาณ|ราว|~|circa|approx")
_FILLER = re.compile(r"วันที่|เดือน|ปี|ที่|เกิด|วัน|[,/\-.]")
_WORD = re.compile(r"[a-z]+|[\u0e01-\u0e4e.]+")
_NUMBER = re.compile(r"\d+")


def clean_date(
    raw: str | date | None, *, allow_future: bool = False, today: date | None = None
) -> CleanDate:
    """A date as entered, read as a Gregorian date where the reading is certain.

    Flags: "buddhist_era" (a BE year converted), "be_added_twice" / "be_subtracted_twice"
    (a year 543 off either way), "two_digit_year" (read as 25YY BE), "day_month_swapped"
    (only when the month would be over 12 otherwise), "impossible" (no such day: value None),
    "future", "too_old" (before 1900), "approximate", "unparsed". A year alone is 1 January
    (precision "year"), a month and year the 1st (precision "month"), per the 43-file standard
    and CCC s.16. `today` should be the visit or submission date; it defaults to the clock.
    """
    try:
        return _clean_date(raw, allow_future=allow_future, today=today or date.today())
    except Exception:  # never stop a batch on one odd value
        return CleanDate(as_entered=_as_entered(raw), flags=("unparsed",))


def _as_entered(raw: object) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, date):
        return raw.isoformat()
    return raw if isinstance(raw, str) else repr(raw)


def _clean_date(raw: object, *, allow_future: bool, today: date) -> CleanDate:
    if isinstance(raw, datetime):
        raw = raw.date()
    if isinstance(raw, date):
        return _judge(raw.isoformat(), raw, (), "day", allow_future=allow_future, today=today)
    if raw is None:
        return CleanDate(as_entered=None)
    text = raw if isinstance(raw, str) else str(raw)
    if not text.strip():
        return CleanDate(as_entered=text if text else None)
    parse = _parse if len(text) <= CACHED_LENGTH else _parse.__wrapped__
    value, flags, precision = parse(text, today.year)
    return _judge(text, value, flags, precision, allow_future=allow_future, today=today)


def _judge(
    text: str,
    value: date | None,
    flags: tuple[str, ...],
    precision: DatePrecision | None,
    *,
    allow_future: bool,
    today: date,
) -> CleanDate:
    out = list(flags)
    if value is not None:
        if value > today and not allow_future:
            out.append("future")
        if value.year < OLDEST_YEAR:
            out.append("too_old")
    return CleanDate(as_entered=text, value=value, flags=tuple(out), precision=precision)


def _year(number: int, digits: int, era: str | None, this_year: int) -> tuple[int | None, tuple[str, ...]]:
    """A written year as CE, with how it was read; None when no reading is plausible."""
    if digits <= 2 and era == "ce":
        year = 2000 + number
        return (year if year <= this_year + 1 else year - 100), ("two_digit_year",)
    if digits <= 2:
        year = 2500 + number - BE_OFFSET
        if year > this_year + 1:
            year -= 100  # "99" is 2499 BE (1956), not a year to come
        return year, ("two_digit_year", "buddhist_era")
    if era == "be" or (era is None and number > this_year + 1):
        if OLDEST_YEAR <= number - BE_OFFSET <= this_year + 1:
            return number - BE_OFFSET, ("buddhist_era",)
        if OLDEST_YEAR <= number - 2 * BE_OFFSET <= this_year + 1:
            return number - 2 * BE_OFFSET, ("be_added_twice",)
        return (number - BE_OFFSET, ("buddhist_era",)) if era == "be" else (number, ())
    if number < OLDEST_YEAR and OLDEST_YEAR <= number + BE_OFFSET <= this_year + 1:
        return number + BE_OFFSET, ("be_subtracted_twice",)
    return number, ()


@lru_cache(maxsize=65536)
def _parse(text: str, this_year: int) -> tuple[date | None, tuple[str, ...], DatePrecision | None]:
    s = text.translate(THAI_DIGITS).strip().lower()
    m = _ISO.match(s)
    if m:
        year, iso_flags = _year(int(m.group(1)), 4, None, this_year)
        return _make(year, int(m.group(2)), int(m.group(3)), iso_flags, day_first=False)
    flags: tuple[str, ...] = ()
    era: str | None = None
    if _ERA_BE.search(s):
        era, s = "be", _ERA_BE.sub(" ", s)
    elif _ERA_CE.search(s):
        era, s = "ce", _ERA_CE.sub(" ", s)
    if _APPROX.search(s):
        flags += ("approximate",)
        s = _APPROX.sub(" ", s)
    month: int | None = None
    month_at = 0
    for word_match in _WORD.finditer(s):
        key = word_match.group(0).replace(".", "")
        if key in _MONTHS:
            month, month_at = _MONTHS[key], word_match.start()
            s = s[:month_at] + " " + s[word_match.end():]
            break
    numbers = _NUMBER.findall(s)
    leftover = _NUMBER.sub(" ", _FILLER.sub(" ", s)).strip(" :()")
    if leftover or not numbers:
        return None, ("unparsed",), None
    if month is not None:
        if len(numbers) == 2:
            year, yflags = _year(int(numbers[1]), len(numbers[1]), era, this_year)
            return _make(year, month, int(numbers[0]), flags + yflags, day_first=True)
        year_after = s.find(numbers[0]) > month_at  # "มิ.ย. 64" has a year, "11 มิ.ย." has none
        if len(numbers) == 1 and (len(numbers[0]) == 4 or (len(numbers[0]) == 2 and year_after)):
            year, yflags = _year(int(numbers[0]), len(numbers[0]), era, this_year)
            return _make(year, month, 1, flags + yflags, day_first=True, precision="month")
        return None, ("unparsed",), None
    if len(numbers) == 1 and len(numbers[0]) == 8:
        n = numbers[0]  # YYYYMMDD (the 43-file standard) or DDMMYYYY
        if int(n[:4]) >= OLDEST_YEAR:
            year, yflags = _year(int(n[:4]), 4, era, this_year)
            return _make(year, int(n[4:6]), int(n[6:]), flags + yflags, day_first=False)
        year, yflags = _year(int(n[4:]), 4, era, this_year)
        return _make(year, int(n[2:4]), int(n[:2]), flags + yflags, day_first=True)
    if len(numbers) == 1 and len(numbers[0]) == 4:
        year, yflags = _year(int(numbers[0]), 4, era, this_year)
        return _make(year, 1, 1, flags + yflags, day_first=True, precision="year")
    if len(numbers) == 2 and len(numbers[1]) == 4 and len(numbers[0]) <= 2:
        year, yflags = _year(int(numbers[1]), 4, era, this_year)
        return _make(year, int(numbers[0]), 1, flags + yflags, day_first=True, precision="month")
    if len(numbers) == 3 and all(len(n) <= 4 for n in numbers):
        if len(numbers[0]) == 4:  # 2564/06/11: year first, then month and day
            year, yflags = _year(int(numbers[0]), 4, era, this_year)
            return _make(year, int(numbers[1]), int(numbers[2]), flags + yflags, day_first=False)
        if len(numbers[2]) in (2, 4) and len(numbers[0]) <= 2 and len(numbers[1]) <= 2:
            year, yflags = _year(int(numbers[2]), len(numbers[2]), era, this_year)
            return _make(year, int(numbers[1]), int(numbers[0]), flags + yflags, day_first=True)
    return None, ("unparsed",), None


def _make(
    year: int | None,
    month: int,
    day: int,
    flags: tuple[str, ...],
    *,
    day_first: bool,
    precision: DatePrecision = "day",
) -> tuple[date | None, tuple[str, ...], DatePrecision | None]:
    """The date, swapping day and month only when the month cannot be a month but the day can."""
    if year is None or not 1 <= year <= 9999:
        return None, (*flags, "impossible"), None
    if month > 12 and 1 <= day <= 12 and precision == "day":
        month, day = day, month
        flags = (*flags, "day_month_swapped")
    try:
        return date(year, month, day), flags, precision
    except ValueError:
        return None, (*flags, "impossible"), None


def be_year_to_ce(year: int | str | None, *, today: date | None = None) -> YearResult:
    """A Buddhist-Era year (e.g. `year_left_be`) as a Gregorian year.

    2400–2700 are BE and lose 543 ("buddhist_era"); a plausible CE year is kept with
    "ce_given"; two digits are read as 25YY ("two_digit_year"); anything else is "impossible"
    or "unparsed" with no value. "future" when after `today`'s year (the clock if not given).
    """
    try:
        return _be_year(year, (today or date.today()).year)
    except Exception:
        return YearResult(as_entered=_as_entered(year), flags=("unparsed",))


def _be_year(year: object, this_year: int) -> YearResult:
    if year is None or isinstance(year, bool):
        if year is None:
            return YearResult(as_entered=None)
        return YearResult(as_entered=repr(year), flags=("unparsed",))
    if isinstance(year, float):
        if not year.is_integer():
            return YearResult(as_entered=repr(year), flags=("unparsed",))
        year = int(year)
    text = year if isinstance(year, str) else str(year)
    s = _ERA_BE.sub("", text.translate(THAI_DIGITS).strip().lower()).strip()
    s = s.removesuffix(".0")
    if not s:
        return YearResult(as_entered=text or None)
    if not (s.isascii() and s.isdigit()):
        return YearResult(as_entered=text, flags=("unparsed",))
    number = int(s)
    flags: tuple[str, ...]
    if len(s) == 2:
        value, flags = _year(number, 2, "be", this_year)
        flags = ("two_digit_year",)
    elif 2400 <= number <= 2700:
        value, flags = number - BE_OFFSET, ("buddhist_era",)
    elif OLDEST_YEAR <= number <= this_year + 1:
        value, flags = number, ("ce_given",)
    else:
        return YearResult(as_entered=text, flags=("impossible",))
    if value is not None and value > this_year:
        flags = (*flags, "future")
    return YearResult(as_entered=text, value=value, flags=flags)


def age_at(birth: date, on: date) -> int:
    """Completed years of age on a day; a 29 February birthday counts from 1 March in other years."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
