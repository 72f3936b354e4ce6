"""A state folder from another sandbox layout is refused with a message saying what to do."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from sandbox.central.store import Store as CentralStore
from sandbox.common.store import StateTooOld
from sandbox.kobo.store import Store as KoboStore


@pytest.mark.parametrize("store", [CentralStore, KoboStore])
def test_state_of_another_layout_is_refused_and_the_same_layout_reopens(
    store: type[CentralStore] | type[KoboStore], tmp_path: Path
) -> None:
    path = tmp_path / "state.sqlite3"
    store(path).close()
    store(path).close()  # the same layout opens again
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 0")  # as written before layouts were numbered
    with pytest.raises(StateTooOld, match="move the folder aside or delete it"):
        store(path)
