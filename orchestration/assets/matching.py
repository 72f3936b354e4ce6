"""Core layer: child observations matched into children with stable ids, and the pairs waiting for a person.

`matched_children` runs the same warehouse matching as `odksync match` (no files); `review_queue`
shows the pairs it could not decide, each with the exact command that decides it.
"""

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import dagster as dg
from sqlalchemy import func, select
from sqlmodel import Session, col

from orchestration.assets.normalised import normalised_submissions
from orchestration.resources import WarehouseResource
from warehouse.matching.identity import MatchSummary, match_warehouse
from warehouse.matching.review import PairView, list_pairs
from warehouse.matching.store import ChildAssignment, ChildIdEvent, ReviewPair

# Evidence kinds of warehouse.matching.identity, strongest first, in words a data manager reads.
EVIDENCE = {
    "review": "การตัดสินของผู้ตรวจ (a reviewer's decision)",
    "entity": "เลือกเด็กจากรายชื่อใน Collect (the child chosen in Collect)",
    "id": "เลขประจำตัวหรือ G-code ตรงกัน (the same ID or G-code)",
    "model": "ชื่อ วันเกิด และข้อมูลอื่นคล้ายกัน (names, birth date and the rest alike)",
    "alone": "ยังไม่พบรายการอื่นของเด็กคนนี้ (no other record of this child yet)",
}
TOP_PAIRS = 20


