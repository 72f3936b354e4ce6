"""The server's clock, which tests may shift forward, and Central's timestamp formats."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class Clock:
    """Wall-clock time plus an offset that `advance` grows (for session-expiry tests)."""

    def __init__(self) -> None:
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return datetime.now(UTC) + self._offset

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            self._offset += delta


def stamp(moment: datetime) -> str:
    """Storage form: microseconds, UTC, sortable as text (Postgres keeps microseconds too)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def iso(value: str | None) -> str | None:
    """API form, as JavaScript's Date#toISOString renders it: milliseconds and a Z."""
    if value is None:
        return None
    return value[:23] + "Z"


def parse_instant(text: str) -> datetime | None:
    """Read an ISO-8601 date or date-time literal (as Postgres would cast it), UTC if no zone."""
    raw = text.strip()
    if raw.endswith("Z") or raw.endswith("z"):
        raw = raw[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment
