"""Seeded random inputs: no cleaning function raises, whatever it is given, and each keeps its input."""

import math
import random
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

import pytest

from warehouse.cleaning import (
    CleanDate,
    DopaCheck,
    LaoCheck,
    PersonId,
    PersonName,
    Phone,
    YearResult,
    be_year_to_ce,
    check_dopa_code,
    check_lao_code,
    clean_date,
    clean_house_number,
    clean_name,
    clean_person_id,
    clean_phone,
    scan_free_text,
    split_select_multiple,
)

ALPHABET = (
    [chr(c) for c in range(0x0E01, 0x0E5C)]  # Thai letters, vowels, tone marks, digits
    + list("0123456789" * 4)
    + list(" -./:()[]\"'“”,;+#G") + list("ด.ช.น.ส.ม.ค.ก.ย.พ.ศ.")
    + ["\u200b", "\u200d", "\ufeff", "\u00a0", "\n", "\t", "\x00", "\x1b", "\ud800", "😀", "é", "E", "e"]
)
SAMPLES = ["1101700230708", "G123456789012", "ด.ช.", "เด็กหญิง", "ชื่อเล่น", "น้อง", "(ต้น)", "2564",
           "มิ.ย.", "+66", "081-234-5678", "9/9", "ก.ย.", "ณ อยุธยา", "<script>", "'; DROP TABLE x;--"]

OTHERS: list[object] = [None, True, False, 0, -1, 2564, 10**30, 1.5, 2564.0, math.nan, math.inf, -math.inf,
                        Decimal("2564"), b"\xff\xfe", ["a", "b"], {"a": 1}, (), date(2021, 6, 11),
                        datetime(2021, 6, 11, 10, 30), object()]


def random_text(rng: random.Random) -> str:
    size = rng.randint(0, 30)
    parts = [rng.choice(SAMPLES) if rng.random() < 0.2 else rng.choice(ALPHABET) for _ in range(size)]
    text = "".join(parts)
    return text * rng.randint(1, 2000) if rng.random() < 0.002 else text  # now and then a huge one


FUNCTIONS: list[tuple[str, Callable[[object], object], type | None]] = [
    ("clean_person_id", lambda x: clean_person_id(x), PersonId),  # type: ignore[arg-type]
    ("clean_name_first", lambda x: clean_name(x, "ใจดี"), PersonName),  # type: ignore[arg-type]
    ("clean_name_all", lambda x: clean_name(x, x, title=x, nickname=x), PersonName),  # type: ignore[arg-type]
    ("clean_name_nick_first", lambda x: clean_name(x, None, nickname_field_is_first=True), PersonName),  # type: ignore[arg-type]
    ("clean_date", lambda x: clean_date(x, today=date(2026, 11, 30)), CleanDate),  # type: ignore[arg-type]
    ("be_year_to_ce", lambda x: be_year_to_ce(x), YearResult),  # type: ignore[arg-type]
    ("clean_phone", clean_phone, Phone),
    ("clean_house_number", clean_house_number, None),
    ("check_lao_code", check_lao_code, LaoCheck),
    ("check_dopa_code", check_dopa_code, DopaCheck),
    ("split_select_multiple", split_select_multiple, tuple),
    ("scan_free_text", scan_free_text, tuple),
]


@pytest.mark.parametrize(("name", "function", "result_type"), FUNCTIONS, ids=[f[0] for f in FUNCTIONS])
def test_no_function_raises_on_random_text(
    name: str, function: Callable[[object], object], result_type: type | None
) -> None:
    rng = random.Random(f"cleaning-{name}")
    for _ in range(3000):
        text = random_text(rng)
        result = function(text)  # must not raise
        if result_type is None:
            assert result is None or isinstance(result, str), repr(text)
        else:
            assert isinstance(result, result_type), repr(text)


@pytest.mark.parametrize(("name", "function", "result_type"), FUNCTIONS, ids=[f[0] for f in FUNCTIONS])
def test_no_function_raises_on_values_of_other_types(
    name: str, function: Callable[[object], object], result_type: type | None
) -> None:
    for value in OTHERS:
        result = function(value)
        assert result_type is None or isinstance(result, result_type), (name, value)


def test_what_was_entered_is_kept() -> None:
    rng = random.Random("as-entered")
    for _ in range(2000):
        text = random_text(rng)
        if not text.strip():
            continue
        assert clean_person_id(text).as_entered == text
        assert clean_date(text, today=date(2026, 11, 30)).as_entered == text
        assert clean_phone(text).as_entered == text
        name = clean_name(text, None)
        assert name.as_entered == text.strip()


def test_dates_found_in_random_text_are_real_dates() -> None:
    rng = random.Random("dates")
    for _ in range(5000):
        text = random_text(rng)
        result = clean_date(text, today=date(2026, 11, 30))
        assert result.value is None or isinstance(result.value, date)
        assert (result.value is None) == (result.precision is None), repr(text)
