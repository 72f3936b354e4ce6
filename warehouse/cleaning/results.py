"""Typed results of the cleaning functions: frozen, each keeping what was entered beside the cleaned value."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

PersonIdKind = Literal["citizen_id", "g_code", "unknown", "missing"]
PhoneKind = Literal["mobile", "landline", "unknown", "missing"]
DatePrecision = Literal["day", "month", "year"]
DopaLevel = Literal["province", "district", "subdistrict"]
FindingKind = Literal["citizen_id", "g_code", "phone"]


@dataclass(frozen=True, slots=True)
class PersonId:
    """A 13-digit personal ID or a G-code as entered, normalised and judged.

    `digits` is the normalised value: Arabic digits with separators and invisible characters
    removed (a G-code keeps its leading "G"); None when nothing usable was entered. An invalid
    ID keeps its digits: it is still evidence for matching.
    """

    as_entered: str | None
    digits: str | None
    kind: PersonIdKind
    valid: bool
    flags: tuple[str, ...] = ()
    series: str | None = None  # first digit of a 13-digit ID ("0" … "9"), the person type (DOMAIN §2.1)


@dataclass(frozen=True, slots=True)
class PersonName:
    """A Thai name split into title, given name, family name and nickname."""

    as_entered: str | None  # the non-empty raw parts (title, first, last, nickname) joined by spaces
    title: str | None = None  # canonical: ด.ช., ด.ญ., นาย, นางสาว, นาง, or another canonical title
    first: str | None = None
    last: str | None = None
    nickname: str | None = None
    flags: tuple[str, ...] = ()
    title_code: str | None = None  # the form's prefix choice: MSTR, MISS_C, MR, MS, MRS, OTHER
    sex_hint: Literal["M", "F"] | None = None  # from the title only: weak evidence


@dataclass(frozen=True, slots=True)
class CleanDate:
    """A date as entered and as understood (Gregorian), with what was fixed or doubted."""

    as_entered: str | None
    value: date | None = None
    flags: tuple[str, ...] = ()
    precision: DatePrecision | None = None


@dataclass(frozen=True, slots=True)
class YearResult:
    """A year entered in the Buddhist Era (e.g. `year_left_be`), as a Gregorian year."""

    as_entered: str | None
    value: int | None = None  # Gregorian (CE) year
    flags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Phone:
    """A Thai phone number in national format (0XXXXXXXXX)."""

    as_entered: str | None
    national: str | None = None  # digits only, leading 0; None when nothing usable was entered
    kind: PhoneKind = "missing"
    valid: bool = False
    flags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LaoCheck:
    """A 7-digit DLA code (อปท.) checked against the vendored DLA list."""

    as_entered: str | None
    code: str | None = None  # normalised digits
    known: bool = False
    lao_type: str | None = None
    name_th: str | None = None
    province_code: str | None = None
    district_code: str | None = None
    flags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DopaCheck:
    """A DOPA province (2), district (4) or subdistrict (6 digits) code checked against geothai."""

    as_entered: str | None
    code: str | None = None  # normalised digits
    level: DopaLevel | None = None
    known: bool = False
    name_th: str | None = None
    flags: tuple[str, ...] = ()
    successors: tuple[str, ...] = ()  # for an abolished code: the codes that replaced it


@dataclass(frozen=True, slots=True)
class Finding:
    """Where free text holds something that looks like personal data: kind and [start, end) span."""

    kind: FindingKind
    start: int
    end: int
