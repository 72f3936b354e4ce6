"""Table tests of clean_date, be_year_to_ce and age_at: Buddhist Era, Thai months and digits (DOMAIN §2.5)."""

from datetime import date, datetime

import pytest

from warehouse.cleaning import CleanDate, age_at, be_year_to_ce, clean_date

TODAY = date(2026, 11, 30)

# as entered → (value, flags, precision)
DATES: list[tuple[str, tuple[date | None, tuple[str, ...], str | None]]] = [
    # ODK dates: Gregorian ISO, sometimes with a time
    ("2021-06-11", (date(2021, 6, 11), (), "day")),
    ("2021-6-1", (date(2021, 6, 1), (), "day")),
    ("2021-06-11T10:30:00.000+07:00", (date(2021, 6, 11), (), "day")),
    ("2021-06-11 00:00:00", (date(2021, 6, 11), (), "day")),
    # a BE year in a CE field, +543 twice, −543 twice
    ("2564-06-11", (date(2021, 6, 11), ("buddhist_era",), "day")),
    ("3107-06-11", (date(2021, 6, 11), ("be_added_twice",), "day")),
    ("1478-06-11", (date(2021, 6, 11), ("be_subtracted_twice",), "day")),
    # Thai d/m/y with BE or CE years, any separator
    ("11/06/2564", (date(2021, 6, 11), ("buddhist_era",), "day")),
    ("11/6/2564", (date(2021, 6, 11), ("buddhist_era",), "day")),
    ("11-06-2564", (date(2021, 6, 11), ("buddhist_era",), "day")),
    ("11.06.2564", (date(2021, 6, 11), ("buddhist_era",), "day")),
    ("11 06 2564", (date(2021, 6, 11), ("buddhist_era",), "day")),
    ("11/06/2021", (date(2021, 6, 11), (), "day")),
    ("2564/06/11", (date(2021, 6, 11), ("buddhist_era",), "day")),
    ("11/6/64", (date(2021, 6, 11), ("two_digit_year", "buddhist_era"), "day")),
    ("1/1/99", (date(1956, 1, 1), ("two_digit_year", "buddhist_era"), "day")),  # 2499, not 2599
    ("11/6/21 ค.ศ.", (date(2021, 6, 11), ("two_digit_year",), "day")),
    # Thai digits
    ("๑๑/๖/๒๕๖๔", (date(2021, 6, 11), ("buddhist_era",), "day")),
    ("๒๕๖๔-๐๖-๑๑", (date(2021, 6, 11), ("buddhist_era",), "day")),
    # Thai month names, full and abbreviated, with and without dots, era words and fillers
    ("11 มิ.ย. 2564", (date(2021, 6, 11), ("buddhist_era",), "day")),
    ("11 มิย 2564", (date(2021, 6, 11), ("buddhist_era",), "day")),
    ("11มิ.ย.64", (date(2021, 6, 11), ("two_digit_year", "buddhist_era"), "day")),
    ("11-มิ.ย.-64", (date(2021, 6, 11), ("two_digit_year", "buddhist_era"), "day")),
    ("11 มิถุนายน 2564", (date(2021, 6, 11), ("buddhist_era",), "day")),
    ("11 มิถุนายน พ.ศ. 2564", (date(2021, 6, 11), ("buddhist_era",), "day")),
    ("วันที่ 11 เดือน มิถุนายน ปี 2564", (date(2021, 6, 11), ("buddhist_era",), "day")),
    ("๑๑ มิถุนายน ๒๕๖๔", (date(2021, 6, 11), ("buddhist_era",), "day")),
    ("1 ม.ค. 2550", (date(2007, 1, 1), ("buddhist_era",), "day")),
    ("29 ก.พ. 2563", (date(2020, 2, 29), ("buddhist_era",), "day")),
    ("15 มี.ค. 2555", (date(2012, 3, 15), ("buddhist_era",), "day")),
    ("30 เม.ย. 2556", (date(2013, 4, 30), ("buddhist_era",), "day")),
    ("31 พ.ค. 2557", (date(2014, 5, 31), ("buddhist_era",), "day")),
    ("31 ก.ค. 2558", (date(2015, 7, 31), ("buddhist_era",), "day")),
    ("31 กรกฏาคม 2558", (date(2015, 7, 31), ("buddhist_era",), "day")),  # common misspelling
    ("31 ส.ค. 2559", (date(2016, 8, 31), ("buddhist_era",), "day")),
    ("30 ก.ย. 2560", (date(2017, 9, 30), ("buddhist_era",), "day")),
    ("31 ต.ค. 2561", (date(2018, 10, 31), ("buddhist_era",), "day")),
    ("30 พ.ย. 2562", (date(2019, 11, 30), ("buddhist_era",), "day")),
    ("31 ธ.ค. 2562", (date(2019, 12, 31), ("buddhist_era",), "day")),
    ("18 มกราคม 2550", (date(2007, 1, 18), ("buddhist_era",), "day")),
    ("11 มิ.ย. 2021", (date(2021, 6, 11), (), "day")),  # CE year typed where BE is usual
    ("11 Jun 2021", (date(2021, 6, 11), (), "day")),
    # day and month: Thai writers put the day first; swapped only when the month cannot be one
    ("06/11/2564", (date(2021, 11, 6), ("buddhist_era",), "day")),
    ("11/13/2564", (date(2021, 11, 13), ("buddhist_era", "day_month_swapped"), "day")),
    ("2021-13-05", (date(2021, 5, 13), ("day_month_swapped",), "day")),
    ("12/31/2021", (date(2021, 12, 31), ("day_month_swapped",), "day")),
    # partial dates: the 1st of the month, 1 January of the year (CCC s.16, 43-file standard)
    ("มิ.ย. 2564", (date(2021, 6, 1), ("buddhist_era",), "month")),
    ("06/2564", (date(2021, 6, 1), ("buddhist_era",), "month")),
    ("2564", (date(2021, 1, 1), ("buddhist_era",), "year")),
    ("พ.ศ. 2564", (date(2021, 1, 1), ("buddhist_era",), "year")),
    ("ประมาณ 2550", (date(2007, 1, 1), ("approximate", "buddhist_era"), "year")),
    # compact forms
    ("20210611", (date(2021, 6, 11), (), "day")),
    ("11062564", (date(2021, 6, 11), ("buddhist_era",), "day")),
    # impossible days
    ("31/2/2564", (None, ("buddhist_era", "impossible"), None)),
    ("29/2/2564", (None, ("buddhist_era", "impossible"), None)),  # 2021 is no leap year
    ("32/1/2564", (None, ("buddhist_era", "impossible"), None)),
    ("2021-02-30", (None, ("impossible",), None)),
    ("13/13/2564", (None, ("buddhist_era", "impossible"), None)),
    # future and too old
    ("2027-01-01", (date(2027, 1, 1), ("future",), "day")),
    ("1 ม.ค. 2570", (date(2027, 1, 1), ("buddhist_era", "future"), "day")),
    ("1850-01-01", (date(1850, 1, 1), ("too_old",), "day")),
    # not dates
    ("hello", (None, ("unparsed",), None)),
    ("ไม่ทราบ", (None, ("unparsed",), None)),
    ("อายุ 12 ปี", (None, ("unparsed",), None)),
    ("1/2/3/4", (None, ("unparsed",), None)),
    ("11 มิ.ย.", (None, ("unparsed",), None)),
]


