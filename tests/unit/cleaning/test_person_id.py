"""Table tests of clean_person_id: 13-digit IDs (0-series too), G-codes, typing noise (DOMAIN §2.1–2.2)."""

import pytest

from warehouse.cleaning import PersonId, clean_person_id

# (as entered, digits, kind, valid, flags)
CASES: list[tuple[str | None, str | None, str, bool, tuple[str, ...]]] = [
    # DOMAIN §2.1 test vectors
    # 1120 is no current district of province 11: a hint only, the ID stays valid
    ("1112034563562", "1112034563562", "citizen_id", True, ("unknown_registrar",)),
    ("3100600445635", "3100600445635", "citizen_id", True, ()),
    ("1101700230708", "1101700230708", "citizen_id", True, ()),
    ("1101700230703", "1101700230703", "citizen_id", False, ("check_digit",)),
    # separators, Thai digits, invisible characters and labels do not change the number
    ("1-1017-00230-70-8", "1101700230708", "citizen_id", True, ()),
    ("1 1017 00230 70 8", "1101700230708", "citizen_id", True, ()),
    ("1.1017.00230.70.8", "1101700230708", "citizen_id", True, ()),
    ("๑๑๐๑๗๐๐๒๓๐๗๐๘", "1101700230708", "citizen_id", True, ()),
    ("๑-๑๐๑๗-๐๐๒๓๐-๗๐-๘", "1101700230708", "citizen_id", True, ()),
    ("1101700\u200b230708", "1101700230708", "citizen_id", True, ()),
    ("  1101700230708\n", "1101700230708", "citizen_id", True, ()),
    ("เลขบัตร: 1-1017-00230-70-8", "1101700230708", "citizen_id", True, ()),
    ("ID 1101700230708", "1101700230708", "citizen_id", True, ()),
    # 0-series (stateless, บุคคลเลข 0): valid; a failing check digit is only flagged
    ("0100189001231", "0100189001231", "citizen_id", True, ()),
    ("0-1001-89001-23-1", "0100189001231", "citizen_id", True, ()),
    ("0100189001232", "0100189001232", "citizen_id", True, ("check_digit", "zero_series")),
    # a spreadsheet dropped the leading zero: kept, flagged, with the likely cause
    ("100189001231", "100189001231", "citizen_id", False, ("length", "leading_zero_lost")),
    # other series
    ("5700150012343", "5700150012343", "citizen_id", True, ()),  # registered minority
    ("6100100123455", "6100100123455", "citizen_id", True, ()),  # temporary, with passport
    ("6100100123456", "6100100123456", "citizen_id", False, ("check_digit",)),
    ("7309900123454", "7309900123454", "citizen_id", True, ()),  # municipal registrar 7399
    ("9101700230703", "9101700230703", "citizen_id", True, ("reserved_series",)),
    ("9101700230704", "9101700230704", "citizen_id", True, ("check_digit", "reserved_series")),
    # digits 2–3 are no province (digit 3 is invisible to the check digit)
    ("1999900123450", "1999900123450", "citizen_id", True, ("unknown_province",)),
    # digits 2–5 are no district of a real province
    ("1155000123457", "1155000123457", "citizen_id", True, ("unknown_registrar",)),
    # typed to get past the form
    ("0000000000001", "0000000000001", "citizen_id", False, ("placeholder", "unknown_province")),
    ("1111111111119", "1111111111119", "citizen_id", False, ("placeholder", "unknown_registrar")),
    ("1234567890121", "1234567890121", "citizen_id", False, ("placeholder", "unknown_registrar")),
    # wrong length
    ("110170023070", "110170023070", "citizen_id", False, ("length",)),
    ("11017002307088", "11017002307088", "citizen_id", False, ("length",)),
    ("11017", "11017", "citizen_id", False, ("length",)),
    # G-codes: "G" and 12 digits, nothing else is known
    ("G123456789012", "G123456789012", "g_code", True, ()),
    ("g123456789012", "G123456789012", "g_code", True, ()),
    ("G-1234-5678-9012", "G123456789012", "g_code", True, ()),
    ("G ๑๒๓๔ ๕๖๗๘ ๙๐๑๒", "G123456789012", "g_code", True, ()),
    ("จี123456789012", "G123456789012", "g_code", True, ()),
    ("G12345678901", "G12345678901", "g_code", False, ("length",)),
    ("G1234567890123", "G1234567890123", "g_code", False, ("length",)),
    ("G12345678901X", "G12345678901X", "g_code", False, ("non_digit",)),
    # nothing, or words for nothing
    (None, None, "missing", False, ()),
    ("", None, "missing", False, ()),
    ("   ", None, "missing", False, ()),
    ("-", None, "missing", False, ("placeholder",)),
    ("ไม่มี", None, "missing", False, ("placeholder",)),
    ("ไม่ทราบ", None, "missing", False, ("placeholder",)),
    ("N/A", None, "missing", False, ("placeholder",)),
    # not an ID at all, but kept
    ("1.10170023071E+12", None, "unknown", False, ("scientific_notation",)),
    ("passport AB123", "123", "unknown", False, ("non_digit",)),
    ("บัตรหาย", None, "unknown", False, ("non_digit", "no_digits")),
    ("1101700230708x", "1101700230708", "unknown", False, ("non_digit",)),
]


@pytest.mark.parametrize(("raw", "digits", "kind", "valid", "flags"), CASES)
def test_person_id(
    raw: str | None, digits: str | None, kind: str, valid: bool, flags: tuple[str, ...]
) -> None:
    result = clean_person_id(raw)
    assert (result.digits, result.kind, result.valid, result.flags) == (digits, kind, valid, flags)
    assert result.as_entered == raw


@pytest.mark.parametrize(("raw", "series"), [("0100189001231", "0"), ("1101700230708", "1"),
                                             ("9101700230703", "9"), ("G123456789012", None)])
def test_series_is_the_first_digit_of_a_13_digit_id(raw: str, series: str | None) -> None:
    assert clean_person_id(raw).series == series


def test_result_is_frozen() -> None:
    result = clean_person_id("1101700230708")
    assert isinstance(result, PersonId)
    with pytest.raises(AttributeError):
        result.valid = False  # type: ignore[misc]
