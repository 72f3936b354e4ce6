"""One row per report written: which period, which files with their hashes, how many rows and
exceptions. The Dagster asset and the exports read the latest run of a period from here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, Session, SQLModel, col, select

from warehouse.models import json_column


class ReportRun(SQLModel, table=True):
    __tablename__ = "report_run"
    __table_args__ = (Index("ix_report_run_period", "format", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    format: str = Field(max_length=32)  # eef-plan-status/1
    period: str = Field(max_length=7)  # YYYY-MM
    started_at: datetime
    finished_at: datetime
    out_dir: str  # where the files were written
    rows: int = 0
    exceptions: int = 0
    withdrawn: int = 0  # status 99: counted in the summary, never rows
    erased: int = 0  # erased children: counted, never rows
    closed_before: int = 0  # left out: closed before the period began
    by_status: dict[str, int] = json_column()  # status code → rows
    files: list[dict[str, Any]] = json_column()  # [{name, rows, sha256, bytes}]
    code_version: str = Field(max_length=64)
    last_sync_at: datetime | None = None  # the warehouse's last successful sync
    actor: str = Field(max_length=255)
    audit_event_id: int | None = None


def latest_run(session: Session, *, period: str | None = None,
               format: str = "eef-plan-status/1") -> ReportRun | None:
    """The most recent report run (of `period`, when given): what the Dagster asset and exports read."""
    query = select(ReportRun).where(col(ReportRun.format) == format)
    if period is not None:
        query = query.where(col(ReportRun.period) == period)
    return session.exec(query.order_by(col(ReportRun.id).desc()).limit(1)).first()
