"""Minimisation before anything leaves the warehouse: masked IDs, coarse GPS, redacted free text."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from warehouse.cleaning.free_text import scan_free_text

_DIGITS = re.compile(r"[0-9๐-๙]")
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
REDACTED = {"citizen_id": "[เลขประจำตัวถูกปิด]", "g_code": "[รหัส G ถูกปิด]", "phone": "[เบอร์โทรถูกปิด]"}


def mask_national_id(value: str | None) -> str:
    """`x-xxxx-xxxxx-12-3`: only the last three digits kept (REPORT_FORMAT.md); "" when not 13 digits.

    Anything that is not a 13-digit number (a G-code, a half-typed ID) is not shown at all: a partial
    number could still identify the child.
    """
    if not isinstance(value, str):
        return ""
    digits = "".join(_DIGITS.findall(value)).translate(_THAI_DIGITS)
    if len(digits) != 13:
        return ""
    return f"x-xxxx-xxxxx-{digits[10:12]}-{digits[12]}"


@dataclass(frozen=True)
class CoarsePoint:
    latitude: float
    longitude: float


GPS_DECIMALS = 2  # 0.01 degree: about 1.1 km of latitude


def round_gps(latitude: object, longitude: object, *, decimals: int = GPS_DECIMALS) -> CoarsePoint | None:
    """The point rounded to `decimals` places (≈1 km at 2); None for anything that is not a place."""
    if decimals > GPS_DECIMALS:
        raise ValueError(f"exports keep at most {GPS_DECIMALS} decimals of GPS (about 1 km)")
    lat, lon = _number(latitude), _number(longitude)
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    quantum = Decimal(1).scaleb(-decimals)
    return CoarsePoint(float(Decimal(repr(lat)).quantize(quantum, ROUND_HALF_EVEN)),
                       float(Decimal(repr(lon)).quantize(quantum, ROUND_HALF_EVEN)))


def coarse_geopoint(geopoint: object, *, decimals: int = GPS_DECIMALS) -> CoarsePoint | None:
    """An ODK geopoint (`"lat lon alt acc"`, a GeoJSON Point or a {latitude, longitude} dict), coarsened."""
    lat: object = None
    lon: object = None
    if isinstance(geopoint, str):
        parts = geopoint.split()
        if len(parts) >= 2:
            lat, lon = parts[0], parts[1]
    elif isinstance(geopoint, dict):
        coords = geopoint.get("coordinates")
        if isinstance(coords, list | tuple) and len(coords) >= 2:
            lon, lat = coords[0], coords[1]
        else:
            lat, lon = geopoint.get("latitude"), geopoint.get("longitude")
    return round_gps(lat, lon, decimals=decimals)


def subdistrict_only(subdistrict_code: object) -> str | None:
    """A location reduced to its 6-digit subdistrict code (DOPA), or None."""
    if isinstance(subdistrict_code, str | int):
        text = str(subdistrict_code).strip()
        if len(text) == 6 and text.isascii() and text.isdigit():
            return text
    return None


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(Decimal(str(value).strip())) if isinstance(value, str) else float(value)  # type: ignore[arg-type]
    except (InvalidOperation, TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


@dataclass(frozen=True)
class Redacted:
    text: str | None
    kinds: tuple[str, ...]  # what was removed (citizen_id, g_code, phone), in order

    @property
    def changed(self) -> bool:
        return bool(self.kinds)


def redact_free_text(text: object) -> Redacted:
    """The text with every ID-, G-code- and phone-shaped number replaced by a Thai placeholder."""
    if not isinstance(text, str):
        return Redacted(None, ())
    findings = scan_free_text(text)
    if not findings:
        return Redacted(text, ())
    parts, last = [], 0
    for finding in findings:
        if finding.start < last:
            continue
        parts += [text[last:finding.start], REDACTED.get(finding.kind, "[ถูกปิด]")]
        last = finding.end
    parts.append(text[last:])
    return Redacted("".join(parts), tuple(f.kind for f in findings))
