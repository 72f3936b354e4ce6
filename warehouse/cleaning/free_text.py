"""Scans free text for numbers that look like personal IDs or phone numbers (privacy checks)."""

from __future__ import annotations

import re

from warehouse.cleaning.results import Finding

_ID = re.compile(r"(?<![0-9])[0-9](?:[ \-]?[0-9]){12}(?![0-9])")


def scan_free_text(text: object) -> tuple[Finding, ...]:
    """Where the text holds a 13-digit number or a phone number: kind and span, in order."""
    if not isinstance(text, str) or not text:
        return ()
    return tuple(Finding(kind="citizen_id", start=m.start(), end=m.end()) for m in _ID.finditer(text))
