"""Character-level helpers shared by the cleaners: Thai digits, invisible characters, whitespace."""

from __future__ import annotations

import re

# Answers longer than this are cleaned without the caches: they are rare, and caching them would
# let a few huge values hold memory for the whole run.
CACHED_LENGTH = 100

THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")

# Characters that print as nothing but make two equal names differ: zero-width space and
# joiners, word joiner, byte-order mark, soft hyphen. Copied text from LINE and Word carries them.
# Text-direction controls (RTL override, isolates) too: they reorder what is shown.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad"
                                    "\u180e\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067"
                                    "\u2068\u2069\u061c\u034f\u115f\u1160\u3164\uffa0"))
_SPACES = re.compile(r"\s+")  # includes NBSP and the ideographic space in Python's Unicode \s


def strip_invisible(text: str) -> str:
    """The text without zero-width and other invisible characters."""
    return text.translate(_INVISIBLE)


def squeeze(text: str) -> str:
    """Invisible characters removed, runs of whitespace made one space, ends trimmed."""
    return _SPACES.sub(" ", text.translate(_INVISIBLE)).strip()


def arabic_digits(text: str) -> str:
    """Thai digits (๐–๙) as Arabic digits."""
    return text.translate(THAI_DIGITS)


def as_text(raw: object) -> str | None:
    """Any raw answer as stripped text, or None when empty; never raises."""
    if raw is None:
        return None
    try:
        text = raw if isinstance(raw, str) else str(raw)
    except Exception:
        return None
    text = squeeze(text)
    return text or None
