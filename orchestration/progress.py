"""Progress bars for long steps, so nobody wonders whether a sync of 50,000 rows is stuck."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn


def _progress(console: Console) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, transient=True)


@contextmanager
def progress_bar(console: Console, label: str) -> Iterator[Callable[[int, int], None]]:
    """A bar fed by `tick(done, total)`."""
    with _progress(console) as bar:
        task = bar.add_task(label, total=None)

        def tick(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield tick


@contextmanager
def form_progress(console: Console) -> Iterator[Callable[[str, int, int | None], None]]:
    """One bar per form, fed by `tick(form_id, done, total)`."""
    with _progress(console) as bar:
        tasks: dict[str, TaskID] = {}

        def tick(form_id: str, done: int, total: int | None) -> None:
            if form_id not in tasks:
                tasks[form_id] = bar.add_task(f"sync {form_id}", total=total)
            bar.update(tasks[form_id], completed=done, total=total)

        yield tick
