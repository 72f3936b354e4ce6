"""Prefetching pages: order kept, errors surface where they happened, nothing runs ahead unbounded."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from warehouse.prefetch import few_collections, prefetched


def test_yields_every_item_in_order() -> None:
    assert list(prefetched(iter(range(100)))) == list(range(100))


def test_an_error_in_the_producer_is_raised_after_the_items_before_it() -> None:
    def pages() -> Iterator[int]:
        yield 1
        yield 2
        raise ConnectionError("server went away")

    seen = []
    with pytest.raises(ConnectionError, match="server went away"):
        for page in prefetched(pages()):
            seen.append(page)
    assert seen == [1, 2]


def test_the_producer_stays_at_most_depth_ahead_and_stops_when_the_consumer_leaves() -> None:
    produced = []
    lock = threading.Lock()

    def pages() -> Iterator[int]:
        for n in range(1000):
            with lock:
                produced.append(n)
            yield n

    for page in prefetched(pages(), depth=1):
        if page == 3:
            time.sleep(0.3)  # give a runaway producer time to show itself
            with lock:
                ahead = len(produced) - 1 - page
            break
    assert ahead <= 2  # the item in the queue and the one being put
    time.sleep(0.3)
    assert len(produced) < 10


def test_pages_flow_with_few_collections_and_the_threshold_comes_back() -> None:
    import gc

    before = gc.get_threshold()
    seen = [gc.get_threshold()[0] for _ in prefetched(iter(range(3)))]
    assert min(seen) >= 50_000 and gc.get_threshold() == before
    with few_collections(), few_collections():  # nested: the outer block restores
        assert gc.get_threshold()[0] >= 50_000
    assert gc.get_threshold() == before
