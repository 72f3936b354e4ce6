"""What every handler needs: the store, the clock and the public base URL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sandbox.central.clock import Clock, stamp
from sandbox.central.store import Store

if TYPE_CHECKING:
    from sandbox.central.entity_worker import EntityWorker


@dataclass
class Context:
    """Shared by all request threads; the store hands each thread its own connection."""

    store: Store
    clock: Clock
    domain: Callable[[], str]
    entity_worker: EntityWorker | None = None  # runs entity work a moment after submissions

    def now(self) -> str:
        return stamp(self.clock.now())
