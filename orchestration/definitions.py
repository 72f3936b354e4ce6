"""The one Dagster Definitions object that workspace.yaml loads."""

import dagster as dg

from orchestration.assets.raw import central_submissions
from orchestration.resources import default_resources

defs = dg.Definitions(
    assets=[central_submissions],
    resources=default_resources(),
)
