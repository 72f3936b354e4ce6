"""`odksync push`: plan status back to the field, without Dagster."""

from __future__ import annotations

from typing import Annotated

import typer

from orchestration.settings import Settings

push_commands = typer.Typer()


@push_commands.command("push")
def push(
    target: Annotated[str | None, typer.Option(
        help="central or kobo only (default: Central, and Kobo too when KOBO_URL is set).")] = None,
) -> None:
    """Each child's plan status and next follow-up date into ODK Central's `children` entity list
    (only what changed, conflict-safe) and Kobo's children.csv; a second run writes nothing."""
    from orchestration.cli import _engine, _run, console, errors
    from orchestration.stages import SOURCES
    from orchestration.stages.push import run_push

    if target is not None and target not in SOURCES:
        errors.print(f"error: unknown target {target!r}; use --target central or --target kobo.")
        raise typer.Exit(2)

    def work(settings: Settings) -> None:
        targets = [target] if target else (["central", "kobo"] if settings.kobo_url else ["central"])
        engine = _engine(settings)
        try:
            for line in run_push(settings, engine, targets):
                console.print(f"✓ push {line}", highlight=False, soft_wrap=True)
        finally:
            engine.dispose()

    _run(work)
