"""Raw layer assets: every submission of every programme form, as received from the field."""


import dagster as dg

import forms
from orchestration.assets.preview import form_status_preview
from orchestration.encryption import report_encrypted
from orchestration.kobo_sync import sync_kobo
from orchestration.pipeline import CentralSource
from orchestration.resources import CentralResource, KoboResource, WarehouseResource
from warehouse.sync import sync_form

# One partition per programme form (forms/xlsform/*.xlsx), the same for every source.
programme_forms = dg.StaticPartitionsDefinition([p.stem for p in forms.form_paths()])
central_forms = programme_forms


@dg.asset(key_prefix=["raw"], partitions_def=central_forms, group_name="raw",
          kinds={"odk", "sql"})
def central_submissions(
    context: dg.AssetExecutionContext, central: CentralResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Every submission of one ODK Central form, current and past versions, as received.

    Each run pulls only what changed since the last one (new submissions, edits, reviews). A run
    that fails midway is completed exactly by the next. `in_sync` says whether the warehouse holds
    as many current submissions as the server.
    """
    with central.client() as (client, project_id), warehouse.session() as session:
        result = sync_form(CentralSource(client, project_id), session=session, source="central",
                           project_id=str(project_id), form_id=context.partition_key)
    context.log.info(f"{result.form_id}: fetched {result.fetched}, {result.new_submissions} new")
    sealed = report_encrypted(warehouse.engine(), source="central", project_id=str(project_id),
                              form_id=context.partition_key, key_id=None, logger=context.log)
    with warehouse.session() as session:
        preview = form_status_preview(session, source="central", form_id=context.partition_key)
    return dg.MaterializeResult(metadata={**result.as_metadata(), "metadata_only": sealed or 0,
                                          "status": dg.MetadataValue.md(preview)})


@dg.asset(key_prefix=["raw"], partitions_def=programme_forms, group_name="raw", kinds={"kobo", "sql"})
def kobo_submissions(
    context: dg.AssetExecutionContext, kobo: KoboResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Every submission of one form deployed on KoboToolbox, as received, beside Central's.

    Kobo keeps no modification time, so each run reads the form's whole feed and writes only
    what changed (an edit, a validation status). A form not deployed on Kobo is reported as such
    (`deployed` false) and nothing is written.
    """
    form_id = context.partition_key
    with kobo.client() as client:
        if client.find_asset(form_id) is None:
            context.log.info(f"{form_id}: not deployed on KoboToolbox, nothing to sync")
            return dg.MaterializeResult(metadata={"deployed": False, "in_sync": True})
        (result,) = sync_kobo(client, warehouse.engine(), form_ids=[form_id])
    context.log.info(f"{form_id}: fetched {result.fetched}, {result.new_submissions} new")
    with warehouse.session() as session:
        preview = form_status_preview(session, source="kobo", form_id=form_id)
    return dg.MaterializeResult(metadata={"deployed": True, **result.as_metadata(),
                                          "status": dg.MetadataValue.md(preview)})
