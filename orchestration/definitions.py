"""The one Dagster Definitions object that workspace.yaml loads."""

import dagster as dg

from orchestration.assets.attachments import central_attachments
from orchestration.assets.exports import partner_exports
from orchestration.assets.matching import matched_children, review_queue
from orchestration.assets.normalised import normalised_submissions
from orchestration.assets.plan_status import plan_status
from orchestration.assets.pushback import entity_pushback
from orchestration.assets.quarantine import quarantine
from orchestration.assets.raw import central_submissions, kobo_submissions
from orchestration.assets.report import eef_report
from orchestration.checks import asset_checks
from orchestration.resources import default_resources
from orchestration.schedules import jobs, schedules
from orchestration.sensors import sensors

defs = dg.Definitions(
    assets=[central_submissions, central_attachments, kobo_submissions, normalised_submissions, quarantine,
            matched_children, review_queue, plan_status, eef_report, *partner_exports, entity_pushback],
    asset_checks=asset_checks,
    jobs=jobs,
    schedules=schedules,
    sensors=sensors,
    resources=default_resources(),
)
