"""`odksync run`: every stage built so far, in the pinned order, without Dagster."""

from __future__ import annotations

from typing import Annotated

import typer

from orchestration.settings import Settings

run_commands = typer.Typer()


@run_commands.command("run")
def run(
    source: Annotated[str | None, typer.Option(
        help="central or kobo only (default: Central, and Kobo too when KOBO_URL is set).")] = None,
) -> None:
    """Every stage in order (sync → normalise, then match, status, report, export and push as they
    are built), one line of counts each; stops at the first stage that fails, with exit code 1."""
    from orchestration.cli import _engine, _run, console, errors
    from orchestration.stages import SOURCES, StageContext, StageFailed, run_stages

    if source is not None and source not in SOURCES:
        errors.print(f"error: unknown source {source!r}; use --source central or --source kobo.")
        raise typer.Exit(2)

    def work(settings: Settings) -> None:
        context = StageContext(settings=settings, engine=_engine(settings), source=source)
        try:
            run_stages(context, report=lambda name, line: console.print(
                f"✓ {name}: {line}", highlight=False, soft_wrap=True))
        except StageFailed as failed:
            errors.print(f"[bold red]✗[/] {failed}", highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None
        finally:
            context.engine.dispose()

    _run(work)
