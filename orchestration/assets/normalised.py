"""Core layer: raw submissions read into typed tables, and the quarantine of those that could not be."""


from collections.abc import Sequence

import dagster as dg
from sqlmodel import col, select

from orchestration.assets.raw import central_submissions
from orchestration.resources import WarehouseResource
from warehouse.normalise.driver import held_counts, normalise_pending, table_counts
from warehouse.normalised import Quarantine


@dg.asset(group_name="core", deps=[central_submissions], kinds={"sql"})
def normalised_submissions(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Every current submission of every form read into typed tables: child observations,
    identifiers, households, screenings, plans, follow-ups, consent and proposed statuses.

    Only raw versions not normalised yet are read, so a run after an idle sync writes nothing.
    A submission that cannot be read as its form says is quarantined with a reason in Thai
    (which form, which field, what was found, what was expected, what to do); the rest go on.
    `odksync quarantine list` lists them; after a fix, `odksync normalise --replay` reads them again.
    """
    with warehouse.session() as session:
        limit = warehouse.config.settings().max_submission_bytes  # ODKSYNC_MAX_SUBMISSION_BYTES
        result = normalise_pending(session, max_payload_bytes=limit)
        counts = held_counts(session)
        tables = table_counts(session)
        reasons = session.exec(select(Quarantine).order_by(col(Quarantine.id)).limit(20)).all()
    held = sum(c["held"] for c in counts.values())
    quarantined = sum(c["quarantined"] for c in counts.values())
    context.log.info(f"{result.done} submission(s) normalised or quarantined in {result.batches} batch(es)")
    return dg.MaterializeResult(metadata={
        "held": held,
        "normalised": sum(c["normalised"] for c in counts.values()),
        "quarantined": quarantined,
        "quarantine_rate": round(quarantined / held, 4) if held else 0.0,
        "done_this_run": result.done,
        "rows_per_table": dg.MetadataValue.json(tables),
        "per_form": dg.MetadataValue.json({form: c for (_, _, form), c in sorted(counts.items())}),
        "quarantine_preview": dg.MetadataValue.md(_preview(reasons)),
    })


def _preview(rows: Sequence[Quarantine]) -> str:
    if not rows:
        return "ไม่มีรายการที่ถูกกักไว้ (no submission in quarantine)"
    lines = ["| form | submission | reason | message |", "|---|---|---|---|"]
    for r in rows:
        message = str(r.message).replace("|", "\\|")
        lines.append(f"| {r.form_id} | {r.submission_id} | {r.reason} | {message} |")
    return "\n".join(lines)
