"""Exports expire (DOMAIN §5.2 item 9): report folders and folder/outbox export files past their period.

The EEF report's folders (`ODKSYNC_DATA_DIR/reports/YYYY-MM/`, recorded in `report_run`) and the files
delivered to folder destinations (`ODKSYNC_DATA_DIR/outbox/<agency>/`, recorded in `export_delivery`)
hold children's data. After `ODKSYNC_EXPORT_RETENTION_DAYS` days, counted from the run's `finished_at`
or the delivery's `delivered_at` (a file's mtime only where no record names it), `odksync purge`
deletes them. The records stay: they hold names, counts and hashes, no personal data. The tables'
migrations are reserved, so a record is marked expired by the `purge` audit row that lists its id
(`expired_report_runs`, `expired_deliveries`; see `expired_ids`).

Only files under the data folder's `reports/` and `outbox/` are touched: a recorded path outside them
(a folder destination elsewhere) or reached through a symbolic link is refused and left alone, and a
symbolic link is never followed nor deleted. Copies sent by SFTP or HTTPS are the recipient's.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from warehouse import audit
from warehouse.exports.store import DELIVERED, ExportDelivery
from warehouse.privacy.retention import positive_days
from warehouse.report.store import ReportRun

EXPORT_RETENTION_ENV = "ODKSYNC_EXPORT_RETENTION_DAYS"
DEFAULT_EXPORT_RETENTION_DAYS = 90  # placeholder until the agreed period is configured
LEGAL_BASIS = "pdpa-s37-retention-period-ended"  # as warehouse/privacy/erasure.py names it
FOLDERS = ("reports", "outbox")


def export_retention_days(environ: Mapping[str, str]) -> int:
    """The export retention period in days from the environment (a positive whole number), else 90."""
    return positive_days(environ, EXPORT_RETENTION_ENV, DEFAULT_EXPORT_RETENTION_DAYS)


@dataclass
class ExpiredFile:
    path: Path
    size: int
    kind: str  # report | delivery | unrecorded
    period: str | None = None
    agency_id: str | None = None


@dataclass
class ExpiryResult:
    files: list[ExpiredFile] = field(default_factory=list)  # deleted (or, with dry_run, due)
    refused: list[str] = field(default_factory=list)  # recorded paths outside reports/outbox or via a link
    report_runs: list[int] = field(default_factory=list)
    deliveries: list[int] = field(default_factory=list)
    dry_run: bool = False
    audit_event_id: int | None = None

    @property
    def bytes(self) -> int:
        return sum(f.size for f in self.files)


def _roots(data_dir: Path) -> list[Path]:
    base = Path(os.path.abspath(data_dir))
    return [base / name for name in FOLDERS]


def _inside(path: Path, roots: Iterable[Path]) -> Path | None:
    """`path` (made absolute, not resolved) when it lies under one of `roots` with no symbolic link on
    the way (the root itself included); None otherwise."""
    target = Path(os.path.abspath(path))
    for root in roots:
        try:
            rel = target.relative_to(root)
        except ValueError:
            continue
        if not rel.parts or root.is_symlink():
            return None
        here = root
        for part in rel.parts:
            here = here / part
            if here.is_symlink():
                return None
        return target
    return None


def _size(path: Path) -> int | None:
    try:
        st = path.lstat()
    except FileNotFoundError:
        return None
    return st.st_size if os.path.isfile(path) and not path.is_symlink() else None


def _delivered_path(row: ExportDelivery) -> Path | None:
    """Where a folder destination put the file: its receipt says `<path> sha256=…`."""
    if not row.destination.startswith("folder:") or not row.receipt:
        return None
    where = row.receipt.split(" sha256=", 1)[0].strip()
    return Path(where) if where else None


def _at(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def expire_exports(engine: Engine, *, data_dir: Path, days: int, actor: str, now: datetime | None = None,
                   dry_run: bool = False) -> ExpiryResult:
    """Delete report and folder-delivery files older than `days`; audited as one `purge` row.
    With `dry_run`, only lists them and changes nothing (no audit row)."""
    now = now or datetime.now(UTC)
    cutoff = now - timedelta(days=days)
    roots = _roots(data_dir)
    result = ExpiryResult(dry_run=dry_run)
    recorded: set[Path] = set()  # every path a record names, expired or not: mtime never decides those
    due: list[ExpiredFile] = []

    def consider(path: Path, kind: str, old: bool, period: str | None, agency: str | None) -> bool:
        safe = _inside(path, roots)
        if safe is None:
            if old:
                result.refused.append(str(path))
            return False
        recorded.add(safe)
        size = _size(safe)
        if not old or size is None:
            return False
        due.append(ExpiredFile(safe, size, kind, period, agency))
        return True

    with Session(engine) as session:
        for run in session.exec(select(ReportRun).order_by(col(ReportRun.id))).all():
            old = _at(run.finished_at) < cutoff
            hit = [consider(Path(run.out_dir) / str(f["name"]), "report", old, run.period, None)
                   for f in run.files]
            if any(hit) and run.id is not None:
                result.report_runs.append(run.id)
        for row in session.exec(select(ExportDelivery).where(col(ExportDelivery.status) == DELIVERED)
                                .order_by(col(ExportDelivery.id))).all():
            path = _delivered_path(row)
            if path is None:
                continue
            old = _at(row.delivered_at or row.created_at) < cutoff
            if consider(path, "delivery", old, row.period, row.agency_id) and row.id is not None:
                result.deliveries.append(row.id)

    for root in roots:  # files no record names (a failed run's leftovers): by their own mtime
        if not root.is_dir() or root.is_symlink():
            continue
        for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
            here = Path(dirpath)
            dirnames[:] = [d for d in dirnames if not (here / d).is_symlink()]
            for name in filenames:
                path = here / name
                if path in recorded or path.is_symlink():
                    continue
                st = path.lstat()
                if datetime.fromtimestamp(st.st_mtime, UTC) < cutoff:
                    rel = path.relative_to(root).parts
                    first = rel[0] if len(rel) > 1 else None
                    due.append(ExpiredFile(path, st.st_size, "unrecorded",
                                           period=first if root.name == "reports" else None,
                                           agency_id=first if root.name == "outbox" else None))

    result.files = sorted(due, key=lambda f: str(f.path))
    if dry_run:
        return result
    for item in result.files:
        item.path.unlink(missing_ok=True)
    for folder in sorted({f.path.parent for f in result.files}, key=lambda p: -len(p.parts)):
        if folder not in roots and _inside(folder, roots) is not None:
            with contextlib.suppress(OSError):
                folder.rmdir()  # only when nothing else is left in it
    event = audit.record(
        engine, actor=actor, action="purge", subject=f"exports>{days}d", row_count=len(result.files),
        legal_basis=LEGAL_BASIS,
        details={"kind": "export_expiry", "period_days": days, "as_of": now.isoformat(),
                 "files": len(result.files), "bytes": result.bytes,
                 "periods": sorted({f.period for f in result.files if f.period}),
                 "agencies": sorted({f.agency_id for f in result.files if f.agency_id}),
                 "expired_report_runs": result.report_runs, "expired_deliveries": result.deliveries,
                 "refused": len(result.refused)})
    result.audit_event_id = event.id
    return result


def expired_ids(engine: Engine) -> dict[str, set[int]]:
    """The report runs and deliveries whose files an export expiry deleted (from the audit)."""
    runs: set[int] = set()
    deliveries: set[int] = set()
    for event in audit.events(engine, action="purge"):
        details = event.details or {}
        if details.get("kind") == "export_expiry":
            runs.update(details.get("expired_report_runs", []))
            deliveries.update(details.get("expired_deliveries", []))
    return {"report_run": runs, "export_delivery": deliveries}
