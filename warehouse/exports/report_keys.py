"""The row keys of the EEF report (`eef-plan-status/1`) as the report itself defines them: its row model
gives the keys, its column configuration (config/eef_report.toml) the Thai headers."""

from __future__ import annotations

from functools import cache

from warehouse.report.model import ReportRow

REPORT_KEYS: tuple[str, ...] = tuple(ReportRow.model_fields)

# What a child's row keeps when only a pseudonymised row may go (consent.ShareForm.PSEUDONYMISED,
# DOMAIN §5.2 item 5): the child key, age band, sex, subdistrict and status codes.
PSEUDONYMISED_KEYS: frozenset[str] = frozenset({
    "period", "lao_code", "lao_name", "province_code", "district_code", "subdistrict_code", "child_key",
    "sex", "age_band", "plan_status_code", "plan_status_th", "status_since",
})


@cache
def thai_headers() -> dict[str, str]:
    """Each report key's Thai header, from the report's column configuration."""
    from warehouse.report.config import load_config

    return {column.key: column.header_th for column in load_config().column}
