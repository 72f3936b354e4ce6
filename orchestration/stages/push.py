"""The push stage: plan status back to the field (Central's `children` entity list; Kobo's children.csv)."""

from __future__ import annotations

from sqlalchemy import Engine

from orchestration.settings import Settings
from orchestration.stages import StageContext, stage


@stage("push")
def push(context: StageContext) -> str:
    """Central always (the local server when ODK_CENTRAL_URL is unset); Kobo when KOBO_URL is set or
    `--source kobo` asks for it."""
    return "; ".join(run_push(context.settings, context.engine, context.sources()))


def run_push(settings: Settings, engine: Engine, targets: list[str]) -> list[str]:
    """Push to each target ("central", "kobo"); one line of counts each, Thai first."""
    lines = []
    if "central" in targets:
        from orchestration.central import central_client
        from orchestration.pushback import describe_counts, push_central

        with central_client(settings) as (client, project_id):
            lines.append("central: " + describe_counts(push_central(client, project_id, engine)))
    if "kobo" in targets:
        from orchestration.kobo import kobo_client
        from orchestration.pushback_kobo import describe_kobo, push_kobo

        with kobo_client(settings) as kobo:
            lines.append(describe_kobo(push_kobo(settings, engine, kobo)))
    return lines
