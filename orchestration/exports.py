"""Partner-agency exports end to end: build each agency's file, log it, deliver it, retry what failed.

Library pieces do the work (warehouse.exports builds and logs, connectors.delivery delivers); this
module joins them, reads the environment (the variables a destination names) and writes the audit
rows. One export run at a time (a lock); each delivery is committed as soon as it has a receipt.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from connectors.delivery.base import Parcel, deliver_with_retry
from connectors.delivery.factory import deliverer_for
from orchestration.settings import Settings
from warehouse import audit
from warehouse.exports import store
from warehouse.exports.agencies import DEFAULT_CONFIG, Agency, load_agencies
from warehouse.exports.build import ExportRows, select_rows
from warehouse.exports.rows import RowSource, child_consents, child_extras, period_bounds
from warehouse.exports.writers import CONTENT_TYPES, render
from warehouse.locks import exclusive
from warehouse.privacy.tombstone import erased_child_ids

log = logging.getLogger(__name__)
SUPERSEDED = "superseded"  # a newer content or another destination replaced this delivery before it went


@dataclass(frozen=True)
class ExportOutcome:
    """What one run did for one delivery (a new one, or an older one tried again)."""

    agency_id: str
    period: str
    file_name: str
    rows: int
    status: str  # delivered | unchanged (delivered before) | failed | superseded
    attempts: int = 0
    receipt: str | None = None
    error: str | None = None
    excluded: dict[str, int] = field(default_factory=dict)


def default_period(today: datetime | None = None) -> str:
    return (today or datetime.now(UTC)).strftime("%Y-%m")


def report_row_source(settings: Settings) -> RowSource:
    """The report's rows for exports (the seam in warehouse.exports.rows)."""
    from warehouse.exports.rows import report_rows

    secret = settings.odksync_secret()
    return lambda session, period: report_rows(session, period, secret=secret)


def run_exports(settings: Settings, engine: Engine, *, period: str | None = None,
                agency_id: str | None = None, config: Path = DEFAULT_CONFIG,
                environ: Mapping[str, str] | None = None,
                row_source: RowSource | None = None, attempts: int = 3, backoff: float = 2.0,
                sleep: Callable[[float], None] = time.sleep, actor: str = "odksync") -> list[ExportOutcome]:
    """Every agency's export for `period` (default: this month), then every undelivered one delivered."""
    period = period or default_period()
    period_bounds(period)
    agencies = load_agencies(config)
    if agency_id is not None:
        agencies = tuple(a for a in agencies if a.id == agency_id)
        if not agencies:
            raise LookupError(f"ไม่มีหน่วยงาน {agency_id!r} ใน {config} (no such agency in the agencies file)")
    environ = os.environ if environ is None else environ
    source = row_source or report_row_source(settings)
    outcomes: list[ExportOutcome] = []
    with Session(engine, expire_on_commit=False) as session:
        built = _build_all(session, agencies, period, source, secret=settings.odksync_secret())
        # One lock per agency: Dagster runs the agencies' assets side by side, and two runs for the
        # same agency must not stage or deliver the same file at once.
        for agency, export in built:
            with exclusive(engine, f"partner export {agency.id}"):
                outcomes.extend(_stage(session, settings, agency, export, actor=actor))
                for row in store.undelivered(session, agency_id=agency.id):
                    outcomes.append(_deliver(session, settings, agency, row, environ=environ,
                                             attempts=attempts, backoff=backoff, sleep=sleep, actor=actor))
        if agency_id is None:
            known = {a.id for a in agencies}
            for row in store.undelivered(session):
                if row.agency_id not in known:
                    outcomes.append(_supersede(session, row, "หน่วยงานนี้ไม่อยู่ในไฟล์ตั้งค่าแล้ว (agency removed)"))
    return outcomes


def _build_all(session: Session, agencies: tuple[Agency, ...], period: str, source: RowSource, *,
               secret: str) -> list[tuple[Agency, ExportRows]]:
    # Only the rows some agency covers are kept: the report's rows stream past, the country's stay out.
    # Each agency's rows are ordered by what it receives (select_rows), not by the fund's key.
    rows = [r for r in source(session, period) if any(
        a.scope.covers(_text(r.values.get("lao_code")), _text(r.values.get("province_code")))
        for a in agencies)]
    ids = {r.child_id for r in rows}
    consents = child_consents(session, ids)
    extras = child_extras(session, ids, period_bounds(period)[1]) if any(
        a.extra_fields for a in agencies) else {}
    erased = erased_child_ids(session)
    return [(a, select_rows(a, period, rows, consents=consents, extras=extras, erased=erased, secret=secret))
            for a in agencies]


