"""Scenario tables: answers for a fresh form, and what the engine must then report on some nodes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from tests.engine.media import LAO
from tests.engine.runner import Case, CaseResult


@dataclass
class Scenario:
    """A named case plus expectations: path → {field of the node's state: wanted value}."""

    id: str
    set: list[Any]
    want: dict[str, dict[str, Any]] = field(default_factory=dict)

    def case(self) -> Case:
        return Case(id=self.id, set=self.set, read=list(self.want))


def check(scenario: Scenario, result: CaseResult) -> None:
    """Assert every expectation, listing all mismatches at once."""
    result.raise_error()
    wrong = []
    for path, fields in scenario.want.items():
        node = result[path]
        for name, wanted in fields.items():
            if node[name] != wanted:
                wrong.append(f"{path}.{name}: engine {node[name]!r}, designed {wanted!r}")
    assert wrong == [], f"{scenario.id}:\n" + "\n".join(wrong)


def years_ago(years: int, today: date | None = None, *, days_later: int = 0) -> str:
    """ISO date `years` before today (29 Feb falls back to 28 Feb), shifted by `days_later` days."""
    today = today or date.today()
    try:
        day = today.replace(year=today.year - years)
    except ValueError:
        day = today.replace(year=today.year - years, day=28)
    return (day + timedelta(days=days_later)).isoformat()


def completed_years(born: str, today: date | None = None) -> int:
    """Age as the form computes it: year difference, minus one before this year's birthday."""
    today = today or date.today()
    b = date.fromisoformat(born)
    return today.year - b.year - ((today.month, today.day) < (b.month, b.day))


def opened(child: str, *ops: Any) -> list[Any]:
    """A follow-on form with the fixture LAO chosen and `child` picked from the children list."""
    return [["/data/lao/lao_province", LAO[0]], ["/data/lao/lao_district", LAO[1]],
            ["/data/lao/lao_code", LAO[2]], ["/data/case/child", child], *ops]


def days_from_today(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()
