"""The export stage: each partner agency's file built and delivered, failed deliveries retried."""

from __future__ import annotations

from orchestration.exports import describe_exports, run_exports
from orchestration.stages import StageContext, stage


@stage("export")
def export(context: StageContext) -> str:
    """This month's exports for every agency in config/agencies.toml (the same export is sent once)."""
    return describe_exports(run_exports(context.settings, context.engine))
