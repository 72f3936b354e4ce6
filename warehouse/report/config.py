"""The report's column mapping, read from `config/eef_report.toml` and checked before anything is written.

The file is the one place a change to the fund's template is made; a mistake in it stops the report with
a message naming the file and the problem, never a half-written report.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from warehouse.privacy.consent import Basis
from warehouse.report.model import ReportRow

DEFAULT_CONFIG = Path(__file__).resolve().parents[2] / "config" / "eef_report.toml"
ColumnType = Literal["text", "code", "date", "integer", "yn", "period"]


class ReportConfigError(ValueError):
    """The report configuration cannot be used as written (Thai first, then English)."""


class Column(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    header_th: str = Field(min_length=1)
    type: ColumnType
    meaning: str = Field(min_length=1)

    @field_validator("key")
    @classmethod
    def _known_key(cls, key: str) -> str:
        if key not in ReportRow.model_fields:
            raise ValueError(f"unknown column key {key!r}; known keys: {', '.join(ReportRow.model_fields)}")
        return key


class Sheets(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    report: str = Field(min_length=1, max_length=25)  # Excel: 31 characters, room for " 99"
    summary: str = Field(min_length=1, max_length=31)
    exceptions: str = Field(min_length=1, max_length=31)
    columns: str = Field(min_length=1, max_length=31)


class FullNationalId(BaseModel):
    """The basis for sending the full national ID instead of the masked one: both parts required."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    basis: Basis | None = None
    reference: str | None = None

    @model_validator(mode="after")
    def _named(self) -> FullNationalId:
        if self.basis is None or len((self.reference or "").strip()) < 5:
            raise ValueError(
                "การส่งเลขประจำตัวประชาชนเต็มแก่ กสศ. ต้องระบุทั้ง basis (ฐานทางกฎหมาย) และ reference "
                "(ข้อตกลงหรือกฎหมายที่ให้ฐานนั้น อย่างน้อย 5 ตัวอักษร) มิฉะนั้นให้ลบหัวข้อ "
                "[disclosure.full_national_id] ออกเพื่อส่งแบบปิดบัง (the full national ID needs both a legal "
                "basis and a reference naming the agreement or law; remove the section to keep it masked)")
        return self


class Disclosure(BaseModel):
    """The legal basis on which the report is disclosed to the fund (PDPA s.27, DOMAIN §5.2).

    `consent`: only children whose latest consent gives `share_with_eef` are rows; the others are
    exceptions. Another basis (a data-sharing agreement naming it, `reference`): children without that
    consent are reported pseudonymised (warehouse.privacy.consent.may_share decides)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    basis: Basis = Basis.CONSENT
    reference: str | None = None
    full_national_id: FullNationalId | None = None

    @model_validator(mode="after")
    def _reference_for_an_agreement(self) -> Disclosure:
        if self.basis is not Basis.CONSENT and len((self.reference or "").strip()) < 5:
            raise ValueError(
                f"ฐาน {self.basis.value} ต้องมี reference ระบุข้อตกลงแลกเปลี่ยนข้อมูลหรือกฎหมายที่ให้ฐานนั้น "
                f"(basis {self.basis.value} needs a reference naming the data-sharing agreement or law)")
        return self

    @property
    def audit_basis(self) -> str:
        """What the audit log's legal_basis records (64 characters at most)."""
        text = self.basis.value
        if self.full_national_id is not None and self.full_national_id.basis is not None:
            text += f"; national_id:{self.full_national_id.basis.value}"
        return text[:64]


class ReportConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    format: str = Field(pattern=r"^eef-plan-status/\d+$")
    file_stem: str = Field(pattern=r"^[A-Za-z0-9_]+$")
    xlsx_date_format: str = Field(min_length=1)
    rows_per_sheet: int = Field(ge=1, le=1_048_575)  # Excel's limit less the header row
    disclosure: Disclosure = Disclosure()
    sheets: Sheets
    column: list[Column] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> ReportConfig:
        keys = [c.key for c in self.column]
        twice = sorted({k for k in keys if keys.count(k) > 1})
        if twice:
            raise ValueError(f"column keys given twice: {', '.join(twice)}")
        names = [self.sheets.report, self.sheets.summary, self.sheets.exceptions, self.sheets.columns]
        if len(set(names)) != len(names):
            raise ValueError("sheet names must differ")
        return self

    @property
    def keys(self) -> list[str]:
        return [c.key for c in self.column]

    def columns_for(self, keys: list[str] | None) -> list[Column]:
        """The configured columns named by `keys`, in the order given (None: every column)."""
        if keys is None:
            return list(self.column)
        by_key = {c.key: c for c in self.column}
        unknown = [k for k in keys if k not in by_key]
        if unknown:
            raise ReportConfigError(
                f"คอลัมน์ {', '.join(unknown)} ไม่มีในการตั้งค่ารายงาน (columns not in the report configuration)")
        return [by_key[k] for k in keys]


def load_config(path: Path | None = None) -> ReportConfig:
    """The report configuration at `path` (default config/eef_report.toml), validated."""
    return _load(path or DEFAULT_CONFIG)


@cache
def _load(path: Path) -> ReportConfig:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ReportConfigError(
            f"อ่านไฟล์ตั้งค่ารายงาน {path} ไม่ได้ (cannot read the report configuration): {e}") from e
    except tomllib.TOMLDecodeError as e:
        raise ReportConfigError(f"ไฟล์ตั้งค่ารายงาน {path} ไม่ใช่ TOML ที่ถูกต้อง (not valid TOML): {e}") from e
    try:
        return ReportConfig.model_validate(data)
    except ValidationError as e:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(file)'}: {err['msg']}" for err in e.errors())
        raise ReportConfigError(
            f"ไฟล์ตั้งค่ารายงาน {path} มีค่าที่ใช้ไม่ได้ (invalid report configuration): {problems}") from e
