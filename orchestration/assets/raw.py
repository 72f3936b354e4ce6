"""Raw layer assets: every submission of every programme form, as received from the field."""


import dagster as dg

import forms
from orchestration.encryption import report_encrypted
from orchestration.pipeline import CentralSource
from orchestration.resources import CentralResource, WarehouseResource
from warehouse.sync import sync_form

central_forms = dg.StaticPartitionsDefinition([p.stem for p in forms.form_paths()])


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
    return dg.MaterializeResult(metadata={**result.as_metadata(), "metadata_only": sealed or 0})
