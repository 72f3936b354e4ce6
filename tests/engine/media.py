"""A small copy of the forms' media CSVs (a few provinces) so each engine instance loads fast."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from forms.paths import MEDIA_DIR

# Krabi (81) holds the LAO the README uses as its example; Bangkok (10) has no DLA LAOs.
PROVINCES = frozenset({"10", "81"})


def _rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def write_small_media(target: Path, source: Path = MEDIA_DIR, provinces: frozenset[str] = PROVINCES) -> Path:
    """The place lists cut to `provinces`; every other media file copied as it is."""
    target.mkdir(parents=True, exist_ok=True)
    districts: set[str] = set()
    for name in ("provinces.csv", "districts.csv", "subdistricts.csv", "laos.csv"):
        src = source / name
        if not src.is_file():
            continue
        header, rows = _rows(src)
        if name == "provinces.csv":
            kept = [r for r in rows if r["name"] in provinces]
        elif name == "districts.csv":
            kept = [r for r in rows if r["province"] in provinces]
            districts = {r["name"] for r in kept}
        elif name == "subdistricts.csv":
            kept = [r for r in rows if r["district"] in districts]
        else:
            kept = [r for r in rows if r["province"] in provinces]
        _write(target / name, header, kept)
    for src in sorted(source.iterdir()):
        if src.is_file() and not (target / src.name).exists():
            shutil.copy2(src, target / src.name)
    return target
