"""The one Dagster Definitions object that workspace.yaml loads."""

import dagster as dg

from orchestration.assets.attachments import central_attachments
from orchestration.assets.normalised import normalised_submissions
from orchestration.assets.raw import central_submissions
from orchestration.resources import default_resources

defs = dg.Definitions(
    assets=[central_submissions, central_attachments, normalised_submissions],
    resources=default_resources(),
)
