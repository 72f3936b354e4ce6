"""What every destination shares: the parcel delivered, its receipt, the error, and retry with backoff."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Parcel:
    """One file for one agency and period. `delivery_key` is the same for the same agency, period,
    destination and content: a destination uses it so that delivering twice leaves one copy."""

    file_name: str
    content: bytes
    delivery_key: str
    agency_id: str
    period: str
    content_type: str = "application/octet-stream"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def size(self) -> int:
        return len(self.content)


@dataclass(frozen=True)
class Receipt:
    """What the destination answered: where the file is (or the server's id for it) and the proof."""

    location: str
    detail: str  # e.g. "sha256=…", or the server's response body

    def __str__(self) -> str:
        return f"{self.location} {self.detail}".strip()


class DeliveryError(RuntimeError):
    """A delivery that did not happen; `retryable` says whether trying again later could help."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class Deliverer(Protocol):
    def deliver(self, parcel: Parcel) -> Receipt: ...


@dataclass(frozen=True)
class Attempted:
    """The outcome of `deliver_with_retry`: the receipt (None when every attempt failed)."""

    receipt: Receipt | None
    attempts: int
    error: DeliveryError | None = None


def deliver_with_retry(deliverer: Deliverer, parcel: Parcel, *, attempts: int = 3, backoff: float = 2.0,
                       sleep: Callable[[float], None] = time.sleep) -> Attempted:
    """Try up to `attempts` times, waiting backoff, 2×backoff, … between tries; a non-retryable
    error (a wrong host key, a refused token) stops at once. Never raises DeliveryError."""
    error: DeliveryError | None = None
    for attempt in range(1, max(attempts, 1) + 1):
        try:
            return Attempted(deliverer.deliver(parcel), attempt)
        except DeliveryError as e:
            error = e
            log.warning("delivery of %s (attempt %d) failed: %s", parcel.file_name, attempt, e)
            if not e.retryable or attempt >= attempts:
                return Attempted(None, attempt, e)
            sleep(backoff * 2 ** (attempt - 1))
    return Attempted(None, max(attempts, 1), error)
