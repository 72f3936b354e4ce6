"""One agency's export: which children, which columns, in what form, and the file's bytes.

Never in a file: a column the agency is not configured for, an erased child (tombstone), a child
whose consent was withdrawn (status 99), a child outside the agency's LAOs and provinces, attachments.
A child without the consent scope the agency requires is left out and counted. The national ID is
masked unless the full one is an extra field with a legal basis; home GPS is rounded to about 1 km
(or the subdistrict) unless the configuration says exact on a basis; the child's own words have
ID and phone numbers blanked unless the basis says otherwise.

The child key an agency receives is its own (HMAC under purpose `agency:<id>`) unless its entry says
`child_key = "fund"` with a reason, and its rows are ordered by what it receives (lao_code, then that
key), so neither the key nor the row order lets its file be joined with the fund's or another agency's.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from warehouse.exports.agencies import Agency, ExtraField
from warehouse.exports.report_keys import PSEUDONYMISED_KEYS
from warehouse.exports.rows import SourceRow
from warehouse.privacy.consent import WITHDRAWN_STATUS, ChildConsent, Scope, ShareForm, may_share
from warehouse.privacy.minimise import mask_national_id, redact_free_text, round_gps, subdistrict_only
from warehouse.privacy.pseudonym import check_secret, child_key

# Why a child in the agency's area is not in its file (the counts go to the log and the file's summary).
EXCLUDED_ERASED = "erased"
EXCLUDED_WITHDRAWN = "consent_withdrawn"
EXCLUDED_NO_CONSENT = "no_consent_for_recipient"


@dataclass(frozen=True)
class ExportRows:
    """The rows an agency may receive, as plain values, and the children left out by reason."""

    agency: Agency
    period: str
    columns: tuple[str, ...]
    rows: list[dict[str, Any]]
    excluded: dict[str, int] = field(default_factory=dict)
    pseudonymised: int = 0

    @property
    def content_hash(self) -> str:
        """SHA-256 of what the file says (columns and rows), whatever its format's own bytes: the
        same content gives the same hash, so the same export is delivered once."""
        canonical = json.dumps({"agency": self.agency.id, "period": self.period, "columns": self.columns,
                                "rows": self.rows}, ensure_ascii=False, sort_keys=True, default=_plain)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    @property
    def file_name(self) -> str:
        return f"{self.agency.id}_{self.period}_{self.content_hash[:8]}.{self.agency.format}"


def select_rows(agency: Agency, period: str, source: Iterable[SourceRow], *,
                consents: Mapping[str, ChildConsent], extras: Mapping[str, Mapping[str, Any]],
                erased: set[str], secret: str | bytes) -> ExportRows:
    """Apply the agency's scope, consent and columns to the report's rows; `secret` keys the agency's
    own child keys (ODKSYNC_SECRET, the same secret as the fund's report, under another purpose)."""
    own_key = "child_key" in agency.columns and agency.child_key == "own"
    if own_key:
        check_secret(secret)  # refused before any row, even for a file that would be empty
    out: list[dict[str, Any]] = []
    excluded: Counter[str] = Counter()
    pseudonymised = 0
    for row in source:
        values = row.values
        if not agency.scope.covers(_text(values.get("lao_code")), _text(values.get("province_code"))):
            continue
        consent = consents.get(row.child_id, ChildConsent())
        if row.child_id in erased:
            excluded[EXCLUDED_ERASED] += 1
            continue
        if values.get("plan_status_code") == WITHDRAWN_STATUS or consent.withdrawn:
            excluded[EXCLUDED_WITHDRAWN] += 1
            continue
        form = _share_form(agency, consent)
        if form is ShareForm.NONE:
            excluded[EXCLUDED_NO_CONSENT] += 1
            continue
        pseudonymised += form is ShareForm.PSEUDONYMISED
        record = {}
        for column in agency.columns:
            value = values.get(column)
            if column == "national_id_masked":
                value = _masked(value)
            elif column == "child_key" and own_key:
                value = child_key(row.child_id, secret, purpose=agency.child_key_purpose)
            if form is ShareForm.PSEUDONYMISED and column not in PSEUDONYMISED_KEYS:
                value = None
            record[column] = value
        child_extra = extras.get(row.child_id, {})
        for extra in agency.extra_fields:
            record[extra.field] = None if form is ShareForm.PSEUDONYMISED else _extra_value(
                extra, child_extra.get(extra.field))
        out.append(record)
    out.sort(key=_received_order)
    return ExportRows(agency, period, agency.output_columns, out, dict(sorted(excluded.items())),
                      pseudonymised)


def _received_order(record: Mapping[str, Any]) -> tuple[str, str, str]:
    """By lao_code, then child key, as the agency receives them (absent: empty), then, without a key,
    the whole row: deterministic, and nothing of the fund's key order shows through."""
    key = _text(record.get("child_key"))
    whole = "" if key else json.dumps(record, ensure_ascii=False, sort_keys=True, default=_plain)
    return _text(record.get("lao_code")) or "", key or "", whole


def _share_form(agency: Agency, consent: ChildConsent) -> ShareForm:
    if agency.consent_scope != "none":
        return ShareForm.FULL if consent.has(Scope(agency.consent_scope)) else ShareForm.NONE
    return may_share(consent, agency.id, agency.legal_basis).form


def _masked(value: Any) -> str | None:
    """The report already masks; a value that is not in the masked shape is masked here again."""
    if value is None or value == "":
        return value
    text = str(value)
    return text if text.startswith("x-xxxx-xxxxx-") else mask_national_id(text)


def _extra_value(extra: ExtraField, raw: Any) -> Any:
    if raw is None:
        return None
    if extra.field == "home_gps":
        latitude, longitude, subdistrict = raw
        if extra.precision == "exact":
            return f"{latitude},{longitude}"
        if extra.precision == "subdistrict":
            return subdistrict_only(subdistrict)
        point = round_gps(latitude, longitude)
        return f"{point.latitude:.2f},{point.longitude:.2f}" if point else None
    if extra.field == "child_voice" and extra.redact:
        return redact_free_text(raw).text
    return raw


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _plain(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not a plain export value")
