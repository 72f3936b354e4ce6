"""The first two stages: sync every source into the raw layer, then normalise into typed tables."""

from __future__ import annotations

from orchestration.stages import StageContext, stage
from warehouse.db import session_scope
from warehouse.normalise.driver import held_counts, normalise_pending
from warehouse.sync import SyncResult


@stage("sync")
def sync(context: StageContext) -> str:
    """Central (the local server when ODK_CENTRAL_URL is unset), and Kobo when KOBO_URL is set
    or `--source kobo` asks for it."""
    return "; ".join(describe_source(source, _sync_source(context, source)) for source in context.sources())


def _sync_source(context: StageContext, source: str) -> list[SyncResult]:
    if source == "kobo":
        from orchestration.kobo import kobo_client
        from orchestration.kobo_sync import sync_kobo

        with kobo_client(context.settings) as kobo:
            return sync_kobo(kobo, context.engine)
    from orchestration.central import central_client
    from orchestration.pipeline import sync_central

    with central_client(context.settings) as (client, project_id):
        return sync_central(client, project_id, context.engine,
                            attachments=context.settings.content_store())


def describe_source(source: str, results: list[SyncResult]) -> str:
    """One source's sync in one line, Thai first."""
    new = sum(r.new_submissions for r in results)
    changed = sum(r.new_versions - r.new_submissions for r in results)
    held = sum(r.warehouse_count for r in results)
    at_source = sum(r.source_count for r in results)
    behind = [r.form_id for r in results if not r.in_sync]
    state = "ตรงกันทุกแบบฟอร์ม (all in sync)" if not behind else \
        f"ไม่ตรง {len(behind)} แบบฟอร์ม (not in sync: {', '.join(behind)})"
    return (f"{source}: {len(results)} แบบฟอร์ม (forms), ใหม่ {new} (new), แก้ไข {changed} (changed), "
            f"เก็บแล้ว {held}/{at_source} (held/at source), {state}")


@stage("normalise")
def normalise(context: StageContext) -> str:
    """What the syncs brought, read into typed tables; what cannot be read goes to quarantine."""
    with session_scope(context.engine) as session:
        result = normalise_pending(session, max_payload_bytes=context.settings.max_submission_bytes)
        counts = held_counts(session)
    held = sum(c["held"] for c in counts.values())
    normalised = sum(c["normalised"] for c in counts.values())
    quarantined = sum(c["quarantined"] for c in counts.values())
    pending = sum(c["pending"] for c in counts.values())
    return (f"ครั้งนี้ {result.done} รายการ (this run): อ่านแล้ว {sum(result.normalised.values())}, "
            f"กักไว้ {sum(result.quarantined.values())}; เก็บทั้งหมด {held} = อ่านแล้ว {normalised} + "
            f"กักไว้ {quarantined}" + (f" + รอ {pending}" if pending else "")
            + " (held = normalised + quarantined)")
