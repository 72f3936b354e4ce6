"""Rebuilds the forms' choice CSVs from the vendored LAO list and geothai: ``python -m forms.media``."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import geothai

from forms.paths import MEDIA_DIR

REPO_ROOT = Path(__file__).resolve().parent.parent
LAOS_REFERENCE = REPO_ROOT / "warehouse" / "reference" / "laos.csv"

# The type words enumerators read on signs and letterheads; the reference file stores the
# name without them ("อ่าวนาง" for อบต.อ่าวนาง).
LAO_TYPE_PREFIX: dict[str, str] = {
    "provincial_admin_org": "อบจ.",
    "city_municipality": "เทศบาลนคร",
    "town_municipality": "เทศบาลเมือง",
    "subdistrict_municipality": "เทศบาลตำบล",
    "subdistrict_admin_org": "อบต.",
    "special_admin_area": "",  # เมืองพัทยา already carries its type in its name
}

# The `children` entity list's properties, in the order child_registration saves them
# (`save_to`); tests/forms checks the form against this tuple.
CHILDREN_PROPERTIES: tuple[str, ...] = (
    "lao_code", "nickname", "child_id", "full_name", "village", "birth_year", "registered_on",
    "plan_status", "next_followup_due", "sensitive_consent", "plan_id", "plan_version",
    "plan_date", "plan_interventions", "merged_into",
)


def _csv(header: list[str], rows: list[list[str]]) -> str:
    """UTF-8 CSV with LF endings and no BOM, so a rebuild is byte-identical."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def read_laos(path: Path = LAOS_REFERENCE) -> list[dict[str, str]]:
    """The vendored DLA list, one dict per LAO, codes kept as text."""
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def lao_label(row: dict[str, str]) -> str:
    """What the enumerator sees, e.g. ``อบต.อ่าวนาง (6810104)``."""
    return f"{LAO_TYPE_PREFIX[row['lao_type']]}{row['name_th']} ({row['dla_code']})"


def build_media(laos_csv: Path = LAOS_REFERENCE) -> dict[str, str]:
    """File name → CSV text for every media file the forms attach; only the columns they use."""
    laos = read_laos(laos_csv)
    lao_provinces = {row["province_code"] for row in laos}
    provinces = sorted(geothai.provinces(), key=lambda p: p.code)
    districts = sorted(
        (d for p in provinces for d in geothai.districts(p.code)), key=lambda d: d.code
    )
    subdistricts = sorted(
        (s for d in districts for s in geothai.subdistricts(d.code)), key=lambda s: s.code
    )
    return {
        # `lao` lets the LAO cascade hide Bangkok, which has no DLA organisations.
        "provinces.csv": _csv(
            ["name", "label", "lao"],
            [[p.code, p.name_th, "1" if p.code in lao_provinces else "0"] for p in provinces],
        ),
        "districts.csv": _csv(
            ["name", "label", "province"],
            [[d.code, d.name_th, d.province_code] for d in districts],
        ),
        "subdistricts.csv": _csv(
            ["name", "label", "district"],
            [[s.code, s.name_th, s.district_code] for s in subdistricts],
        ),
        # Provincial organisations (อบจ.) have no district: the form's filter also offers
        # rows whose district is empty.
        "laos.csv": _csv(
            ["name", "label", "province", "district"],
            [
                [r["dla_code"], lao_label(r), r["province_code"], r["district_code"]]
                for r in sorted(laos, key=lambda r: r["dla_code"])
            ],
        ),
        # Header only: Central serves the real list in its place (the attachment is linked to
        # the `children` entity list on deploy) and Kobo gets a generated copy. The file is
        # here so the forms validate and the columns the choice filters use are written down.
        "children.csv": _csv(["name", "label", *CHILDREN_PROPERTIES], []),
    }


def write_media(target: Path = MEDIA_DIR) -> list[Path]:
    """Writes every media file, returning the paths that changed."""
    target.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, text in build_media().items():
        path = target / name
        data = text.encode("utf-8")
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)
            changed.append(path)
    return changed


def main() -> int:
    """Command-line entry: rebuild and say what changed."""
    changed = write_media()
    for path in changed:
        print(f"rebuilt {path.relative_to(REPO_ROOT)}")
    if not changed:
        print(f"media in {MEDIA_DIR.relative_to(REPO_ROOT)} already up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
