"""The status stage: each matched child's plan status recomputed from its forms (DOMAIN.md §6)."""

from __future__ import annotations

from orchestration.stages import StageContext, stage
from warehouse.db import session_scope
from warehouse.plan_status.engine import StatusSummary, recompute_status


@stage("status")
def status(context: StageContext) -> str:
    """Children whose forms changed get their status history rewritten; overdue judged on today."""
    with session_scope(context.engine) as session:
        result = recompute_status(session)
        session.commit()
    return describe_status(result)


def describe_status(result: StatusSummary) -> str:
    """One status run in one line, Thai first."""
    return (f"เด็ก {result.children} คน, คำนวณใหม่ {result.recomputed} (children, recomputed); "
            f"ข้อยกเว้นรอแก้ {result.open_exceptions} (open exceptions), "
            f"เกินกำหนดติดตาม {result.overdue} (overdue), ถอนความยินยอม {result.withdrawn} (withdrawn), "
            f"ยังไม่จับคู่ {result.unmatched} (events not matched yet)")
