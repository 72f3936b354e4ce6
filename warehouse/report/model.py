"""What one report row and one report exception may hold (REPORT_FORMAT.md, `eef-plan-status/1`).

Every row is validated by `ReportRow` before it is written: a value outside the contract stops the
report instead of reaching the fund.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from warehouse.plan_status import lifecycle

AgeBand = Literal["0-2", "3-5", "6-11", "12-14", "15-17", "18-24", "25+", "unknown"]
YN = Literal["Y", "N"]
PERIOD_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
CODE = r"^[A-Z][A-Z0-9_]*$"


class ReportRow(BaseModel):
    """One child in one period (REPORT_FORMAT.md "Rows"); field order is the format's column order."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    period: str = Field(pattern=PERIOD_PATTERN)
    lao_code: str = Field(pattern=r"^\d{7}$")
    lao_name: str = Field(min_length=1)
    province_code: str = Field(pattern=r"^\d{2}$")
    district_code: str | None = Field(default=None, pattern=r"^\d{4}$")
    subdistrict_code: str | None = Field(default=None, pattern=r"^\d{6}$")
    child_key: str = Field(pattern=r"^[0-9a-f]{16}$")
    # masked; the full 13 digits only where the configuration names a basis for it (config.Disclosure)
    national_id_masked: str = Field(default="", pattern=r"^(x-xxxx-xxxxx-\d{2}-\d|\d{13})?$")
    sex: Literal["M", "F", "X"]
    age_band: AgeBand
    oos_category: Literal["NEVER", "DROPOUT", "NOTCONT", "ATRISK", "NEET"] | None = None
    main_leave_reason: str | None = Field(default=None, pattern=CODE)
    registered_on: date | None = None
    plan_status_code: int
    plan_status_th: str = Field(min_length=1)
    status_since: date
    intervention_types: str = Field(default="", pattern=r"^([A-Z][A-Z0-9_]*(\|[A-Z][A-Z0-9_]*)*)?$")
    eef_funded: YN | None = None  # None only in a pseudonymised row
    outcome_status: str | None = Field(default=None, pattern=CODE)
    visits_count: int | None = Field(default=None, ge=0)  # None only in a pseudonymised row
    last_followup_on: date | None = None
    next_followup_due: date | None = None
    followup_overdue: YN | None = None  # None only in a pseudonymised row

    @field_validator("plan_status_code")
    @classmethod
    def _reportable_status(cls, code: int) -> int:
        if not lifecycle.is_known(code) or code == lifecycle.CONSENT_WITHDRAWN:
            raise ValueError(f"status {code} is not a reportable plan status (10–90)")
        return code


class ReportException(BaseModel):
    """A child the rules include but whose row cannot be reported, with what a person should do (Thai)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    period: str = Field(pattern=PERIOD_PATTERN)
    lao_code: str = ""  # as known (may be empty or not in the DLA list: that can be the reason)
    child_key: str = Field(pattern=r"^[0-9a-f]{16}$")
    plan_status_code: int | None = None
    reason: Literal["no_lao", "unknown_lao", "no_status", "contradiction", "invalid_value", "no_consent"]
    message: str = Field(min_length=1)


# What a child's row keeps when only a pseudonymised row may go (consent.ShareForm.PSEUDONYMISED,
# DOMAIN §5.2 item 5): the child key, age band, sex, subdistrict and status codes. The fund's report and
# the partner exports both use it.
PSEUDONYMISED_KEYS: frozenset[str] = frozenset({
    "period", "lao_code", "lao_name", "province_code", "district_code", "subdistrict_code", "child_key",
    "sex", "age_band", "plan_status_code", "plan_status_th", "status_since",
})


EXCEPTION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("lao_code", "รหัส อปท."), ("child_key", "รหัสเด็ก"), ("plan_status_code", "รหัสสถานะแผน"),
    ("reason", "รหัสเหตุผล"), ("message", "เหตุผลและสิ่งที่ต้องทำ"))
