"""Jobs and schedules: the hourly sync of every form, and the nightly stages after it.

Later stages (matching, plan status, the report, exports, push-back) join `nightly_job` by their
asset group; the schedules stay as they are.
"""


from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import dagster as dg

from orchestration.assets.attachments import central_attachments
from orchestration.assets.exports import agencies, asset_name, partner_exports
from orchestration.assets.pushback import entity_pushback
from orchestration.assets.raw import central_submissions, programme_forms
from orchestration.assets.report import eef_report, report_months
from warehouse.exports.agencies import Agency

TIMEZONE = "Asia/Bangkok"  # the programme's day: nightly means night in Thailand

# Every raw asset of one form (Central's submissions and media, Kobo's submissions).
sync_job = dg.define_asset_job(
    "sync_job", selection=dg.AssetSelection.groups("raw"),
    description="Pull what changed at every source for one form (a partition), with its media.")

# What the new-submissions sensor starts: Central's submissions and media of one form.
central_sync_job = dg.define_asset_job(
    "central_sync_job",
    selection=dg.AssetSelection.assets(central_submissions, central_attachments),
    description="Pull what changed on ODK Central for one form, with its media.")

nightly_job = dg.define_asset_job(
    "nightly_job", selection=dg.AssetSelection.groups("core") | dg.AssetSelection.assets(entity_pushback),
    description="Everything after the sync: normalisation, the quarantine, matching, the review queue "
                "and plan status, then the statuses pushed back to the field's child list.")


@dg.schedule(job=sync_job, cron_schedule="0 * * * *", execution_timezone=TIMEZONE)
def hourly_sync(context: dg.ScheduleEvaluationContext) -> list[dg.RunRequest]:
    """Every hour, one sync run per programme form."""
    hour = context.scheduled_execution_time.strftime("%Y-%m-%dT%H")  # one run per form per hour
    return [dg.RunRequest(partition_key=form_id, run_key=f"{form_id}@{hour}")
            for form_id in programme_forms.get_partition_keys()]


nightly_normalise = dg.ScheduleDefinition(
    name="nightly_normalise", job=nightly_job, cron_schedule="0 2 * * *", execution_timezone=TIMEZONE,
    description="At 02:00 Bangkok time, normalise what the day's syncs brought, match, recompute plan "
                "statuses and push them back.")

# The EEF report of one month (a partition).
report_job = dg.define_asset_job(
    "report_job", selection=dg.AssetSelection.assets(eef_report),
    description="The EEF plan-status report of one month, with the check that it reconciles with the "
                "status engine.")

# On the first of each month at 06:00 Bangkok time (after the night's status run), the month just
# ended: a monthly partitioned job's schedule asks for the last complete partition.
monthly_report = dg.build_schedule_from_partitioned_job(
    report_job, name="monthly_eef_report", day_of_month=1, hour_of_day=6,
    description="On the 1st at 06:00 Bangkok time, the report of the month just ended.")



def previous_month(moment: datetime) -> str:
    """The month partition before the one `moment` falls in, in Bangkok time (`2026-11-01`)."""
    first = moment.astimezone(ZoneInfo(TIMEZONE)).date().replace(day=1)
    return f"{first - timedelta(days=1):%Y-%m}-01"


def export_schedule(agency: Agency, asset: dg.AssetsDefinition) -> tuple[Any, dg.ScheduleDefinition]:
    """An agency's job (the month's report, its check, then the agency's export: a report that does
    not reconcile blocks the export) on the agency's cron from config/agencies.toml."""
    job = dg.define_asset_job(
        f"export_{asset_name(agency)}_job", selection=dg.AssetSelection.assets(eef_report, asset),
        description=f"The report of the month just ended, then {agency.name}'s export from it.")

    @dg.schedule(name=f"export_{asset_name(agency)}", job=job, cron_schedule=agency.schedule,
                 execution_timezone=TIMEZONE, description=f"{agency.name}: `{agency.schedule}` Bangkok time, "
                 "the month just ended.")
    def agency_export(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
        month = previous_month(context.scheduled_execution_time)
        if month not in report_months.get_partition_keys():
            return dg.SkipReason(f"{month}: before the programme's first reporting month")
        return dg.RunRequest(partition_key=month,
                             run_key=f"{agency.id}:{context.scheduled_execution_time:%Y-%m-%dT%H:%M}")

    return job, agency_export


export_schedules = [export_schedule(agency, asset) for agency, asset in zip(agencies, partner_exports,
                                                                              strict=True)]
schedules = [hourly_sync, nightly_normalise, monthly_report, *(s for _, s in export_schedules)]
jobs = [sync_job, central_sync_job, nightly_job, report_job, *(j for j, _ in export_schedules)]
