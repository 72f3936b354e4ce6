"""Fault injection for tests: make chosen requests fail, slow down or lose their answer on purpose.

Kinds of fault (what the server does instead of answering normally):

- ``status``: answer `status` (500, 503, 429…) in the server's error shape, with `Retry-After`
  when `retry_after` is set; the request is not handled.
- ``delay``: wait `delay_seconds`, then answer normally (any kind may also carry a delay).
- ``drop``: close the connection before sending a single byte; with `applied` the request was
  handled first (its answer is lost), without it the request never reached the application.
- ``drop_after_headers``: handle the request, send the status line and headers (Content-Length
  included), then close without the body.
- ``truncate``: handle the request, announce the whole Content-Length, send part of the body, close.
- ``cut_chunked``: handle the request, send the body chunked, close before the last chunk.
- ``cut_unframed``: handle the request, send no Content-Length (the body ends when the connection
  does), send part of the body and close: only the content itself can show it is incomplete.

The body kinds need a body to cut: an answer without one (HEAD, 204, 304, empty) is dropped
after being handled instead, as ``drop`` with `applied`.

`add` configures one fault for chosen requests; `add_random` makes a seeded share of requests
fail with kinds drawn from a list: the n-th request with a given method and target draws from
a generator seeded by (seed, method, path, n), so the same seed fails the same requests in the
same way, whatever the other requests and threads do.
"""

from __future__ import annotations

import random
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

STATUS, DELAY, DROP = "status", "delay", "drop"
DROP_AFTER_HEADERS, TRUNCATE, CUT_CHUNKED, CUT_UNFRAMED = (
    "drop_after_headers", "truncate", "cut_chunked", "cut_unframed")
BODY_KINDS = frozenset({DROP_AFTER_HEADERS, TRUNCATE, CUT_CHUNKED, CUT_UNFRAMED})
KINDS = (STATUS, DELAY, DROP, DROP_AFTER_HEADERS, TRUNCATE, CUT_CHUNKED, CUT_UNFRAMED)
DEFAULT_STATUSES = (500, 503, 429)


def _check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown fault kind {kind!r}; one of {', '.join(KINDS)}")
    return kind


@dataclass
class Fault:
    """After `after` matching requests, the next `times` ones meet this fault (see the module doc)."""

    method: str | None
    pattern: re.Pattern[str]
    status: int | None
    times: int
    after: int
    retry_after: int | None
    delay_seconds: float
    kind: str = STATUS
    applied: bool = True  # for `drop`: whether the request was handled before the connection closed
    keep: float = 0.5  # for `truncate`/`cut_*`: the share of the body sent before closing
    seen: int = 0
    fired: int = 0

    @property
    def handles_request(self) -> bool:
        """Whether the server handles the request (so it takes effect) before the fault acts."""
        if self.kind == STATUS:
            return self.status is None
        return self.kind != DROP or self.applied

    @property
    def cuts_answer(self) -> bool:
        return self.kind == DROP or self.kind in BODY_KINDS


@dataclass
class RandomFaults:
    """A seeded share (`rate`) of the matching requests meet a fault of one of `kinds`."""

    seed: str
    rate: float
    kinds: tuple[str, ...]
    method: str | None
    pattern: re.Pattern[str]
    statuses: tuple[int, ...]
    retry_after: int | None
    delay_seconds: float
    limit: int | None  # at most this many firings in all (None: no limit)
    with_query: bool  # whether the query string is part of what identifies a request
    fired: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def draw(self, method: str, target: str) -> Fault | None:
        """Count this request; the fault it meets, decided by (seed, method, target, occurrence)."""
        if (self.method and self.method != method) or not self.pattern.search(target):
            return None
        key = f"{method} {target if self.with_query else target.split('?', 1)[0]}"
        occurrence = self.counts[key] = self.counts.get(key, 0) + 1
        if self.limit is not None and self.fired >= self.limit:
            return None
        rng = random.Random(f"{self.seed}\x00{key}\x00{occurrence}")
        if rng.random() >= self.rate:
            return None
        kind = rng.choice(self.kinds)
        status = rng.choice(self.statuses) if kind == STATUS else None
        retry_after = self.retry_after if status in (429, 503) else None
        return Fault(method, self.pattern, status, 1, 0, retry_after,
                     self.delay_seconds if kind == DELAY else 0.0, kind=kind,
                     applied=rng.random() < 0.5, keep=rng.uniform(0.0, 0.9), seen=1, fired=1)


@dataclass(frozen=True)
class Fired:
    """One fault that fired, for tests that check a seed reproduces the same failures."""

    method: str
    target: str
    kind: str
    status: int | None
    applied: bool


class Faults:
    """The active faults of one sandbox; `add`, `add_random` and `clear` are safe from any thread."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._random: list[RandomFaults] = []
        self._lock = threading.Lock()
        self.fired: list[Fired] = []  # every firing since the last `clear`, in order

    def add(self, method: str | None = None, path_pattern: str = ".*", status: int | None = 503,
            times: int = 1, after: int = 0, retry_after: int | None = None,
            delay_seconds: float = 0.0, *, kind: str | None = None, applied: bool = True,
            keep: float = 0.5) -> Fault:
        """One fault for the requests whose target matches; `kind` defaults to `status`, or to
        `delay` when `status` is None. A kind other than `status` ignores `status`."""
        kind = _check_kind(kind) if kind else (STATUS if status is not None else DELAY)
        if not 0.0 <= keep < 1.0:
            raise ValueError("keep is the share of the body sent: at least 0, below 1")
        fault = Fault(method.upper() if method else None, re.compile(path_pattern),
                      status if kind == STATUS else None, times, after, retry_after, delay_seconds,
                      kind=kind, applied=applied, keep=keep)
        with self._lock:
            self._faults.append(fault)
        return fault

    def add_random(self, seed: int | str, rate: float, *, kinds: Iterable[str] = KINDS,
                   path_pattern: str = ".*", method: str | None = None,
                   statuses: Iterable[int] = DEFAULT_STATUSES, retry_after: int | None = 0,
                   delay_seconds: float = 0.05, limit: int | None = None,
                   with_query: bool = False) -> RandomFaults:
        """Fail a seeded share `rate` of the matching requests, each with a kind drawn from `kinds`.

        Statuses are drawn from `statuses`; 429 and 503 carry `Retry-After: retry_after`. A
        request is known by its method and path (and query, `with_query`) and how many such
        requests came before it: queries often hold timestamps that differ from run to run.
        """
        chosen = tuple(_check_kind(k) for k in kinds)
        if not chosen or not 0.0 <= rate <= 1.0:
            raise ValueError("add_random needs at least one kind and a rate between 0 and 1")
        faults = RandomFaults(str(seed), rate, chosen, method.upper() if method else None,
                              re.compile(path_pattern), tuple(statuses), retry_after,
                              delay_seconds, limit, with_query)
        with self._lock:
            self._random.append(faults)
        return faults

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self._random.clear()
            self.fired = []

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
            for faults in self._random:
                drawn = faults.draw(method, url)  # every generator counts every request it matches
                if firing is None and drawn is not None:
                    faults.fired += 1
                    firing = drawn
            if firing is not None:
                self.fired.append(Fired(method, url, firing.kind, firing.status,
                                        firing.handles_request))
        return firing
