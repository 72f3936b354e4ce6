"""Thai phone numbers to national format (0XXXXXXXXX) from +66, 66, 0066, dashes, spaces and Thai digits."""

from __future__ import annotations

import re
from functools import lru_cache

from warehouse.cleaning.results import Phone, PhoneKind
from warehouse.cleaning.text import CACHED_LENGTH, THAI_DIGITS

# Mobile numbers are 10 digits starting 06, 08 or 09; fixed lines 9 digits starting 02–07.
_MOBILE_PREFIXES = frozenset("689")
_LANDLINE_PREFIXES = frozenset("234567")
_PLACEHOLDERS = frozenset({"-", "--", "0", "ไม่มี", "ไม่ทราบ", "ไม่ระบุ", "ไม่มีเบอร์", "none", "n/a", "na", "null"})
_EXTENSION = re.compile(r"(?:ต่อ|ext\.?|x|#)\s*\d+\s*$", re.IGNORECASE)
_LABEL = re.compile(r"^(?:โทร(?:ศัพท์)?|เบอร์(?:โทร)?|มือถือ|tel|phone|mobile|m)\s*[.:：]?\s*", re.IGNORECASE)
_SEVERAL = re.compile(r"\s*(?:,|;|/|\||หรือ|or|และ)\s*", re.IGNORECASE)


def clean_phone(raw: object) -> Phone:
    """A phone number as entered, in national format, with its kind and validity.

    Flags: "leading_zero_lost" (a spreadsheet dropped the 0), "several_numbers" (the first is
    kept), "extension" (dropped), "length", "prefix", "non_digit", "short_code" (e.g. 1300).
    """
    if raw is None:
        return Phone(as_entered=None)
    try:
        text = raw if isinstance(raw, str) else str(raw)
        return (_clean if len(text) <= CACHED_LENGTH else _clean.__wrapped__)(text)
    except Exception:
        return Phone(as_entered=None, kind="unknown", flags=("unparsed",))


_PLAIN_MOBILE = re.compile(r"0[689][0-9]{8}")
_NOT_DIGIT = re.compile(r"[^0-9]+")


@lru_cache(maxsize=65536)
def _clean(text: str) -> Phone:
    if _PLAIN_MOBILE.fullmatch(text):  # most answers: the form's regex already held
        return Phone(as_entered=text, national=text, kind="mobile", valid=True)
    s = " ".join(text.translate(THAI_DIGITS).split())
    if not s:
        return Phone(as_entered=text or None)
    if s.lower() in _PLACEHOLDERS:
        return Phone(as_entered=text, flags=("placeholder",))
    flags: list[str] = []
    if s.endswith(".0") and s[:-2].isdigit():
        s = s[:-2]  # a number read from a spreadsheet cell
    s = _LABEL.sub("", s)
    m = _EXTENSION.search(s)
    if m and m.start() > 0:
        s = s[:m.start()]
        flags.append("extension")
    parts = [p for p in _SEVERAL.split(s) if p]
    if len(parts) > 1 and sum(c.isdigit() for c in parts[1]) >= 8:
        s = parts[0]
        flags.append("several_numbers")
    digits = _NOT_DIGIT.sub("", s)
    if any(c.isalpha() for c in s):
        flags.append("non_digit")
    if not digits:
        return Phone(as_entered=text, kind="unknown", flags=tuple(dict.fromkeys((*flags, "non_digit"))))
    if digits.startswith("0066"):
        digits = "0" + digits[4:]
    elif digits.startswith("66") and len(digits) in (10, 11):
        digits = "0" + digits[2:]
    elif digits.startswith("6606") or digits.startswith("6608") or digits.startswith("6609"):
        digits = digits[2:]  # +66 0812345678: the trunk 0 kept after the country code
    if len(digits) == 4 and digits[0] == "1":
        return Phone(as_entered=text, national=digits, kind="unknown", flags=(*flags, "short_code"))
    lost_zero = (len(digits) == 9 and digits[0] in _MOBILE_PREFIXES) or (
        len(digits) == 8 and digits[0] in _LANDLINE_PREFIXES
    )
    if lost_zero:
        digits = "0" + digits
        flags.append("leading_zero_lost")
    kind: PhoneKind = "unknown"
    valid = False
    if digits[0] != "0" or len(digits) < 2:
        flags.append("prefix")
    elif digits[1] in _MOBILE_PREFIXES:
        kind = "mobile"
        valid = len(digits) == 10
    elif digits[1] in _LANDLINE_PREFIXES:
        kind = "landline"
        valid = len(digits) == 9
    else:
        flags.append("prefix")
    if kind != "unknown" and not valid:
        flags.append("length")
    if "non_digit" in flags:
        valid = False
    return Phone(as_entered=text, national=digits, kind=kind, valid=valid, flags=tuple(dict.fromkeys(flags)))
