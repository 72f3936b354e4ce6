"""Table tests of clean_phone (national format) and clean_house_number (text, never a date)."""

import pytest

from warehouse.cleaning import Phone, clean_house_number, clean_phone

# as entered → (national, kind, valid, flags)
PHONES: list[tuple[object, tuple[str | None, str, bool, tuple[str, ...]]]] = [
    ("0812345678", ("0812345678", "mobile", True, ())),
    ("081-234-5678", ("0812345678", "mobile", True, ())),
    ("081 234 5678", ("0812345678", "mobile", True, ())),
    ("(081) 234-5678", ("0812345678", "mobile", True, ())),
    ("+66812345678", ("0812345678", "mobile", True, ())),
    ("+66 81 234 5678", ("0812345678", "mobile", True, ())),
    ("+66-81-234-5678", ("0812345678", "mobile", True, ())),
    ("66812345678", ("0812345678", "mobile", True, ())),
    ("0066812345678", ("0812345678", "mobile", True, ())),
    ("+66 0812345678", ("0812345678", "mobile", True, ())),
    ("๐๘๑-๒๓๔-๕๖๗๘", ("0812345678", "mobile", True, ())),
    ("0612345678", ("0612345678", "mobile", True, ())),
    ("0912345678", ("0912345678", "mobile", True, ())),
    ("โทร 081-234-5678", ("0812345678", "mobile", True, ())),
    ("เบอร์โทร: 0812345678", ("0812345678", "mobile", True, ())),
    ("Tel. +66 2 123 4567", ("021234567", "landline", True, ())),
    ("02-123-4567", ("021234567", "landline", True, ())),
    ("053 123 456", ("053123456", "landline", True, ())),
    ("(02) 123 4567 ต่อ 12", ("021234567", "landline", True, ("extension",))),
    ("081-234-5678, 089-999-9999", ("0812345678", "mobile", True, ("several_numbers",))),
    ("0812345678 หรือ 0899999999", ("0812345678", "mobile", True, ("several_numbers",))),
    ("0812345678/0899999999", ("0812345678", "mobile", True, ("several_numbers",))),
    # a spreadsheet dropped the leading zero, or stored a number
    ("812345678", ("0812345678", "mobile", True, ("leading_zero_lost",))),
    (812345678, ("0812345678", "mobile", True, ("leading_zero_lost",))),
    ("812345678.0", ("0812345678", "mobile", True, ("leading_zero_lost",))),
    ("21234567", ("021234567", "landline", True, ("leading_zero_lost",))),
    # wrong length or prefix: kept, flagged
    ("08123", ("08123", "mobile", False, ("length",))),
    ("081234567", ("081234567", "mobile", False, ("length",))),
    ("081234567890", ("081234567890", "mobile", False, ("length",))),
    ("0212345678", ("0212345678", "landline", False, ("length",))),
    ("0123456789", ("0123456789", "unknown", False, ("prefix",))),
    ("1234567890", ("1234567890", "unknown", False, ("prefix",))),
    ("08l2345678", ("082345678", "mobile", False, ("non_digit", "length"))),
    ("1300", ("1300", "unknown", False, ("short_code",))),
    # nothing
    (None, (None, "missing", False, ())),
    ("", (None, "missing", False, ())),
    ("-", (None, "missing", False, ("placeholder",))),
    ("ไม่มี", (None, "missing", False, ("placeholder",))),
    ("ไม่มีโทรศัพท์", (None, "unknown", False, ("non_digit",))),
]


@pytest.mark.parametrize(("raw", "expected"), PHONES)
def test_phones(raw: object, expected: tuple[str | None, str, bool, tuple[str, ...]]) -> None:
    result = clean_phone(raw)
    assert isinstance(result, Phone)
    assert (result.national, result.kind, result.valid, result.flags) == expected


HOUSES: list[tuple[object, str | None]] = [
    ("9/9", "9/9"),
    ("12/3", "12/3"),
    ("12/3 ม.4", "12/3 ม.4"),
    ("12/3 ม. 4", "12/3 ม.4"),
    ("12/3 หมู่ 4", "12/3 ม.4"),
    ("12/3 หมู่ที่ 4", "12/3 ม.4"),
    ("12 / 3", "12/3"),
    ("99/1 ม.10 ซอย 3", "99/1 ม.10 ซอย 3"),
    ("45", "45"),
    ("45 ก", "45 ก"),
    ("123/45-6", "123/45-6"),
    ("บ้านเลขที่ 45/2", "45/2"),
    ("เลขที่ 45", "45"),
    ("๔๕/๑", "45/1"),
    ("  9/9  ", "9/9"),
    ("9\u200b/9", "9/9"),
    # numbers from a spreadsheet cell
    (45, "45"),
    (45.0, "45"),
    ("45.0", "45"),
    # a spreadsheet read x/y as a date (DOMAIN §2.3): turned back
    ("9-ก.ย.", "9/9"),
    ("1-ม.ค.", "1/1"),
    ("19-พ.ค.", "19/5"),
    ("9 ก.ย.", "9/9"),
    ("12-มี.ค.", "12/3"),
    ("9-ก.ย.-69", "9/9"),
    ("9-Sep", "9/9"),
    ("2026-09-09", "9/9"),
    ("2026-03-12", "12/3"),
    ("2026-03-12 00:00:00", "12/3"),
    # nothing
    (None, None),
    ("", None),
    ("-", None),
    ("ไม่มี", None),
    ("ไม่มีบ้านเลขที่", None),
]


@pytest.mark.parametrize(("raw", "expected"), HOUSES)
def test_house_numbers(raw: object, expected: str | None) -> None:
    assert clean_house_number(raw) == expected
