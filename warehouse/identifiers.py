"""Checks Thai 13-digit personal IDs and MOE G-codes, with verdicts that keep 0-series IDs."""

from __future__ import annotations

import re
from functools import cache
from typing import Literal

import geothai
from pydantic import BaseModel, ConfigDict

IdKind = Literal[
    "no_registration_status",  # 0: บุคคลเลข 0, held by stateless and unregistered people
    "thai_on_time",  # 1: Thai, birth registered on time (from 1 Jan 1984)
    "thai_late",  # 2: Thai, birth registered late
    "house_register_before_1984",  # 3
    "moved_in_without_id",  # 4
    "added_to_register_later",  # 5: ตกสำรวจ; also registered ethnic minorities
    "temporary_resident",  # 6: yellow house register
    "child_of_temporary_resident",  # 7: child of a type-6 person, born in Thailand
    "legal_foreigner_or_naturalised",  # 8
    "reserved",  # 9: reserved series; format-valid but flagged
]

_KINDS: dict[str, IdKind] = {
    "0": "no_registration_status",
    "1": "thai_on_time",
    "2": "thai_late",
    "3": "house_register_before_1984",
    "4": "moved_in_without_id",
    "5": "added_to_register_later",
    "6": "temporary_resident",
    "7": "child_of_temporary_resident",
    "8": "legal_foreigner_or_naturalised",
    "9": "reserved",
}

# People copy IDs with Thai digits (๑๒๓), dashes, spaces and invisible characters from
# LINE messages and Word files; none of these change the number.
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_SEPARATORS = re.compile(r"[\s\-\u200b\u200c\u200d\u2060\ufeff.]")
_G_CODE = re.compile(r"^G[0-9]{12}$")


class IdIssue(BaseModel):
    """One finding about an identifier: a stable code for programs and a sentence for people."""

    model_config = ConfigDict(frozen=True)

    code: str
    message: str


class IdVerdict(BaseModel):
    """What the validator decided about one identifier as entered."""

    model_config = ConfigDict(frozen=True)

    raw: str
    normalized: str
    valid: bool
    scheme: Literal["TH_PID", "GCODE"] | None = None
    id_kind: IdKind | None = None
    subgroup: str | None = None
    errors: tuple[IdIssue, ...] = ()
    warnings: tuple[IdIssue, ...] = ()


def normalize_identifier(raw: str) -> str:
    """Thai digits to Arabic, separators and zero-width characters removed, letters upper-cased."""
    return _SEPARATORS.sub("", raw.translate(_THAI_DIGITS)).upper()


def th_id_check_digit(first12: str) -> int:
    """The 13th digit: weights 13…2 on the first 12 digits, then (11 − s mod 11) mod 10."""
    if len(first12) != 12 or not first12.isdigit():
        raise ValueError(f"need the first 12 digits of an ID, got {first12!r}")
    s = sum(int(c) * (13 - i) for i, c in enumerate(first12))
    return (11 - s % 11) % 10


@cache
def _province_codes() -> frozenset[str]:
    return frozenset(p.code for p in geothai.provinces())


def _subgroup(digits: str) -> str | None:
    """Digits 6–7 name a subgroup only for some series (DOMAIN §2.1)."""
    first, d67 = digits[0], digits[5:7]
    if first == "0" and d67 == "89":
        return "stateless_survey_2005"  # Cabinet resolution of 18 Jan 2005, incl. the Moken
    if first in "568" and "50" <= d67 <= "72":
        return "registered_minority"
    if first == "6" and d67 == "00":
        return "temporary_with_passport"
    return None


def validate_thai_id(raw: str) -> IdVerdict:
    """Verdict on a 13-digit ID: 1–8 must pass the check digit; 0 and 9 only earn warnings."""
    value = normalize_identifier(raw)
    if len(value) != 13 or not value.isdigit():
        issue = IdIssue(
            code="not_13_digits",
            message=f"{raw!r} is not 13 digits; re-enter it from the card",
        )
        return IdVerdict(raw=raw, normalized=value, valid=False, errors=(issue,))
    errors: list[IdIssue] = []
    warnings: list[IdIssue] = []
    first = value[0]
    check_ok = th_id_check_digit(value[:12]) == int(value[12])
    if not check_ok:
        if first == "0":
            # Not confirmed that every 0-series card carries a valid mod-11 digit (DOMAIN §2.1).
            warnings.append(IdIssue(
                code="check_digit_0_series",
                message=f"{value}: check digit fails on a 0-series ID; confirm it against the card",
            ))
        elif first == "9":
            pass  # reported below as a reserved series
        else:
            errors.append(IdIssue(
                code="check_digit",
                message=f"{value}: the last digit does not match the first 12; a digit is mistyped",
            ))
    if first == "9":
        warnings.append(IdIssue(
            code="reserved_series",
            message=f"{value}: the 9 series is reserved; confirm it against the card",
        ))
    # The check digit never sees digit 3 (its weight 11 is 0 mod 11), so digits 2–3 must be
    # a real province code; 0-series cards are issued by district offices too.
    if value[1:3] not in _province_codes():
        warnings.append(IdIssue(
            code="unknown_province",
            message=f"{value}: digits 2–3 ({value[1:3]}) are not a province code; "
            "digit 3 may be mistyped",
        ))
    return IdVerdict(
        raw=raw,
        normalized=value,
        valid=not errors,
        scheme="TH_PID",
        id_kind=_KINDS[first],
        subgroup=_subgroup(value),
        errors=tuple(errors),
        warnings=tuple(warnings),
    )


def is_g_code(raw: str) -> bool:
    """A G-code is "G" and 12 digits; nothing is known about the digits (DOMAIN §2.2)."""
    return bool(_G_CODE.match(normalize_identifier(raw)))


def validate_g_code(raw: str) -> IdVerdict:
    """Verdict on a G-code: format only."""
    value = normalize_identifier(raw)
    if _G_CODE.match(value):
        return IdVerdict(raw=raw, normalized=value, valid=True, scheme="GCODE")
    issue = IdIssue(code="g_code_format", message=f"{raw!r} is not G followed by 12 digits")
    return IdVerdict(raw=raw, normalized=value, valid=False, scheme="GCODE", errors=(issue,))


def validate_identifier(raw: str) -> IdVerdict:
    """Either kind, told apart by the leading letter."""
    value = normalize_identifier(raw)
    return validate_g_code(raw) if value.startswith("G") else validate_thai_id(raw)
