"""Jobs and schedules: the hourly sync of every form, and the nightly stages after it.

Later stages (matching, plan status, the report, exports, push-back) join `nightly_job` by their
asset group; the schedules stay as they are.
"""


import dagster as dg

from orchestration.assets.attachments import central_attachments
from orchestration.assets.raw import central_submissions, programme_forms
from orchestration.assets.report import eef_report

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
    "nightly_job", selection=dg.AssetSelection.groups("core"),
    description="Everything after the sync: normalisation, the quarantine, matching and the review "
                "queue (plan status and the report join as they are built).")


@dg.schedule(job=sync_job, cron_schedule="0 * * * *", execution_timezone=TIMEZONE)
def hourly_sync(context: dg.ScheduleEvaluationContext) -> list[dg.RunRequest]:
    """Every hour, one sync run per programme form."""
    hour = context.scheduled_execution_time.strftime("%Y-%m-%dT%H")  # one run per form per hour
    return [dg.RunRequest(partition_key=form_id, run_key=f"{form_id}@{hour}")
            for form_id in programme_forms.get_partition_keys()]


nightly_normalise = dg.ScheduleDefinition(
    name="nightly_normalise", job=nightly_job, cron_schedule="0 2 * * *", execution_timezone=TIMEZONE,
    description="At 02:00 Bangkok time, normalise what the day's syncs brought.")

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

schedules = [hourly_sync, nightly_normalise, monthly_report]
jobs = [sync_job, central_sync_job, nightly_job, report_job]
