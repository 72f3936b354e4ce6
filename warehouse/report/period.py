"""A report period: one Gregorian month, `YYYY-MM`."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class BadPeriod(ValueError):
    """A period that is not `YYYY-MM` (Thai first, then English)."""


@dataclass(frozen=True, order=True)
class Period:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Period:
        match = _PERIOD.match(text.strip()) if isinstance(text, str) else None
        if match is None:
            raise BadPeriod(f"งวดรายงานต้องเป็นปี ค.ศ.-เดือน เช่น 2026-11 แต่ได้ {text!r} "
                            f"(the period must be YYYY-MM, Gregorian, e.g. 2026-11)")
        year = int(match.group(1))
        if year > 2400:
            raise BadPeriod(f"งวด {text} ดูเหมือนใช้ปี พ.ศ. กรุณาใช้ปี ค.ศ. เช่น {year - 543}-{match.group(2)} "
                            "(use the Gregorian year)")
        return cls(year, int(match.group(2)))

    @classmethod
    def containing(cls, day: date) -> Period:
        return cls(day.year, day.month)

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"
