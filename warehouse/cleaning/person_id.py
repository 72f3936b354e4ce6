"""13-digit personal IDs and G-codes as entered: normalised, classified, judged, never discarded."""

from __future__ import annotations

import re
from functools import cache, lru_cache

import geothai
from geothai.abolished import abolished_areas

from warehouse.cleaning.results import PersonId
from warehouse.cleaning.text import CACHED_LENGTH, THAI_DIGITS
from warehouse.identifiers import th_id_check_digit

# Separators people type or paste inside an ID: spaces, dashes of every width, dots, slashes,
# underscores, and invisible characters.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212._/,\u200b\u200c\u200d\u2060\ufeff\u00ad]+")
# What enumerators type when there is no ID: a dash, "none", "unknown", "no card", "-".
_PLACEHOLDERS = frozenset({
    "", "-", "--", "---", "0", "00", "na", "n/a", "none", "null", "nil", "x", "xx", "?",
    "ไม่มี", "ไม่ทราบ", "ไม่มีเลข", "ไม่มีบัตร", "ไม่ระบุ", "ไม่มีเอกสาร", "ยังไม่มี", "ไม่มีข้อมูล",
})
_G_CODE = re.compile(r"^G[0-9]{12}$")
# Labels typed before the number: "เลขบัตร 1101700230708", "ID: …".
_LABEL = re.compile(
    r"^\s*(?:เลขประจำตัวประชาชน|เลขบัตรประชาชน|เลขบัตรประจำตัวประชาชน|บัตรประชาชน|เลขบัตร|เลขที่|เลข|ปชช\.?|"
    r"id(?:\s*card)?|pid|no\.?)\s*[:：.#]?\s*",
    re.IGNORECASE,
)
# A spreadsheet showed the ID as a number: 1.10170023071E+12 has lost its last digits.
_SCIENTIFIC = re.compile(r"^\d(?:\.\d+)?e\+?\d+$", re.IGNORECASE)
# Registrar offices in municipalities count down from 99 within a province (DOMAIN §2.4), so
# digits 4–5 at or above this are not checked against the district list.
_MUNICIPAL_REGISTRAR_FROM = 70


@cache
def _provinces() -> frozenset[str]:
    return frozenset(p.code for p in geothai.provinces())


@cache
def _districts() -> frozenset[str]:
    """Current and abolished district codes: older IDs were issued by offices since renumbered."""
    current = {d.code for p in geothai.provinces() for d in geothai.districts(p.code)}
    return frozenset(current | {a.code for a in abolished_areas() if a.level == "district"})


def _normalise(text: str) -> str:
    return _SEPARATORS.sub("", text.translate(THAI_DIGITS)).upper()


def _is_placeholder_number(digits: str) -> bool:
    """All one digit (0000000000000) or a counting run (1234567890123): typed to get past a form."""
    if len(set(digits[:12])) == 1:
        return True
    run = "1234567890" * 2
    return digits in run or digits[:10] == "1234567890"


def clean_person_id(raw: str | None) -> PersonId:
    """Classify and check one identifier as entered (DOMAIN §2.1–2.2).

    13-digit IDs starting 1–8 must pass the check digit; a 0-series ID that fails it stays
    valid with a flag (not confirmed that all 0-series cards pass), and the 9 series is
    reserved: valid but flagged. Digits 2–3 are checked against province codes because the
    check digit never sees digit 3. G-codes are "G" and 12 digits, nothing more is known.
    """
    if not isinstance(raw, str):
        raw = None if raw is None else str(raw)
    return (_clean if raw is None or len(raw) <= CACHED_LENGTH else _clean.__wrapped__)(raw)


@lru_cache(maxsize=65536)
def _clean(raw: str | None) -> PersonId:
    if raw is None:
        return PersonId(as_entered=None, digits=None, kind="missing", valid=False)
    if len(raw) == 13 and raw.isascii() and raw.isdigit():  # most answers: the form's constraint held
        return _citizen_id(raw, raw)
    if _SCIENTIFIC.match(raw.strip()):
        return PersonId(as_entered=raw, digits=None, kind="unknown", valid=False,
                        flags=("scientific_notation",))
    value = _normalise(_LABEL.sub("", raw))
    if value.lower() in _PLACEHOLDERS or _normalise(raw.strip().lower()).lower() in _PLACEHOLDERS:
        marks: tuple[str, ...] = ("placeholder",) if raw.strip() else ()
        return PersonId(as_entered=raw, digits=None, kind="missing", valid=False, flags=marks)
    if value.startswith("G") or value.startswith("จี"):
        return _g_code(raw, value.replace("จี", "G", 1))
    if value.isascii() and value.isdigit():
        return _citizen_id(raw, value)
    digits = "".join(c for c in value if c.isascii() and c.isdigit())
    flags = ["non_digit"]
    if len(digits) == 13:
        # e.g. "ID 1101700230708" or a stray letter: the number is there, the text is not clean.
        inner = _citizen_id(raw, digits)
        return PersonId(as_entered=raw, digits=digits, kind="unknown", valid=False,
                        flags=("non_digit", *inner.flags), series=digits[0])
    if not digits:
        flags.append("no_digits")
    return PersonId(as_entered=raw, digits=digits or None, kind="unknown", valid=False, flags=tuple(flags))


def _g_code(raw: str, value: str) -> PersonId:
    if _G_CODE.match(value):
        return PersonId(as_entered=raw, digits=value, kind="g_code", valid=True)
    rest = value[1:]
    flags = ("non_digit",) if not (rest.isascii() and rest.isdigit()) else ("length",)
    return PersonId(as_entered=raw, digits=value, kind="g_code", valid=False, flags=flags)


def _citizen_id(raw: str, digits: str) -> PersonId:
    flags: list[str] = []
    if len(digits) != 13:
        flags.append("length")
        if len(digits) == 12 and th_id_check_digit("0" + digits[:11]) == int(digits[11]):
            flags.append("leading_zero_lost")  # a spreadsheet read a 0-series ID as a number
        return PersonId(as_entered=raw, digits=digits, kind="citizen_id", valid=False,
                        flags=tuple(flags), series=None)
    series = digits[0]
    valid = True
    if _is_placeholder_number(digits):
        flags.append("placeholder")
        valid = False
    if th_id_check_digit(digits[:12]) != int(digits[12]):
        flags.append("check_digit")
        if series == "0":
            flags.append("zero_series")  # accepted once confirmed against the card (DOMAIN §2.1)
        elif series != "9":
            valid = False
    if series == "9":
        flags.append("reserved_series")
    if digits[1:3] not in _provinces():
        flags.append("unknown_province")  # digit 3 slips pass the check digit
    elif int(digits[3:5]) < _MUNICIPAL_REGISTRAR_FROM and digits[1:5] not in _districts():
        # A hint, not a verdict: registrar offices are not all in the district list.
        flags.append("unknown_registrar")
    return PersonId(as_entered=raw, digits=digits, kind="citizen_id", valid=valid,
                    flags=tuple(flags), series=series)
