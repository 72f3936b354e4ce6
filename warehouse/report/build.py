"""Writing a period's report: select the rows once, stream them into the XLSX, CSV and JSON at the same
time, then the manifest; record the run in `report_run` and an `export` row in the audit log.

Files are written under `.partial` names and renamed when all are complete, so a reader never sees a
half-written report. The CSV and JSON are byte-identical for the same warehouse state and period (but
for the JSON's `generated_at`); the manifest carries each file's SHA-256.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from warehouse import audit
from warehouse.models import SyncRun
from warehouse.report.config import ReportConfig, load_config
from warehouse.report.period import Period
from warehouse.report.rows import CHUNK_ROWS, ERASED, WITHDRAWN, ReportSummary, select_report
from warehouse.report.store import ReportRun
from warehouse.report.writers import CsvWriter, JsonWriter, WrittenFile, XlsxWriter

MANIFEST = "manifest.json"
REPO = Path(__file__).resolve().parents[2]


@dataclass
class ReportResult:
    period: str
    format: str
    out_dir: Path
    files: list[dict[str, Any]]  # name, rows, sha256, bytes (manifest.json last, without its own hash)
    rows: int
    exceptions: int
    withdrawn: int
    erased: int
    closed_before: int
    no_consent: int = 0  # exceptions: no consent for the fund on basis consent
    pseudonymised: int = 0  # rows sent pseudonymised on an agreement's basis
    legal_basis: str = ""  # the disclosure basis (and the full ID's, when configured)
    by_status: dict[int, int] = field(default_factory=dict)
    run_id: int | None = None
    audit_event_id: int | None = None

    def path(self, suffix: str) -> Path:
        """The written file ending in `suffix` (`.xlsx`, `.csv`, `.json`, `manifest.json`)."""
        return next(self.out_dir / f["name"] for f in self.files if f["name"].endswith(suffix))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def code_version() -> str:
    """`odksync <version>` and, in a git checkout, the commit: which code wrote a file."""
    try:
        version = metadata.version("odksync")
    except metadata.PackageNotFoundError:
        version = "unknown"
    try:
        commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short=12", "HEAD"], check=True,
                                capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"odksync {version}" + (f" ({commit})" if commit else "")


def last_sync_at(session: Session) -> datetime | None:
    return session.execute(select(func.max(col(SyncRun.finished_at))).where(col(SyncRun.ok))).scalar()


def write_report(engine: Engine, period: Period | str, out_dir: Path, secret: str | bytes, *,
                 config: ReportConfig | None = None, actor: str | None = None,
                 now: datetime | None = None, chunk_rows: int = CHUNK_ROWS) -> ReportResult:
    """Write the period's XLSX, CSV, JSON and manifest.json into `out_dir`; record the run and audit it."""
    config = config or load_config()
    period = Period.parse(period) if isinstance(period, str) else period
    started = now or datetime.now(UTC)
    generated_at = started.isoformat(timespec="seconds")
    actor = actor or audit.actor(fallback="odksync")
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{config.file_stem}_{period}"
    names = {kind: f"{stem}.{kind}" for kind in ("xlsx", "csv", "json")}
    partial = {kind: out_dir / (name + ".partial") for kind, name in names.items()}
    columns = config.columns_for(None)
    with Session(engine) as session:
        synced = last_sync_at(session)
        with select_report(session, period, secret, chunk_rows=chunk_rows,
                           disclosure=config.disclosure) as selection:
            xlsx = XlsxWriter(partial["xlsx"], columns, config)
            csv_out = CsvWriter(partial["csv"], columns)
            json_out = JsonWriter(partial["json"], columns, format_name=config.format, period=str(period),
                                  generated_at=generated_at)
            try:
                for values in selection.values():
                    xlsx.values(values)
                    csv_out.values(values)
                    json_out.values(values)
            except BaseException:
                for writer_file in partial.values():
                    writer_file.unlink(missing_ok=True)
                raise
            summary, exceptions = selection.summary, selection.exceptions
            written: list[WrittenFile] = [xlsx.close(summary, exceptions), csv_out.close(),
                                          json_out.close(exceptions)]
    files = []
    for kind, done in zip(("xlsx", "csv", "json"), written, strict=True):
        final = out_dir / names[kind]
        done.path.replace(final)
        files.append({"name": final.name, "rows": done.rows, "sha256": sha256_of(final),
                      "bytes": final.stat().st_size})
    version = code_version()
    manifest = {"format": config.format, "period": str(period), "generated_at": generated_at,
                "code_version": version,
                "warehouse_last_sync": synced.isoformat(timespec="seconds") if synced else None,
                "rows": summary.row_count, "exceptions": len(exceptions),
                "withdrawn": summary.total(WITHDRAWN), "erased": summary.total(ERASED),
                "no_consent": summary.no_consent_count, "pseudonymised": summary.pseudonymised,
                "disclosure": _disclosure(config), "files": files}
    manifest_path = out_dir / MANIFEST
    tmp = out_dir / (MANIFEST + ".partial")
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    tmp.replace(manifest_path)
    result = ReportResult(
        period=str(period), format=config.format, out_dir=out_dir,
        files=[*files, {"name": MANIFEST, "rows": len(files), "sha256": sha256_of(manifest_path),
                        "bytes": manifest_path.stat().st_size}],
        rows=summary.row_count, exceptions=len(exceptions), withdrawn=summary.total(WITHDRAWN),
        erased=summary.total(ERASED), closed_before=summary.closed_before,
        no_consent=summary.no_consent_count, pseudonymised=summary.pseudonymised,
        legal_basis=config.disclosure.audit_basis, by_status=summary.by_status())
    _record(engine, result, config, summary, started=started, actor=actor, version=version, synced=synced,
            columns=[c.key for c in columns])
    return result


def _record(engine: Engine, result: ReportResult, config: ReportConfig, summary: ReportSummary, *,
            started: datetime, actor: str, version: str, synced: datetime | None, columns: list[str]) -> None:
    with Session(engine, expire_on_commit=False) as session:
        event = audit.record(
            engine, session=session, actor=actor, action="export", subject=f"{config.format} {result.period}",
            fields=columns, row_count=result.rows, legal_basis=result.legal_basis,
            details={"recipient": "EEF", "out_dir": str(result.out_dir), "files": result.files,
                     "exceptions": result.exceptions, "no_consent": result.no_consent,
                     "pseudonymised": result.pseudonymised, "disclosure": _disclosure(config)})
        run = ReportRun(
            format=config.format, period=result.period, started_at=started, finished_at=datetime.now(UTC),
            out_dir=str(result.out_dir), rows=result.rows, exceptions=result.exceptions,
            withdrawn=result.withdrawn, erased=result.erased, closed_before=summary.closed_before,
            by_status={str(k): v for k, v in result.by_status.items()}, files=result.files,
            code_version=version[:64], last_sync_at=synced, actor=actor, audit_event_id=event.id)
        session.add(run)
        session.commit()
        result.run_id, result.audit_event_id = run.id, event.id


def _disclosure(config: ReportConfig) -> dict[str, Any]:
    """The disclosure basis as the manifest and the audit row record it (PDPA s.27)."""
    d = config.disclosure
    full = d.full_national_id
    return {"basis": d.basis.value, "reference": d.reference,
            "full_national_id": None if full is None or full.basis is None else
            {"basis": full.basis.value, "reference": full.reference}}

