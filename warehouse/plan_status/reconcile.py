"""Whether a period's report accounts for every child the status engine counts, status by status.

The report is read as written (its JSON: `rows` and `exceptions`, each with `child_key` and
`plan_status_code`); the engine's side is `monthly.period_account`. A child the engine counts must be
a row or an exception, and per status the report's rows and exceptions must add up to the engine's
count: a child silently dropped, or counted under another status, fails.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from warehouse.plan_status.monthly import PeriodAccount

EXAMPLES = 5


@dataclass
class Reconciliation:
    engine_by_status: dict[int, int]
    report_by_status: dict[int, int]  # rows and exceptions carrying that status
    missing: list[str] = field(default_factory=list)  # engine children neither row nor exception
    other_status: list[dict[str, Any]] = field(default_factory=list)  # in the report under another status

    @property
    def passed(self) -> bool:
        return not self.missing and not self.other_status and self.engine_by_status == self.report_by_status

    def differences(self) -> dict[str, dict[str, int]]:
        """Per status where the counts differ: {code: {"engine": n, "report": m}}."""
        codes = sorted(set(self.engine_by_status) | set(self.report_by_status))
        return {str(c): {"engine": self.engine_by_status.get(c, 0), "report": self.report_by_status.get(c, 0)}
                for c in codes if self.engine_by_status.get(c, 0) != self.report_by_status.get(c, 0)}


def report_entries(path: Path, *, expected: int) -> list[tuple[str, int | None]]:
    """(child_key, plan_status_code) of the rows, then the exceptions, of a report's JSON, read a
    line at a time (the report writes one record a line), so a report of a million rows is never
    held whole. Should the count not be the `expected` one (the manifest's rows + exceptions: the
    file is laid out otherwise), the file is read whole instead."""
    entries: list[tuple[str, int | None]] = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            text = line.strip().removesuffix(",")
            if text.startswith("{") and text.endswith("}") and '"rows": [' not in text:
                entries.append(_entry(json.loads(text)))
    if len(entries) != expected:
        whole = json.loads(path.read_text(encoding="utf-8"))
        entries = [_entry(r) for r in [*whole["rows"], *whole["exceptions"]]]
    return entries


def _entry(record: Mapping[str, Any]) -> tuple[str, int | None]:
    code = record.get("plan_status_code")
    return str(record["child_key"]), int(code) if code is not None else None


def reconcile(account: PeriodAccount, entries: Iterable[tuple[str, int | None]],
              key_of: Callable[[str], str]) -> Reconciliation:
    """Compare the engine's account with the report's rows and exceptions (`entries`: child_key and
    plan_status_code of each; `key_of`: child id → the report's child_key). Examples name children
    by the warehouse's own id."""
    reported: dict[str, int | None] = {}
    by_status: Counter[int] = Counter()
    for key, code in entries:
        reported[key] = code
        if code is not None:
            by_status[code] += 1
    result = Reconciliation(engine_by_status=account.per_status(),
                            report_by_status=dict(sorted(by_status.items())))
    for child, status in sorted(account.status.items()):
        key = key_of(child)
        if key not in reported:
            result.missing.append(child)
        elif reported[key] is not None and reported[key] != status:
            result.other_status.append({"child_id": child, "engine": status, "report": reported[key]})
    return result
