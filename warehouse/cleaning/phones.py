"""Thai phone numbers to national format (0XXXXXXXXX)."""

from __future__ import annotations

from warehouse.cleaning.results import Phone
from warehouse.cleaning.text import arabic_digits, as_text


def clean_phone(raw: object) -> Phone:
    """A phone number as entered, in national format with its kind and validity."""
    text = as_text(raw)
    if text is None:
        return Phone(as_entered=None)
    digits = "".join(c for c in arabic_digits(text) if c.isascii() and c.isdigit())
    if digits.startswith("66"):
        digits = "0" + digits[2:]
    valid = len(digits) == 10 and digits[:2] in {"06", "08", "09"}
    return Phone(as_entered=text, national=digits or None, kind="mobile" if valid else "unknown", valid=valid)