def _stage(session: Session, settings: Settings, agency: Agency, export: ExportRows, *,
           actor: str) -> list[ExportOutcome]:
    """Log the export as a pending delivery (its file staged), unless this very content already went."""
    destination = agency.destination.describe()
    key = store.delivery_key(agency_id=agency.id, period=export.period, file_format=agency.format,
                             destination=destination, content_hash=export.content_hash)
    known = store.by_key(session, key)
    if known is not None:
        if known.status == store.DELIVERED:
            return [ExportOutcome(agency.id, export.period, known.file_name, known.row_count, "unchanged",
                                  receipt=known.receipt, excluded=dict(known.excluded))]
        return []  # pending or failed: the delivery loop tries it again
    outcomes = []
    for older in store.undelivered(session, agency_id=agency.id):
        if older.period == export.period:
            outcomes.append(_supersede(session, older, "มีข้อมูลใหม่กว่าของงวดเดียวกัน (newer content)"))
    content = render(export)
    staged = _staging_dir(settings, agency.id) / export.file_name
    staged.write_bytes(content)
    os.chmod(staged, 0o600)
    parcel = Parcel(export.file_name, content, key, agency.id, export.period)
    session.add(store.ExportDelivery(
        delivery_key=key, agency_id=agency.id, period=export.period, file_name=export.file_name,
        file_format=agency.format, columns=list(export.columns), row_count=len(export.rows),
        excluded=export.excluded, sha256=parcel.sha256, size=parcel.size, content_hash=export.content_hash,
        legal_basis=agency.legal_basis.value, destination=destination, staged_path=str(staged),
        status=store.PENDING, created_at=datetime.now(UTC)))
    audit.record(_engine(session), actor=actor, action="export", subject=agency.id, fields=export.columns,
                 row_count=len(export.rows), legal_basis=agency.legal_basis.value, session=session,
                 details=_audit_details(agency, export.period, export.file_name, parcel.sha256,
                                        export.excluded) | {"pseudonymised_rows": export.pseudonymised})
    session.commit()
    return outcomes


def _deliver(session: Session, settings: Settings, agency: Agency, row: store.ExportDelivery, *,
             environ: Mapping[str, str], attempts: int, backoff: float, sleep: Callable[[float], None],
             actor: str) -> ExportOutcome:
    if row.destination != agency.destination.describe():
        return _supersede(session, row, "ปลายทางของหน่วยงานเปลี่ยนไปแล้ว (the destination changed)")
    try:
        content = Path(row.staged_path).read_bytes()
    except OSError:
        content = b""
    if hashlib.sha256(content).hexdigest() != row.sha256:
        return _supersede(session, row, "ไฟล์ที่รอส่งหายไปหรือถูกแก้ (the staged file is gone or changed); "
                                        "the next export builds it again")
    parcel = Parcel(row.file_name, content, row.delivery_key, row.agency_id, row.period,
                    CONTENT_TYPES.get(row.file_format, "application/octet-stream"))
    outbox = settings.data_dir / "outbox" / agency.id
    try:
        deliverer = deliverer_for(agency.destination, outbox=outbox, environ=environ,
                                  verify_tls=settings.tls_verify)
    except Exception as e:  # a destination that cannot even be set up is a failed attempt, said why
        from connectors.delivery.base import Attempted, DeliveryError

        done = Attempted(None, 1, e if isinstance(e, DeliveryError) else DeliveryError(str(e)))
    else:
        done = deliver_with_retry(deliverer, parcel, attempts=attempts, backoff=backoff, sleep=sleep)
    error = str(done.error) if done.error else None
    store.record_attempts(row, attempts=done.attempts, receipt=str(done.receipt) if done.receipt else None,
                          error=error)
    session.add(row)
    if done.receipt is not None:
        audit.record(_engine(session), actor=actor, action="delivery", subject=agency.id, fields=row.columns,
                     row_count=row.row_count, legal_basis=row.legal_basis, session=session,
                     details=_audit_details(agency, row.period, row.file_name, row.sha256, row.excluded)
                     | {"destination": row.destination, "receipt": row.receipt, "attempts": row.attempts,
                        "delivery_key": row.delivery_key})
        log.info("delivered %s to %s", row.file_name, row.destination)
        Path(row.staged_path).unlink(missing_ok=True)  # delivered: no second copy of children's data kept
    session.commit()
    return ExportOutcome(row.agency_id, row.period, row.file_name, row.row_count, row.status,
                         attempts=done.attempts, receipt=row.receipt, error=error,
                         excluded=dict(row.excluded))


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _engine(session: Session) -> Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def _supersede(session: Session, row: store.ExportDelivery, why: str) -> ExportOutcome:
    row.status, row.last_error = SUPERSEDED, why
    session.add(row)
    session.commit()
    return ExportOutcome(row.agency_id, row.period, row.file_name, row.row_count, SUPERSEDED, error=why)


def _audit_details(agency: Agency, period: str, file_name: str, sha256: str,
                   excluded: Mapping[str, Any]) -> dict[str, Any]:
    return {"agency": agency.name, "period": period, "file": file_name, "sha256": sha256,
            "format": agency.format, "agreement": agency.reference, "excluded": dict(excluded),
            "child_key": {"space": agency.child_key, "reason": agency.child_key_reason},
            "extra_fields": {e.field: {"legal_basis": e.legal_basis.value, "reference": e.reference}
                             for e in agency.extra_fields}}


def _staging_dir(settings: Settings, agency_id: str) -> Path:
    """ODKSYNC_DATA_DIR/exports/<agency>/, owner-only: the files hold children's data."""
    folder = settings.data_dir / "exports" / agency_id
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(folder.parent, 0o700)
    os.chmod(folder, 0o700)
    return folder


def describe_exports(outcomes: list[ExportOutcome]) -> str:
    """One export run in one line, Thai first."""
    count = {s: sum(o.status == s for o in outcomes)
             for s in ("delivered", "unchanged", "failed", SUPERSEDED)}
    left_out = sum(sum(o.excluded.values()) for o in outcomes if o.status in ("delivered", "failed"))
    line = (f"ส่งแล้ว {count['delivered']} ไฟล์ (delivered), ไม่เปลี่ยน {count['unchanged']} (unchanged), "
            f"ล้มเหลว {count['failed']} (failed, retried next run)")
    if count[SUPERSEDED]:
        line += f", แทนที่ {count[SUPERSEDED]} (superseded)"
    return line + f"; เด็กที่ไม่ได้ส่ง {left_out} คน (children left out: consent, withdrawal, erasure)"
