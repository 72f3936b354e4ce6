"""DLA (อปท.) and DOPA area codes checked against the vendored DLA list and geothai."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

import geothai

from warehouse.cleaning.results import DopaCheck, LaoCheck
from warehouse.cleaning.text import arabic_digits, as_text

LAOS_CSV = Path(__file__).resolve().parent.parent / "reference" / "laos.csv"


@cache
def _laos() -> dict[str, dict[str, str]]:
    try:
        with LAOS_CSV.open(encoding="utf-8", newline="") as f:
            return {row["dla_code"]: row for row in csv.DictReader(f)}
    except OSError:
        return {}


def check_lao_code(code: object) -> LaoCheck:
    """A 7-digit DLA code as entered, looked up in the DLA list."""
    text = as_text(code)
    if text is None:
        return LaoCheck(as_entered=None, flags=("missing",))
    digits = arabic_digits(text)
    row = _laos().get(digits)
    if row is None:
        return LaoCheck(as_entered=text, code=digits, flags=("unknown",))
    return LaoCheck(as_entered=text, code=digits, known=True, lao_type=row["lao_type"],
                    name_th=row["name_th"], province_code=row["province_code"],
                    district_code=row["district_code"] or None)


def check_dopa_code(code: object) -> DopaCheck:
    """A DOPA province, district or subdistrict code as entered, looked up in geothai."""
    text = as_text(code)
    if text is None:
        return DopaCheck(as_entered=None, flags=("missing",))
    digits = arabic_digits(text)
    if len(digits) == 2:
        p = geothai.province(digits)
        return DopaCheck(as_entered=text, code=digits, level="province", known=p is not None,
                         name_th=p.name_th if p else None)
    return DopaCheck(as_entered=text, code=digits, flags=("format",))
