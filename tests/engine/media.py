"""Small media for the engine: the place lists cut to a few provinces, and a fixture children list."""

from __future__ import annotations

import csv
import shutil
from datetime import date, timedelta
from pathlib import Path

from forms.media import CHILDREN_PROPERTIES
from forms.paths import MEDIA_DIR

# Krabi (81) holds the LAO the README uses as its example; Bangkok (10) has no DLA LAOs.
PROVINCES = frozenset({"10", "81"})
LAO = ("81", "8101", "6810103")  # province, district, LAO (อบต.เขาคราม) the fixture children live in
OTHER_LAO = "6810104"


def child_uuid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def aged_child(age: int) -> str:
    """The fixture child who turns `age` this year (9, 10, 19 or 20)."""
    return child_uuid({9: 8, 10: 9, 19: 10, 20: 11}[age])


def status_child(code: int) -> str:
    """The fixture child whose plan_status is `code` (10…90)."""
    return child_uuid(100 + code)


# (uuid number, nickname, age this year, plan_status, sensitive_consent, other properties)
_CHILDREN: tuple[tuple[int, str, int | None, str, str, dict[str, str]], ...] = (
    (1, "young", 8, "10", "", {}),
    (2, "teen", 14, "20", "1", {}),
    (3, "adult", 21, "50", "0", {"plan_id": "plan-3", "plan_version": "2",
                                 "plan_interventions": "NFE SCHOLARSHIP TRANSPORT"}),
    (4, "no-birth-year", None, "20", "", {}),
    (5, "withdrawn", 12, "99", "", {}),
    (6, "merged", 8, "10", "", {"merged_into": child_uuid(1)}),
    (7, "other-lao", 8, "10", "", {"lao_code": OTHER_LAO}),
    # Either side of the 10–19 band in which the child's own assent is needed.
    *((n, f"age-{age}", age, "20", "", {}) for n, age in ((8, 9), (9, 10), (10, 19), (11, 20))),
    # One child at each open or closed status of DOMAIN §6 (99 is "withdrawn" above).
    *((100 + code, f"status-{code}", 12, str(code), "", {})
      for code in (10, 20, 25, 30, 40, 50, 55, 60, 70, 80, 90)),
)
PLAN_DAYS_AGO = 20  # the adult's current plan is dated this many days before today
REGISTERED_DAYS_AGO = 30


def fixture_children(today: date | None = None) -> list[dict[str, str]]:
    """Entity rows as Central would serve `children.csv`, dated relative to `today`.

    Every child was registered 30 days ago; a child with a plan_id has a plan dated 20 days ago.
    Only the columns of forms.media's header are set.
    """
    today = today or date.today()
    rows = []
    for n, nickname, age, status, sensitive, extra in _CHILDREN:
        row = dict.fromkeys(("name", "label", *CHILDREN_PROPERTIES), "")
        row.update({
            "name": child_uuid(n), "label": f"เด็ก {nickname}", "lao_code": LAO[2],
            "nickname": nickname, "full_name": f"เด็ก {nickname}", "village": "หมู่ 1 บ้านทดสอบ",
            "birth_year": "" if age is None else str(today.year - age),
            "registered_on": (today - timedelta(days=REGISTERED_DAYS_AGO)).isoformat(),
            "plan_status": status, "sensitive_consent": sensitive,
            "next_followup_due": (today - timedelta(days=16)).isoformat(),
        })
        row.update(extra)
        if row["plan_id"]:
            row["plan_date"] = (today - timedelta(days=PLAN_DAYS_AGO)).isoformat()
        rows.append(row)
    return rows


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
    """The place lists cut to `provinces`, the fixture children; other media files copied as they are."""
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
    _write(target / "children.csv", ["name", "label", *CHILDREN_PROPERTIES], fixture_children())
    for src in sorted(source.iterdir()):
        if src.is_file() and not (target / src.name).exists():
            shutil.copy2(src, target / src.name)
    return target
