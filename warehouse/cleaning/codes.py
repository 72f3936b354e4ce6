"""DLA (อปท.) and DOPA area codes checked against the vendored DLA list and geothai."""

from __future__ import annotations

import csv
import re
from functools import cache, lru_cache
from pathlib import Path

import geothai
from geothai.abolished import abolished_areas

from warehouse.cleaning.results import DopaCheck, DopaLevel, LaoCheck
from warehouse.cleaning.text import CACHED_LENGTH, THAI_DIGITS

LAOS_CSV = Path(__file__).resolve().parent.parent / "reference" / "laos.csv"
_SEPARATORS = re.compile(r"[\s\-._\u200b]+")
_CODE_IN_LABEL = re.compile(r"\((\d{7})\)")  # what the form shows: "อบต.อ่าวนาง (6810104)"
_LEVELS: dict[int, DopaLevel] = {2: "province", 4: "district", 6: "subdistrict"}


@cache
def laos() -> dict[str, dict[str, str]]:
    """The vendored DLA list by code, read once (7,849 rows); empty if the file is missing."""
    try:
        with LAOS_CSV.open(encoding="utf-8", newline="") as f:
            return {row["dla_code"]: row for row in csv.DictReader(f)}
    except OSError:
        return {}


@cache
def _abolished() -> dict[str, tuple[str, tuple[str, ...]]]:
    return {a.code: (a.name_th, a.successors) for a in abolished_areas()}


def _digits(raw: object) -> tuple[str | None, str]:
    """(text as entered, its digits with Thai digits and separators normalised)."""
    if raw is None:
        return None, ""
    text = raw if isinstance(raw, str) else str(raw)
    s = text.translate(THAI_DIGITS).strip()
    if s.endswith(".0") and s[:-2].isdigit():
        s = s[:-2]  # read from a spreadsheet number cell
    m = _CODE_IN_LABEL.search(s)
    return text, m.group(1) if m else _SEPARATORS.sub("", s)


def check_lao_code(code: object) -> LaoCheck:
    """A 7-digit DLA code (type, province, district, sequence) as entered, looked up in the DLA list.

    Flags: "missing", "format" (not 7 digits), "unknown" (7 digits not in the list),
    "unknown_province" (digits 2–3 are not a province code either). The type is read from the
    list, never from the first digit: two municipalities still carry 6… codes (DOMAIN §2.3).
    """
    try:
        text, digits = _digits(code)
        return (_check_lao if len(digits) <= CACHED_LENGTH else _check_lao.__wrapped__)(text, digits)
    except Exception:
        return LaoCheck(as_entered=None, flags=("unparsed",))


@lru_cache(maxsize=16384)
def _check_lao(text: str | None, digits: str) -> LaoCheck:
    if not digits:
        return LaoCheck(as_entered=text or None, flags=("missing",))
    if len(digits) != 7 or not (digits.isascii() and digits.isdigit()):
        return LaoCheck(as_entered=text, code=digits, flags=("format",))
    row = laos().get(digits)
    if row is None:
        flags = ("unknown",) if geothai.province(digits[1:3]) else ("unknown", "unknown_province")
        return LaoCheck(as_entered=text, code=digits, flags=flags)
    return LaoCheck(
        as_entered=text,
        code=digits,
        known=True,
        lao_type=row["lao_type"],
        name_th=row["name_th"],
        province_code=row["province_code"],
        district_code=row["district_code"] or None,
    )


def check_dopa_code(code: object) -> DopaCheck:
    """A DOPA province (2), district (4) or subdistrict (6 digits) code as entered, looked up in geothai.

    Flags: "missing", "format", "unknown", "abolished" (a code DOPA retired; `successors` says
    what replaced it), "parent_padding" (a trailing 00 naming the parent level, e.g. 100100).
    """
    try:
        text, digits = _digits(code)
        return (_check_dopa if len(digits) <= CACHED_LENGTH else _check_dopa.__wrapped__)(text, digits)
    except Exception:
        return DopaCheck(as_entered=None, flags=("unparsed",))


@lru_cache(maxsize=16384)
def _check_dopa(text: str | None, digits: str) -> DopaCheck:
    if not digits:
        return DopaCheck(as_entered=text or None, flags=("missing",))
    flags: tuple[str, ...] = ()
    if not (digits.isascii() and digits.isdigit()) or len(digits) not in _LEVELS:
        return DopaCheck(as_entered=text, code=digits, flags=("format",))
    while len(digits) > 2 and digits.endswith("00"):
        digits = digits[:-2]  # the village-code convention: a trailing 00 marks the parent level
        flags = ("parent_padding",)
    level = _LEVELS[len(digits)]
    area = (
        geothai.province(digits) if level == "province"
        else geothai.district(digits) if level == "district"
        else geothai.subdistrict(digits)
    )
    if area is not None:
        return DopaCheck(as_entered=text, code=digits, level=level, known=True, name_th=area.name_th,
                         flags=flags)
    old = _abolished().get(digits)
    if old is not None:
        return DopaCheck(as_entered=text, code=digits, level=level, name_th=old[0],
                         flags=(*flags, "abolished"), successors=old[1])
    return DopaCheck(as_entered=text, code=digits, level=level, flags=(*flags, "unknown"))
