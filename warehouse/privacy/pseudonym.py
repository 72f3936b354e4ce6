"""Keyed pseudonyms for children: HMAC-SHA-256 under ODKSYNC_SECRET, never a plain hash.

About 10^11 national IDs exist, so an unkeyed SHA-256 of one is reversed by brute force on a laptop
(DOMAIN §5.2). Keyed with a server secret, the same child gets the same key across periods, and no one
without the secret can go back from key to child.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping

SECRET_ENV = "ODKSYNC_SECRET"
MIN_SECRET_BYTES = 16
CHILD_KEY_HEX = 16  # REPORT_FORMAT.md: the first 16 hex digits


class MissingSecret(RuntimeError):
    """No usable ODKSYNC_SECRET: pseudonyms cannot be made (and a plain hash is never used instead)."""


def secret_from_env(environ: Mapping[str, str] | None = None) -> bytes:
    """ODKSYNC_SECRET as bytes; refuses an absent or short secret with the variable's name."""
    env = os.environ if environ is None else environ
    value = env.get(SECRET_ENV) or ""
    return check_secret(value)


def check_secret(value: str | bytes | None) -> bytes:
    raw = value.encode("utf-8") if isinstance(value, str) else (value or b"")
    if not raw:
        raise MissingSecret(f"{SECRET_ENV} is not set: child keys are keyed pseudonyms and need it")
    if len(raw) < MIN_SECRET_BYTES:
        raise MissingSecret(f"{SECRET_ENV} is too short (at least {MIN_SECRET_BYTES} bytes are needed)")
    return raw


def child_key(child_id: str, secret: str | bytes, *, purpose: str = "child") -> str:
    """The child's stable pseudonym: first 16 hex digits of HMAC-SHA-256(secret, purpose:child_id).

    `purpose` separates key spaces (a partner's keys cannot be joined with the fund's if they differ).
    """
    if not isinstance(child_id, str) or not child_id.strip():
        raise ValueError("a child key needs a child id")
    key = check_secret(secret)
    message = f"{purpose}:{child_id.strip()}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:CHILD_KEY_HEX]
