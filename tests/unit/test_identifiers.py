"""Table tests of the Thai ID and G-code validator against DOMAIN.md §2.1 and §2.2."""

import pytest

from warehouse.identifiers import (
    normalize_identifier,
    th_id_check_digit,
    validate_g_code,
    validate_identifier,
    validate_thai_id,
)

# (id, valid, id_kind, warning codes, error codes)
CASES = [
    # DOMAIN §2.1 test vectors
    ("1112034563562", True, "thai_on_time", set(), set()),
    ("3100600445635", True, "house_register_before_1984", set(), set()),
    ("1234545678781", True, "thai_on_time", set(), set()),
    ("1101700230708", True, "thai_on_time", set(), set()),
    ("1101700230703", False, "thai_on_time", set(), {"check_digit"}),
    # 0-series: accepted; a failing check digit is only a warning
    ("0100589000127", True, "no_registration_status", set(), set()),
    ("0100589000128", True, "no_registration_status", {"check_digit_0_series"}, set()),
    # 9-series: reserved, always flagged, never rejected
    ("9101000000012", True, "reserved", {"reserved_series"}, set()),
    ("9101000000013", True, "reserved", {"reserved_series"}, set()),
    # digit 3 changed (81 → 89): the check digit cannot see it, the province list can
    ("1890100000011", True, "thai_on_time", {"unknown_province"}, set()),
    ("1840100000011", True, "thai_on_time", set(), set()),
    ("5200100550010", True, "added_to_register_later", set(), set()),
]


@pytest.mark.parametrize(("value", "valid", "kind", "warnings", "errors"), CASES)
def test_thai_id_verdicts(
    value: str, valid: bool, kind: str, warnings: set[str], errors: set[str]
) -> None:
    verdict = validate_thai_id(value)
    assert verdict.valid is valid
    assert verdict.id_kind == kind
    assert {w.code for w in verdict.warnings} == warnings
    assert {e.code for e in verdict.errors} == errors


@pytest.mark.parametrize(
    ("first12", "digit"),
    [("111203456356", 2), ("310060044563", 5), ("123454567878", 1), ("110170023070", 8)],
)
def test_check_digit(first12: str, digit: int) -> None:
    assert th_id_check_digit(first12) == digit


@pytest.mark.parametrize("bad", ["", "11120345635", "1a1203456356", "1112034563562"])
def test_check_digit_refuses_wrong_input(bad: str) -> None:
    with pytest.raises(ValueError):
        th_id_check_digit(bad)


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("1-1120-34563-56-2", "1112034563562"),
        ("๑๑๑๒๐๓๔๕๖๓๕๖๒", "1112034563562"),
        ("1112034\u200b563562", "1112034563562"),
        (" g123456789012 ", "G123456789012"),
    ],
)
def test_normalize(raw: str, normalized: str) -> None:
    assert normalize_identifier(raw) == normalized
    assert validate_identifier(raw).normalized == normalized


@pytest.mark.parametrize("raw", ["111203456356", "11120345635620", "ABCDEFGHIJKLM", ""])
def test_wrong_length_is_invalid(raw: str) -> None:
    verdict = validate_thai_id(raw)
    assert not verdict.valid
    assert [e.code for e in verdict.errors] == ["not_13_digits"]


def test_subgroups() -> None:
    assert validate_thai_id("0100589000127").subgroup == "stateless_survey_2005"
    assert validate_thai_id("5200155000011").subgroup == "registered_minority"
    assert validate_thai_id("1112034563562").subgroup is None


@pytest.mark.parametrize(
    ("raw", "valid"),
    [("G123456789012", True), ("g123456789012", True), ("G12345678901", False),
     ("G1234567890123", False), ("X123456789012", False), ("G12345678901A", False)],
)
def test_g_code(raw: str, valid: bool) -> None:
    assert validate_g_code(raw).valid is valid
    if raw[0] in "Gg":
        assert validate_identifier(raw).scheme == "GCODE"


def test_single_digit_changes_are_mostly_caught() -> None:
    base = "1112034563562"
    caught = total = 0
    for pos in range(13):
        if pos == 2:  # digit 3 carries weight 11 ≡ 0 (mod 11): never caught by the checksum
            continue
        for d in "0123456789":
            if d == base[pos]:
                continue
            total += 1
            caught += not validate_thai_id(base[:pos] + d + base[pos + 1 :]).valid
    assert caught / total > 0.95
