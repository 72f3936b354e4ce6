"""Text from a server that is not valid Unicode: lone surrogates made visible instead of crashing.

JSON may escape a UTF-16 surrogate on its own (`"\\udcff"`), which Python reads into a string that
cannot be encoded to UTF-8: written to the warehouse it would stop the sync. Such code units are
replaced by U+FFFD (the replacement character), so the submission is kept and the normaliser can
quarantine it with a reason a person can act on.
"""

from __future__ import annotations

import re
from typing import Any

REPLACEMENT = "\ufffd"
_ESCAPED_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_SURROGATE = re.compile("[\ud800-\udfff]")


def may_hold_surrogates(body: bytes) -> bool:
    """True when the raw JSON escapes a surrogate (paired ones decode fine; checked after parsing)."""
    return _ESCAPED_SURROGATE.search(body) is not None


def scrub_lone_surrogates(value: Any) -> Any:
    """The same JSON value with every lone surrogate in a string (key or value) replaced by U+FFFD."""
    if isinstance(value, str):
        return _SURROGATE.sub(REPLACEMENT, value) if _SURROGATE.search(value) else value
    if isinstance(value, list):
        return [scrub_lone_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {scrub_lone_surrogates(k): scrub_lone_surrogates(v) for k, v in value.items()}
    return value
