"""The one configuration file of partner agencies (config/agencies.toml), validated with pydantic.

An agency receives only the report columns it lists, and an extra field (full national ID, exact
GPS, the child's name, the child's own words) only where the entry states the legal basis and the
agreement or law that names it; anything else is refused when the file is read, with the agency and
the field named, before any data is touched.

Each agency gets its own pseudonym space by default (`child_key = "own"`: the HMAC under purpose
`agency:<id>`), so no two recipients' files, and no recipient's file and the fund's report, can be
joined on the child key. The fund's own key (`"fund"`) goes only where the entry says why the agency
must reconcile with the fund's report.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from connectors.delivery.config import Destination, FolderDestination
from warehouse.exports.report_keys import REPORT_KEYS
from warehouse.privacy.consent import Basis, Scope

DEFAULT_CONFIG = Path(__file__).resolve().parents[2] / "config" / "agencies.toml"
_THAI = re.compile(r"[\u0E00-\u0E7F]")
_CRON_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))  # minute hour day month weekday
_CRON_PART = re.compile(r"^(\*|\d+(-\d+)?)(/\d+)?$")

ExtraName = Literal["national_id", "child_name", "home_gps", "child_voice"]
# The extra fields an agency may be given, with what each holds (Thai for the column header).
EXTRA_FIELDS: dict[str, str] = {
    "national_id": "เลขประจำตัวประชาชน (เต็ม)",
    "child_name": "ชื่อ-นามสกุลเด็ก",
    "home_gps": "พิกัดบ้าน",
    "child_voice": "ความต้องการของเด็ก (ข้อความ)",
}
Format = Literal["xlsx", "csv", "json"]
ChildKeySpace = Literal["own", "fund"]
MIN_CHILD_KEY_REASON = 10  # characters: a sentence naming the reconciliation, not a placeholder


class ConfigurationRefused(ValueError):
    """The agencies file cannot be used; the message names the agency and the field (Thai first)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ExtraField(_Strict):
    """A field beyond the report's columns: never without a legal basis and the text that grants it."""

    field: ExtraName
    legal_basis: Basis
    reference: str = Field(min_length=5)  # the data-sharing agreement or law, e.g. "MOU 12/2569 ข้อ 4"
    precision: Literal["1km", "subdistrict", "exact"] = "1km"  # home_gps only
    redact: bool = True  # child_voice only: 13-digit numbers and phone numbers blanked

    @model_validator(mode="after")
    def _options_fit_the_field(self) -> ExtraField:
        if self.field != "home_gps" and self.precision != "1km":
            raise ValueError("precision ใช้ได้กับ home_gps เท่านั้น (precision applies to home_gps only)")
        if self.field != "child_voice" and not self.redact:
            raise ValueError("redact ใช้ได้กับ child_voice เท่านั้น (redact applies to child_voice only)")
        return self


class AgencyScope(_Strict):
    """The LAOs and/or provinces whose children the agency receives."""

    laos: tuple[str, ...] = ()
    provinces: tuple[str, ...] = ()

    @field_validator("laos")
    @classmethod
    def _lao_codes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        from warehouse.cleaning.codes import laos

        known = laos()
        for code in value:
            if not (len(code) == 7 and code.isdigit()) or (known and code not in known):
                raise ValueError(f"รหัส อปท. {code!r} ไม่อยู่ในรายชื่อ อปท. (not a known 7-digit LAO code)")
        return value

    @field_validator("provinces")
    @classmethod
    def _province_codes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for code in value:
            if not (len(code) == 2 and code.isdigit() and 10 <= int(code) <= 96):
                raise ValueError(f"รหัสจังหวัด {code!r} ต้องเป็นรหัส 2 หลักของกรมการปกครอง (DOPA province code)")
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> AgencyScope:
        if not (self.laos or self.provinces):
            raise ValueError("ต้องระบุ laos หรือ provinces อย่างน้อยหนึ่งรายการ (scope needs LAOs or provinces)")
        return self

    def covers(self, lao_code: str | None, province_code: str | None) -> bool:
        return (lao_code is not None and lao_code in self.laos) or (
            province_code is not None and province_code in self.provinces)


