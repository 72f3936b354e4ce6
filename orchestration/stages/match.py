"""The match stage: the normalised observations of children into children with stable ids."""

from __future__ import annotations

from orchestration.stages import StageContext, stage
from warehouse.db import session_scope
from warehouse.matching.identity import MatchSummary, match_warehouse


@stage("match")
def match(context: StageContext) -> str:
    """Every child observation matched; ids kept, merges and splits recorded, unsure pairs queued."""
    with session_scope(context.engine) as session:
        result = match_warehouse(session, by="odksync run")
        session.commit()
    return describe_match(result)


def describe_match(result: MatchSummary) -> str:
    """One match run in one line, Thai first."""
    return (f"{result.observations} รายการ → เด็ก {result.children} คน (observations → children); "
            f"ใหม่ {result.new_children} (new), รวม {result.merges} (merged), แยก {result.splits} (split), "
            f"รอตรวจสอบ {result.pending_reviews} คู่ (pairs waiting for review)")
