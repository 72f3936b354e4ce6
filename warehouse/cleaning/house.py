"""House numbers (บ้านเลขที่) kept as text, with a spreadsheet's date mangling undone (DOMAIN §2.3).

Excel in a Thai locale reads "9/9" as 9 September and shows it as "9-ก.ย."; saved as ISO it
becomes "2026-09-09". House numbers are day/month-shaped, so both are turned back into "9/9".
"""

from __future__ import annotations

import re
from functools import lru_cache

from warehouse.cleaning.text import CACHED_LENGTH, THAI_DIGITS

_MONTH_ABBREVIATIONS: dict[str, int] = {
    "มค": 1, "กพ": 2, "มีค": 3, "เมย": 4, "พค": 5, "มิย": 6, "กค": 7, "สค": 8, "กย": 9, "ตค": 10, "พย": 11,
    "ธค": 12, "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "oct": 10, "nov": 11, "dec": 12,
}
# "9-ก.ย.", "9 ก.ย.", "19-พ.ค.-69", "9-Sep", "09-Sep-26"
_MANGLED = re.compile(
    r"^(\d{1,2})[\s\-/]*([\u0e01-\u0e4e.]+|[a-z]{3})\.?(?:[\s\-/]*\d{2,4})?$", re.IGNORECASE
)
# "2026-09-09" or "2026-09-09 00:00:00" (day first when read back: 9/9)
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ t]00:00(?::00(?:\.0+)?)?)?$", re.IGNORECASE)
_PREFIX = re.compile(r"^(?:บ้านเลขที่|เลขที่|บ้าน\s*เลขที่|บ้านเลข|no\.?|#)\s*[:.]?\s*", re.IGNORECASE)
_MOO = re.compile(r"(?:หมู่ที่|หมู่|ม\.)\s*(\d{1,3})")
_SLASH = re.compile(r"\s*/\s*")
_PLACEHOLDERS = frozenset({"-", "--", "ไม่มี", "ไม่ทราบ", "ไม่ระบุ", "ไม่มีเลขที่", "ไม่มีบ้านเลขที่", "none", "n/a", "na"})


def clean_house_number(raw: object) -> str | None:
    """The house number as text ("9/9", "12/3 ม.4"), or None when nothing was entered."""
    if raw is None:
        return None
    try:
        text = raw if isinstance(raw, str) else str(raw)
        return (_clean if len(text) <= CACHED_LENGTH else _clean.__wrapped__)(text)
    except Exception:
        return None


@lru_cache(maxsize=65536)
def _clean(text: str) -> str | None:
    s = " ".join(text.translate(THAI_DIGITS).replace("\u200b", "").split())
    s = _PREFIX.sub("", s)
    if not s or s.lower() in _PLACEHOLDERS:
        return None
    if s.endswith(".0") and s[:-2].isdigit():
        return s[:-2]  # a spreadsheet number cell
    m = _ISO.match(s)
    if m and 1 <= int(m.group(2)) <= 12 and 1 <= int(m.group(3)) <= 31:
        return f"{int(m.group(3))}/{int(m.group(2))}"
    m = _MANGLED.match(s)
    if m:
        month = _MONTH_ABBREVIATIONS.get(m.group(2).replace(".", "").lower())
        if month is not None and 1 <= int(m.group(1)) <= 31:
            return f"{int(m.group(1))}/{month}"
    s = _SLASH.sub("/", s)
    return _MOO.sub(lambda mo: f"ม.{int(mo.group(1))}", s)