class Agency(_Strict):
    """One partner agency: who, which children, which columns, on which basis, how often, where."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,39}$")
    name: str = Field(min_length=2)
    legal_basis: Basis  # for the disclosure as a whole (PDPA s.27 needs one)
    reference: str = Field(min_length=5)  # the agreement or law naming that basis
    consent_scope: Scope | Literal["none"]  # a child without it is left out and counted
    scope: AgencyScope
    columns: tuple[str, ...]
    extra_fields: tuple[ExtraField, ...] = ()
    format: Format
    schedule: str  # cron, five fields (minute hour day month weekday)
    destination: Destination = FolderDestination()
    child_key: ChildKeySpace = "own"  # "own": HMAC under purpose agency:<id>; "fund": the EEF report's key
    # required with "fund": why the agency must reconcile with the fund's report (checked even when absent)
    child_key_reason: str | None = Field(default=None, validate_default=True)

    @field_validator("name")
    @classmethod
    def _thai_name(cls, value: str) -> str:
        if not _THAI.search(value):
            raise ValueError("ชื่อหน่วยงานต้องเป็นภาษาไทย (the agency's name is written in Thai)")
        return value

    @field_validator("columns")
    @classmethod
    def _report_columns(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("ต้องระบุคอลัมน์อย่างน้อยหนึ่งคอลัมน์ (at least one column)")
        unknown = [c for c in value if c not in REPORT_KEYS]
        if unknown:
            raise ValueError(f"คอลัมน์ {', '.join(unknown)} ไม่อยู่ในรายงาน eef-plan-status/1 "
                             f"(not report keys; extra fields go in extra_fields with a legal basis)")
        if len(set(value)) != len(value):
            raise ValueError("คอลัมน์ซ้ำกัน (a column is listed twice)")
        return value

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str) -> str:
        parts = value.split()
        if len(parts) != 5 or not all(_cron_field(p, lo, hi) for p, (lo, hi) in zip(parts, _CRON_RANGES,
                                                                                     strict=True)):
            raise ValueError(f"schedule {value!r} ไม่ใช่ cron 5 ช่อง เช่น '0 6 1 * *' "
                             "(not a five-field cron expression)")
        return value

    @model_validator(mode="after")
    def _extras_once(self) -> Agency:
        names = [e.field for e in self.extra_fields]
        if len(set(names)) != len(names):
            raise ValueError("extra field ซ้ำกัน (an extra field is listed twice)")
        return self

    @field_validator("child_key_reason")
    @classmethod
    def _fund_key_has_a_reason(cls, value: str | None, info: ValidationInfo) -> str | None:
        space = info.data.get("child_key")  # absent when child_key itself was refused
        if space == "fund" and len((value or "").strip()) < MIN_CHILD_KEY_REASON:
            raise ValueError(
                f'child_key = "fund" ต้องมี child_key_reason อย่างน้อย {MIN_CHILD_KEY_REASON} ตัวอักษร '
                "ระบุว่าทำไมหน่วยงานต้องกระทบยอดกับรายงานของกองทุน (the fund's child key needs a "
                "child_key_reason saying why the agency must reconcile with the fund's report)")
        if space == "own" and value is not None:
            raise ValueError('child_key_reason ใช้ได้กับ child_key = "fund" เท่านั้น '
                             '(child_key_reason applies to child_key = "fund" only)')
        return value

    @property
    def child_key_purpose(self) -> str:
        """The HMAC purpose of this agency's own key space (warehouse.privacy.pseudonym.child_key)."""
        return f"agency:{self.id}"

    def extra(self, name: str) -> ExtraField | None:
        return next((e for e in self.extra_fields if e.field == name), None)

    @property
    def output_columns(self) -> tuple[str, ...]:
        """Every column of this agency's file, in order: its report columns, then its extra fields."""
        return self.columns + tuple(e.field for e in self.extra_fields)


def _cron_field(text: str, lo: int, hi: int) -> bool:
    for part in text.split(","):
        match = _CRON_PART.match(part)
        if not match:
            return False
        numbers = [int(n) for n in re.findall(r"\d+", match.group(1))]
        if any(not lo <= n <= hi for n in numbers) or (len(numbers) == 2 and numbers[0] > numbers[1]):
            return False
        if match.group(3) and int(match.group(3)[1:]) == 0:
            return False
    return True


class AgencyFile(_Strict):
    agency: tuple[Agency, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> AgencyFile:
        ids = [a.id for a in self.agency]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"รหัสหน่วยงานซ้ำกัน: {', '.join(twice)} (agency ids must be unique)")
        return self


def parse_agencies(data: dict[str, Any], *, source: str = "agencies.toml") -> tuple[Agency, ...]:
    """The agencies of a parsed TOML document, or ConfigurationRefused naming agency and field."""
    try:
        return AgencyFile.model_validate(data).agency
    except ValidationError as e:
        raise ConfigurationRefused(_describe(e, data, source)) from None


def load_agencies(path: Path = DEFAULT_CONFIG) -> tuple[Agency, ...]:
    """Read and validate the agencies file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigurationRefused(f"อ่านไฟล์ตั้งค่าหน่วยงาน {path} ไม่ได้ (cannot read): {e.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigurationRefused(f"ไฟล์ตั้งค่าหน่วยงาน {path} ไม่ใช่ TOML ที่ถูกต้อง (invalid TOML): {e}") from None
    return parse_agencies(data, source=str(path))


def _describe(error: ValidationError, data: dict[str, Any], source: str) -> str:
    lines = [f"ไฟล์ตั้งค่าหน่วยงาน {source} ใช้ไม่ได้ (the agencies file is refused):"]
    raw = data.get("agency")
    entries: list[Any] = raw if isinstance(raw, list) else []
    problems = error.errors()
    for problem in problems:
        loc = list(problem["loc"])
        if loc == ["agency"] and problem["type"] == "too_short" and len(problems) > 1:
            continue  # a consequence of the entries' own errors, said above
        who = ""
        if len(loc) >= 2 and loc[0] == "agency" and isinstance(loc[1], int):
            entry = entries[loc[1]] if loc[1] < len(entries) and isinstance(entries[loc[1]], dict) else {}
            who = f"หน่วยงาน {entry.get('id', f'#{loc[1] + 1}')} ({entry.get('name', '?')}), "
            loc = loc[2:]
            if len(loc) >= 2 and loc[0] == "extra_fields" and isinstance(loc[1], int):
                extras = entry.get("extra_fields") or []
                name = extras[loc[1]].get("field", f"#{loc[1] + 1}") if loc[1] < len(extras) and \
                    isinstance(extras[loc[1]], dict) else f"#{loc[1] + 1}"
                loc = ["extra_fields", name, *loc[2:]]
        field = ".".join(str(p) for p in loc if not str(p).startswith("function-after")) or "(entry)"
        message = problem["msg"].removeprefix("Value error, ")
        if problem["type"] == "missing":
            message = "ต้องระบุ (required)" + (" — ทุก extra field ต้องมี legal_basis และ reference"
                                               if "extra_fields" in field else "")
        lines.append(f"  - {who}ช่อง {field}: {message}")
    return "\n".join(lines)
