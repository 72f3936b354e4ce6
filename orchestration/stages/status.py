"""The status stage: each matched child's plan status recomputed from its forms (DOMAIN.md §6); then
children whose consent was withdrawn (99) are erased, and closed cases get their `retain_until`."""

from __future__ import annotations

from sqlalchemy import Engine

from orchestration.settings import Settings
from orchestration.stages import StageContext, stage
from warehouse.db import session_scope
from warehouse.plan_status.engine import StatusSummary, recompute_status
from warehouse.privacy.erasure import ErasureResult, erase_new_forms, erase_withdrawn
from warehouse.privacy.retention import refresh_retention
from warehouse.privacy.rights import apply_corrections


@stage("status")
def status(context: StageContext) -> str:
    """Children whose forms changed get their status history rewritten; overdue judged on today;
    a withdrawal (99) erases the child's personal data (PDPA) before any later stage reads them."""
    with session_scope(context.engine) as session:
        result = recompute_status(session)
        session.commit()
    erased = after_status(context.engine, context.settings)
    return describe_status(result) + (f"; ลบข้อมูลส่วนบุคคลหลังถอนความยินยอม {len(erased)} คน "
                                      "(erased after consent withdrawal)")


def after_status(engine: Engine, settings: Settings) -> list[ErasureResult]:
    """What follows a status recompute (here and in the Dagster asset): children at 99 erased (PDPA),
    corrections put back on rows a new form brought, closed cases' `retain_until` brought up to date."""
    store = settings.content_store()
    erase_new_forms(engine, store=store, actor="status-engine")
    erased = erase_withdrawn(engine, store=store, actor="status-engine")
    with session_scope(engine) as session:
        apply_corrections(session)
        refresh_retention(session, days=settings.retention_days)
        session.commit()
    return erased


def describe_status(result: StatusSummary) -> str:
    """One status run in one line, Thai first."""
    return (f"เด็ก {result.children} คน, คำนวณใหม่ {result.recomputed} (children, recomputed); "
            f"ข้อยกเว้นรอแก้ {result.open_exceptions} (open exceptions), "
            f"เกินกำหนดติดตาม {result.overdue} (overdue), ถอนความยินยอม {result.withdrawn} (withdrawn), "
            f"ยังไม่จับคู่ {result.unmatched} (events not matched yet)")
