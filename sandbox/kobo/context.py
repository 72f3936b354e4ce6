"""What every handler needs: the store, the owner's name, ids and timestamps as KPI writes them."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sandbox.kobo.store import Store

# KPI's uids are a one-letter kind prefix and a shortuuid (base57, no look-alike characters).
_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def new_uid(prefix: str, length: int = 21) -> str:
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def stamp(moment: datetime | None = None) -> str:
    """KPI's date_created/date_modified form: microseconds and a Z."""
    return (moment or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def submission_stamp(moment: datetime | None = None) -> str:
    """`_submission_time` as the data API renders it: seconds, UTC, no zone suffix."""
    return (moment or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


@dataclass
class Context:
    """Shared by all request threads; the store hands each thread its own connection."""

    store: Store
    username: str
