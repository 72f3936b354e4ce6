"""Read the next page while the current one is written: network and database work overlap."""

from __future__ import annotations

import gc
import queue
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")
_DONE = object()

# Parsing and storing a page makes some 100,000 short-lived objects; with the collector's default
# threshold (a collection every 700 net allocations) that is hundreds of collections per page, each
# also walking the rows still queued: a quarter of the sync's CPU. While pages flow, collect seldom.
_FEW_COLLECTIONS = 50_000
_lock = threading.Lock()
_active = 0
_saved: tuple[int, int, int] | None = None


@contextmanager
def few_collections() -> Iterator[None]:
    """Raise the collector's first threshold for the block (nested or concurrent blocks share it)."""
    global _active, _saved
    with _lock:
        if _active == 0:
            _saved = gc.get_threshold()
            gc.set_threshold(max(_FEW_COLLECTIONS, _saved[0]), _saved[1], _saved[2])
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0 and _saved is not None:
                gc.set_threshold(*_saved)


def prefetched(items: Iterable[T], *, depth: int = 1) -> Iterator[T]:
    """Yield `items`, produced by a background thread at most `depth` ahead (memory stays bounded).

    An exception in the producer is raised here, at the point the consumer asks for the item that
    failed; leaving the loop early stops the producer.
    """
    buffer: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                buffer.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
            put(_DONE)
        except BaseException as error:  # handed to the consumer, which re-raises it
            put(_Failure(error))

    worker = threading.Thread(target=produce, name="odksync-prefetch", daemon=True)
    with few_collections():
        worker.start()
        try:
            while True:
                item = buffer.get()
                if item is _DONE:
                    return
                if isinstance(item, _Failure):
                    raise item.error
                yield item  # type: ignore[misc]
        finally:
            stop.set()
            worker.join(timeout=30)


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error
