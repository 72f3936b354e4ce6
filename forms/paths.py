"""Where the XLSForm sources and their media files live."""

from pathlib import Path

FORMS_DIR = Path(__file__).resolve().parent / "xlsform"
MEDIA_DIR = FORMS_DIR / "media"


def form_paths() -> list[Path]:
    """Every XLSForm source, sorted; the file stem is the form_id (STYLE rule 13)."""
    return sorted(p for p in FORMS_DIR.glob("*.xlsx") if not p.name.startswith("~$"))


def media_paths() -> dict[str, Path]:
    """Media files by the name forms use for them (e.g. ``laos.csv``)."""
    return {p.name: p for p in sorted(MEDIA_DIR.glob("*.csv"))}
