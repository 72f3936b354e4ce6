"""Field layer: each child's plan status and next follow-up written back to the field's child list."""

from typing import Any

import dagster as dg

from orchestration.assets.plan_status import plan_status
from orchestration.pushback import PushCounts, describe_counts, push_central
from orchestration.resources import CentralResource, KoboResource, SettingsResource, WarehouseResource


@dg.asset(group_name="field", deps=[plan_status], kinds={"odk"})
def entity_pushback(context: dg.AssetExecutionContext, central: CentralResource, kobo: KoboResource,
                    warehouse: WarehouseResource, settings: SettingsResource) -> dg.MaterializeResult:
    """The `children` entity list on ODK Central brought up to date with the warehouse: each child's
    plan status, next follow-up and plan, so the enumerator's phone shows them at the next visit.

    Only entities whose values differ are written, each with the version read, so an edit made in
    Central meanwhile is never overwritten: it is read again and retried once, else left for the
    next run (`conflicts_left`). Erased children's entities are cleared. With KOBO_URL set, the
    Kobo forms' children.csv is rebuilt too, and sent only when it changed. Counts only: no value.
    """
    engine = warehouse.engine()
    with central.client() as (client, project_id):
        counts = push_central(client, project_id, engine)
    metadata = push_metadata(counts)
    if settings.settings().kobo_url:
        from orchestration.pushback_kobo import push_kobo

        with kobo.client() as kobo_client:
            done = push_kobo(settings.settings(), engine, kobo_client)
        metadata.update(kobo_rows=done.rows, kobo_file_changed=done.file_changed,
                        kobo_forms_uploaded=done.forms_uploaded)
    context.log.info(f"push-back: {describe_counts(counts)}")
    return dg.MaterializeResult(metadata=metadata)


def push_metadata(counts: PushCounts) -> dict[str, Any]:
    return {
        "entities": counts.entities,
        "updated": counts.updated,
        "unchanged": counts.unchanged,
        "conflicts": counts.conflicts_retried + counts.conflicts_left,
        "conflicts_retried": counts.conflicts_retried,
        "conflicts_left": counts.conflicts_left,
        "merged_marked": counts.merged_marked,
        "skipped_merged": counts.skipped_merged,
        "cleared_erased": counts.cleared_erased,
        "unlinked": counts.unlinked,
        "summary": describe_counts(counts),
    }
