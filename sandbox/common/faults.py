"""Fault injection for tests: make chosen requests fail or slow down on purpose."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass


@dataclass
class Fault:
    """After `after` matching requests, the next `times` ones get `status` and/or a delay."""

    method: str | None
    pattern: re.Pattern[str]
    status: int | None
    times: int
    after: int
    retry_after: int | None
    delay_seconds: float
    seen: int = 0
    fired: int = 0


class Faults:
    """The active faults of one sandbox; `add` and `clear` are safe from any thread."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, method: str | None = None, path_pattern: str = ".*", status: int | None = 503,
            times: int = 1, after: int = 0, retry_after: int | None = None,
            delay_seconds: float = 0.0) -> Fault:
        fault = Fault(method.upper() if method else None, re.compile(path_pattern), status,
                      times, after, retry_after, delay_seconds)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def match(self, method: str, url: str) -> Fault | None:
        """Count this request against every fault; return the first that fires."""
        firing = None
        with self._lock:
            for fault in self._faults:
                if (fault.method and fault.method != method) or not fault.pattern.search(url):
                    continue
                fault.seen += 1
                if firing is None and fault.seen > fault.after and fault.fired < fault.times:
                    fault.fired += 1
                    firing = fault
        return firing
