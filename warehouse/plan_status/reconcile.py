"""Whether a period's report accounts for every child the status engine counts, status by status.

The report is read as written (its JSON: `rows` and `exceptions`, each with `child_key` and
`plan_status_code`); the engine's side is `monthly.period_account`. A child the engine counts must be
a row or an exception, and per status the report's rows and exceptions must add up to the engine's
count: a child silently dropped, or counted under another status, fails.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
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


def reconcile(account: PeriodAccount, rows: Iterable[Mapping[str, Any]],
              exceptions: Iterable[Mapping[str, Any]], key_of: Callable[[str], str]) -> Reconciliation:
    """Compare the engine's account with the report's rows and exceptions (`key_of`: child id → the
    report's child_key). Examples name children by the warehouse's own id."""
    reported: dict[str, int | None] = {}
    by_status: Counter[int] = Counter()
    for record in [*rows, *exceptions]:
        code = record.get("plan_status_code")
        reported[str(record["child_key"])] = int(code) if code is not None else None
        if code is not None:
            by_status[int(code)] += 1
    result = Reconciliation(engine_by_status=account.per_status(),
                            report_by_status=dict(sorted(by_status.items())))
    for child, status in sorted(account.status.items()):
        key = key_of(child)
        if key not in reported:
            result.missing.append(child)
        elif reported[key] is not None and reported[key] != status:
            result.other_status.append({"child_id": child, "engine": status, "report": reported[key]})
    return result
