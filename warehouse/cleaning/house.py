"""House numbers (บ้านเลขที่) kept as text, with spreadsheet date mangling undone."""

from __future__ import annotations

from warehouse.cleaning.text import arabic_digits, as_text


def clean_house_number(raw: object) -> str | None:
    """The house number as text (e.g. "9/9"), or None when empty."""
    text = as_text(raw)
    return arabic_digits(text) if text else None