@pytest.mark.parametrize(("raw", "expected"), DATES)
def test_dates(raw: str, expected: tuple[date | None, tuple[str, ...], str | None]) -> None:
    result = clean_date(raw, today=TODAY)
    assert (result.value, result.flags, result.precision) == expected
    assert result.as_entered == raw


@pytest.mark.parametrize("be_year", range(2550, 2571))
def test_every_recent_buddhist_era_year(be_year: int) -> None:
    ce = be_year - 543
    for text in (f"15/3/{be_year}", f"15 มี.ค. {be_year}", f"{be_year}-03-15", f"15 มีนาคม พ.ศ. {be_year}"):
        result = clean_date(text, today=TODAY, allow_future=True)
        assert result.value == date(ce, 3, 15), text
        assert "buddhist_era" in result.flags
    assert be_year_to_ce(be_year, today=TODAY).value == ce
    assert be_year_to_ce(str(be_year), today=TODAY).value == ce


def test_future_dates_are_allowed_where_the_field_expects_them() -> None:
    assert clean_date("2027-01-01", today=TODAY, allow_future=True).flags == ()


def test_date_objects_and_nothing() -> None:
    assert clean_date(date(2021, 6, 11), today=TODAY) == CleanDate("2021-06-11", date(2021, 6, 11), (), "day")
    assert clean_date(datetime(2021, 6, 11, 10, 30), today=TODAY).value == date(2021, 6, 11)
    assert clean_date(None) == CleanDate(None)
    assert clean_date("   ", today=TODAY).value is None


# year_left_be and other BE year fields
YEARS: list[tuple[object, tuple[int | None, tuple[str, ...]]]] = [
    (2564, (2021, ("buddhist_era",))),
    ("2564", (2021, ("buddhist_era",))),
    (" ๒๕๖๔ ", (2021, ("buddhist_era",))),
    ("พ.ศ. 2560", (2017, ("buddhist_era",))),
    (2564.0, (2021, ("buddhist_era",))),  # a number from JSON
    ("2564.0", (2021, ("buddhist_era",))),
    (2540, (1997, ("buddhist_era",))),
    (2021, (2021, ("ce_given",))),
    ("64", (2021, ("two_digit_year",))),
    (2571, (2028, ("buddhist_era", "future"))),
    (3000, (None, ("impossible",))),
    (1500, (None, ("impossible",))),
    (0, (None, ("impossible",))),
    (-5, (None, ("unparsed",))),
    (2564.5, (None, ("unparsed",))),
    ("abc", (None, ("unparsed",))),
    (True, (None, ("unparsed",))),
    (None, (None, ())),
    ("", (None, ())),
]


@pytest.mark.parametrize(("raw", "expected"), YEARS)
def test_be_years(raw: object, expected: tuple[int | None, tuple[str, ...]]) -> None:
    result = be_year_to_ce(raw, today=TODAY)  # type: ignore[arg-type]
    assert (result.value, result.flags) == expected


@pytest.mark.parametrize(("birth", "on", "age"), [
    (date(2010, 6, 11), date(2021, 6, 10), 10),
    (date(2010, 6, 11), date(2021, 6, 11), 11),
    (date(2010, 6, 11), date(2021, 6, 12), 11),
    (date(2012, 2, 29), date(2021, 2, 28), 8),  # a leap-day birthday counts from 1 March
    (date(2012, 2, 29), date(2021, 3, 1), 9),
    (date(2012, 2, 29), date(2024, 2, 29), 12),
    (date(2021, 6, 11), date(2021, 6, 11), 0),
    (date(2011, 12, 31), date(2026, 1, 1), 14),
])
def test_age_at(birth: date, on: date, age: int) -> None:
    assert age_at(birth, on) == age