@dg.asset(group_name="core", deps=[normalised_submissions], kinds={"sql"})
def matched_children(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Every child observation matched to a child whose id stays the same across runs.

    Evidence, strongest first: a reviewer's decision, the child chosen in Collect, the same valid ID
    or G-code, then names, birth date, guardian and place. A child keeps its id when new visits
    arrive; when two children turn out to be one the older id survives and the other redirects to
    it (a merge); a rejected pair splits a child under a new id. Pairs the evidence cannot decide wait
    in `review_queue`. The same run as `odksync match` with no files.
    """
    with warehouse.session() as session:
        result = match_warehouse(session, by="dagster")
        session.commit()
        shares = evidence_shares(session)
        events = list(session.scalars(select(ChildIdEvent).where(
            ChildIdEvent.run_id == result.run_id).order_by(ChildIdEvent.id).limit(10)))  # type: ignore[arg-type]
    context.log.info(f"{result.observations} observation(s) -> {result.children} child(ren); "
                     f"{result.new_children} new, {result.merges} merged, {result.splits} split, "
                     f"{result.pending_reviews} pair(s) waiting for review")
    return dg.MaterializeResult(metadata={
        "observations": result.observations,
        "children": result.children,
        "new_ids": result.new_children,
        "merges": result.merges,
        "splits": result.splits,
        "moved_observations": result.moved,
        "pending_reviews": result.pending_reviews,
        "match_run_id": result.run_id,
        "evidence_share": dg.MetadataValue.json(shares),
        "preview": dg.MetadataValue.md(match_preview(result, shares, events)),
    })


def evidence_shares(session: Session) -> dict[str, float]:
    """Share of matched observations by the evidence that put each with its child (every kind listed)."""
    by_kind = select(col(ChildAssignment.evidence), func.count()).group_by(col(ChildAssignment.evidence))
    counts = Counter({str(kind): int(n) for kind, n in session.execute(by_kind)})
    total = sum(counts.values())
    return {kind: round(counts[kind] / total, 4) if total else 0.0 for kind in EVIDENCE}


def match_preview(result: MatchSummary, shares: dict[str, float], events: Sequence[ChildIdEvent]) -> str:
    """The run in a few lines, then the share by evidence and this run's merges and splits (Thai first)."""
    lines = [f"**{result.observations} รายการ → เด็ก {result.children} คน** "
             f"(observations → children): ใหม่ {result.new_children} (new), รวม {result.merges} (merged), "
             f"แยก {result.splits} (split), รอตรวจสอบ {result.pending_reviews} คู่ (pairs waiting for review)",
             "", "| หลักฐาน (evidence) | สัดส่วน (share of observations) |", "|---|---|"]
    lines += [f"| {EVIDENCE[kind]} | {share:.1%} |" for kind, share in shares.items()]
    if events:
        lines += ["", "| เหตุการณ์ (event) | รหัสเด็ก (child id) | อีกรหัส (other id) | รายการ (observations) "
                  "| เหตุผล (why) |", "|---|---|---|---|---|"]
        for e in events:
            kind = "รวม (merge)" if e.kind == "merge" else "แยก (split)"
            why = " ".join(e.reason.split()).replace("|", "\\|")
            lines.append(f"| {kind} | {e.child_id} | {e.other_id} | {e.observations} | {why} |")
    return "\n".join(lines)


@dg.asset(group_name="core", deps=[matched_children], kinds={"sql"})
def review_queue(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Pairs of records the matcher could not decide, waiting for a person, most likely first.

    Decide each with `odksync review accept PAIR` (the same child) or `odksync review reject PAIR`
    (different children); every later run honours the decision, recorded with who and when.
    IDs are masked: only the last three digits are shown.
    """
    with warehouse.session() as session:
        queue = pending_queue(session)
    context.log.info(f"{queue['pending']} pair(s) waiting for review")
    return dg.MaterializeResult(metadata={
        "pending": queue["pending"],
        "decided": queue["decided"],
        "oldest_pending_days": queue["oldest_pending_days"],
        "oldest_pending_since": queue["oldest_pending_since"] or "—",
        "preview": dg.MetadataValue.md(queue["preview"]),
    })


def pending_queue(session: Session, *, top: int = TOP_PAIRS, now: datetime | None = None) -> dict[str, Any]:
    """The queue's evidence: pending and decided counts, the oldest pending pair's age, the top pairs."""
    from warehouse.matching.review import describe, describe_observations

    pairs = list_pairs(session, status="pending")
    decided = session.scalar(select(func.count()).select_from(ReviewPair).where(
        ReviewPair.status != "pending")) or 0  # type: ignore[arg-type]
    oldest = session.scalar(select(func.min(ReviewPair.created_at)).where(
        ReviewPair.status == "pending"))  # type: ignore[arg-type]
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    days = round((now - oldest).total_seconds() / 86400, 2) if oldest is not None else 0.0
    shown = pairs[:top]
    seen = describe_observations(session, {k for p in shown for k in (p.left_key, p.right_key)})
    rows = [{"pair": p.pair_key, "score": round(p.score, 4),
             "left": describe(seen.get(p.left_key), p.left_key),
             "right": describe(seen.get(p.right_key), p.right_key),
             "accept": f"odksync review accept {p.pair_key}",
             "reject": f"odksync review reject {p.pair_key}"} for p in shown]
    return {"pending": len(pairs), "decided": int(decided), "oldest_pending_days": days,
            "oldest_pending_since": oldest.isoformat() if oldest is not None else None,
            "top": rows, "preview": queue_preview(pairs, rows)}


def queue_preview(pairs: Sequence[PairView], rows: Sequence[dict[str, Any]]) -> str:
    if not rows:
        return "ไม่มีคู่ที่รอตรวจสอบ (no pairs waiting for review)"
    lines = ["| ระเบียนซ้าย (left) | ระเบียนขวา (right) | คะแนน (score) | คู่ (pair) | เป็นคนเดียวกัน (same child) "
             "| เป็นคนละคน (different children) |", "|---|---|---|---|---|---|"]
    for r in rows:
        left, right = (str(r[side]).replace("|", "\\|") for side in ("left", "right"))
        lines.append(f"| {left} | {right} | {r['score']:.2f} | `{r['pair']}` | `{r['accept']}` "
                     f"| `{r['reject']}` |")
    if len(pairs) > len(rows):
        lines.append(f"\nและอีก {len(pairs) - len(rows)} คู่: `odksync review list` แสดงทั้งหมด "
                     f"(and {len(pairs) - len(rows)} more: `odksync review list` shows them all)")
    return "\n".join(lines)
