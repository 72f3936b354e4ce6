"""Raw layer: the media files (photos, consent scans) of each form's submissions, held once each."""


import dagster as dg

from orchestration.assets.raw import central_forms, central_submissions
from orchestration.attachments import attachment_summary, fetch_attachments
from orchestration.resources import CentralResource, SettingsResource, WarehouseResource


@dg.asset(key_prefix=["raw"], partitions_def=central_forms, group_name="raw",
          deps=[central_submissions], kinds={"odk", "files"})
def central_attachments(
    context: dg.AssetExecutionContext, central: CentralResource, warehouse: WarehouseResource,
    settings: SettingsResource,
) -> dg.MaterializeResult:
    """The files one form's current submissions name, downloaded once into the content store.

    Each file is fetched once, verified by its SHA-256 and kept under ODKSYNC_DATA_DIR (never in
    exports). A run cut off midway is resumed by the next, which fetches only the files still
    lacking. `missing` counts files not held yet: most often the phone has not sent them yet.
    Encrypted submissions' sealed files are not fetched (they cannot be read).
    """
    store = settings.settings().content_store()
    engine = warehouse.engine()
    with central.client() as (client, project_id):
        result = fetch_attachments(client, project_id, engine, store, form_id=context.partition_key)
        summary = attachment_summary(engine, project_id=str(project_id),
                                     form_id=context.partition_key)
    context.log.info(f"{context.partition_key}: {result.downloaded} downloaded, "
                     f"{summary.present}/{summary.expected} held")
    return dg.MaterializeResult(metadata={**summary.as_metadata(),
                                          "downloaded": result.downloaded})
