"""Sensors: a sync started as soon as a form has new submissions, and an alert for every failed run."""


import json

import dagster as dg

from orchestration.alerts import run_failed
from orchestration.assets.raw import programme_forms
from orchestration.resources import AlertResource, CentralResource
from orchestration.schedules import central_sync_job


def parse_cursor(cursor: str | None) -> dict[str, int]:
    """The cursor: each form's submission count at the last tick, as JSON (`{"home_visit": 12}`)."""
    if not cursor:
        return {}
    loaded = json.loads(cursor)
    return {str(k): int(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}


def changed_forms(counts: dict[str, int], seen: dict[str, int]) -> list[str]:
    """Forms whose count moved since the cursor (a form first seen counts when it has any)."""
    return [form_id for form_id, n in sorted(counts.items()) if n != seen.get(form_id, 0)]


@dg.sensor(job=central_sync_job, minimum_interval_seconds=300,
           default_status=dg.DefaultSensorStatus.STOPPED)
def new_central_submissions(context: dg.SensorEvaluationContext,
                            central: CentralResource) -> dg.SensorResult | dg.SkipReason:
    """Every 5 minutes, ask Central how many submissions each form has (`$top=0&$count=true`: no
    row is downloaded) and start a sync of the forms whose count moved. Edits and reviews do not
    move a count; the hourly sync picks those up."""
    seen = parse_cursor(context.cursor)
    with central.client() as (client, project_id):
        published = {f.xml_form_id for f in client.list_forms(project_id=project_id)}
        counts = {form_id: client.count_submissions(form_id, project_id=project_id)
                  for form_id in programme_forms.get_partition_keys() if form_id in published}
    changed = changed_forms(counts, seen)
    cursor = json.dumps({**seen, **counts}, sort_keys=True)
    if not changed:
        context.update_cursor(cursor)
        return dg.SkipReason(f"no form has new submissions ({len(counts)} checked)")
    return dg.SensorResult(
        run_requests=[dg.RunRequest(partition_key=form_id, run_key=f"{form_id}:{counts[form_id]}")
                      for form_id in changed],
        cursor=cursor)


@dg.run_failure_sensor(name="alert_on_run_failure", default_status=dg.DefaultSensorStatus.RUNNING)
def alert_on_run_failure(context: dg.RunFailureSensorContext, alerts: AlertResource) -> None:
    """Every failed run is recorded under ODKSYNC_DATA_DIR/alerts and posted to
    ODKSYNC_ALERT_WEBHOOK_URL when set, in Thai, with the run's id to open in the UI."""
    alert = run_failed(job=context.dagster_run.job_name, run_id=context.dagster_run.run_id,
                       error=context.failure_event.message)
    outcome = alerts.send(alert)
    context.log.info(f"alert recorded for run {alert.run_id}" + (f"; {outcome}" if outcome else ""))


sensors = [new_central_submissions, alert_on_run_failure]
