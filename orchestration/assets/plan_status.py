"""Core layer: each matched child's plan status (DOMAIN.md §6), recomputed from its forms."""

import dagster as dg

from orchestration.assets.matching import matched_children
from orchestration.resources import SettingsResource, WarehouseResource
from orchestration.stages.status import after_status
from warehouse.plan_status import lifecycle
from warehouse.plan_status.engine import StatusSummary, recompute_status


@dg.asset(group_name="core", deps=[matched_children], kinds={"sql"})
def plan_status(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                settings: SettingsResource) -> dg.MaterializeResult:
    """Each child's plan status, its history and its next follow-up, from the child's forms in date order.

    Only the steps §6 allows are applied; a form that proposes another step is not applied and
    waits as an exception, with the reason in Thai, for a person to correct the form. A follow-up
    is overdue when its due date has passed on a case still open (judged on today). Children whose
    forms did not change keep their rows; the same run as `odksync run`'s status stage.
    A child whose consent was withdrawn (99) is then erased (PDPA): personal data removed everywhere
    in the warehouse before the report, exports or push-back read it; a tombstone and audit row kept.
    """
    with warehouse.session() as session:
        result = recompute_status(session)
        session.commit()
    erased = after_status(warehouse.engine(), settings.settings())
    context.log.info(f"{result.children} child(ren), {result.recomputed} recomputed, "
                     f"{result.open_exceptions} open exception(s), {result.overdue} overdue, "
                     f"{len(erased)} erased after consent withdrawal")
    return dg.MaterializeResult(metadata={
        "children": result.children,
        "recomputed": result.recomputed,
        "removed": result.removed,
        "exceptions": result.exceptions,
        "open_exceptions": result.open_exceptions,
        "overdue": result.overdue,
        "withdrawn": result.withdrawn,
        "erased_now": len(erased),
        "unmatched_events": result.unmatched,
        "by_status": dg.MetadataValue.json({str(k): v for k, v in sorted(
            result.by_status.items(), key=lambda kv: -1 if kv[0] is None else kv[0])}),
        "preview": dg.MetadataValue.md(status_table(result)),
    })


def status_table(result: StatusSummary) -> str:
    """Children per status, Thai first, then the exceptions and overdue follow-ups in one line each."""
    lines = ["| รหัส (code) | สถานะแผน (plan status) | เด็ก (children) |", "|---|---|---|"]
    for code in sorted(lifecycle.STATUSES):
        lines.append(f"| {code} | {lifecycle.STATUSES[code].thai} ({lifecycle.STATUSES[code].slug}) "
                     f"| {result.by_status.get(code, 0)} |")
    unknown = {k: v for k, v in result.by_status.items() if k is not None and k not in lifecycle.STATUSES}
    lines += [f"| {code} | ไม่รู้จักรหัสนี้ (unknown code) | {n} |" for code, n in sorted(unknown.items())]
    if result.by_status.get(None):
        lines.append(f"| — | ไม่มีสถานะ: ทุกข้อเสนอถูกปฏิเสธ (no status: every proposal refused) "
                     f"| {result.by_status[None]} |")
    lines.append(f"| | **รวม (total)** | **{sum(result.by_status.values())}** |")
    lines += ["", f"ข้อยกเว้นรอแก้ {result.open_exceptions} รายการ จาก {result.exceptions} "
              f"(open exceptions of all): a form proposed a step §6 does not allow",
              f"เกินกำหนดติดตาม {result.overdue} คน (overdue follow-ups)"]
    return "\n".join(lines)
