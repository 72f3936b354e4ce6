"""Core layer: the submissions that could not be normalised, by reason, as a data manager reviews them."""


import dagster as dg

from orchestration.assets.normalised import normalised_submissions
from orchestration.resources import WarehouseResource
from warehouse.normalised import Quarantine
from warehouse.quality import quarantine_summary


@dg.asset(group_name="core", deps=[normalised_submissions], kinds={"sql"})
def quarantine(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Submissions held back from the typed tables, each with its reason in Thai (which form, which
    field, what was found, what was expected, what to do).

    Nothing here is lost: the submission stays in the raw layer. Correct it at the source (edit
    the submission in ODK Central or KoboToolbox); the next sync and normalisation read it again,
    or run `odksync normalise --replay` after a fix in odksync itself.
    """
    with warehouse.session() as session:
        summary = quarantine_summary(session)
    context.log.info(f"{summary.quarantined} of {summary.held} held submission(s) in quarantine")
    return dg.MaterializeResult(metadata={
        "held": summary.held,
        "quarantined": summary.quarantined,
        "quarantine_rate": summary.rate,
        "by_reason": dg.MetadataValue.json(summary.by_reason),
        "by_form": dg.MetadataValue.json(summary.by_form),
        "preview": dg.MetadataValue.md(preview(summary.rows, total=summary.quarantined)),
    })


def preview(rows: list[Quarantine], *, total: int) -> str:
    """The first quarantined submissions as a markdown table of their Thai messages."""
    if not rows:
        return "ไม่มีรายการที่ถูกกักไว้ (no submission in quarantine)"
    lines = ["| แบบฟอร์ม (form) | รายการ (submission) | เหตุผล (reason) | ข้อความ (message) |",
             "|---|---|---|---|"]
    for r in rows:
        message = " ".join(str(r.message).split()).replace("|", "\\|")
        lines.append(f"| {r.form_id} | {r.submission_id} | {r.reason} | {message} |")
    if total > len(rows):
        lines.append(f"\nและอีก {total - len(rows)} รายการ: `odksync quarantine list` แสดงทั้งหมด")
    return "\n".join(lines)
