"""The row keys of the EEF report (`eef-plan-status/1`) as the report itself defines them: its row model
gives the keys, its column configuration (config/eef_report.toml) the Thai headers."""

from __future__ import annotations

from functools import cache

from warehouse.report.model import PSEUDONYMISED_KEYS as _PSEUDONYMISED_KEYS
from warehouse.report.model import ReportRow

REPORT_KEYS: tuple[str, ...] = tuple(ReportRow.model_fields)

# What a child's row keeps when only a pseudonymised row may go: defined with the report's row model,
# which uses it for the fund's report too.
PSEUDONYMISED_KEYS: frozenset[str] = _PSEUDONYMISED_KEYS


@cache
def thai_headers() -> dict[str, str]:
    """Each report key's Thai header, from the report's column configuration."""
    from warehouse.report.config import load_config

    return {column.key: column.header_th for column in load_config().column}
