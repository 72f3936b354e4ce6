"""Finds numbers in free text shaped like personal IDs, G-codes or phone numbers (PDPA, DOMAIN §5.2).

A finding is reported whether or not its check digit holds: a mistyped ID is still personal data.
"""

from __future__ import annotations

import re

from warehouse.cleaning.results import Finding

_D = "[0-9๐-๙]"
_SEP = r"[ \-.]"
# A number ends at a space (two phone numbers are often typed one after the other) but not at
# a dash or dot followed by more digits.
_NOT_BEFORE = rf"(?<!{_D})(?<!{_D}[\-.])"
_NOT_AFTER = rf"(?![\-.]?{_D})"
# 13 digits, a single space, dash or dot allowed between any two: 1-1017-00230-70-8.
_CITIZEN_ID = re.compile(rf"{_NOT_BEFORE}{_D}(?:{_SEP}?{_D}){{12}}{_NOT_AFTER}")
_G_CODE = re.compile(rf"(?<![A-Za-z]){_NOT_BEFORE}[Gg]{_SEP}?{_D}(?:{_SEP}?{_D}){{11}}{_NOT_AFTER}")
# Mobile 0[689] + 8 digits, fixed line 0[2-7] + 7 digits, or the same after +66 / 66.
_PHONE = re.compile(
    rf"{_NOT_BEFORE}(?:(?:\+|00)?66{_SEP}?\(?0?\)?|\(?[0๐])"
    rf"(?:[689๖๘๙]\)?(?:{_SEP}?{_D}){{8}}|[2-7๒-๗]\)?(?:{_SEP}?{_D}){{7}}){_NOT_AFTER}"
)


def scan_free_text(text: object) -> tuple[Finding, ...]:
    """Every ID-, G-code- or phone-shaped number in the text, by position; () for anything not text."""
    if not isinstance(text, str) or len(text) < 9:
        return ()
    try:
        found: list[Finding] = [Finding("citizen_id", m.start(), m.end()) for m in _CITIZEN_ID.finditer(text)]
        found += [Finding("g_code", m.start(), m.end()) for m in _G_CODE.finditer(text)]
        taken = [(f.start, f.end) for f in found]
        for m in _PHONE.finditer(text):
            if not any(s < m.end() and m.start() < e for s, e in taken):
                found.append(Finding("phone", m.start(), m.end()))
        return tuple(sorted(found, key=lambda f: f.start))
    except Exception:
        return ()
