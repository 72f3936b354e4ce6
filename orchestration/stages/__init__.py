"""The pipeline's stages in their pinned order, for `odksync run` (the same functions, without Dagster).

A stage is a function that takes a `StageContext`, does its work and returns one line of counts
(Thai first). It registers itself with `@stage("name")`; its module is listed in STAGE_MODULES so
that `registered()` imports it. The order is ORDER's, whatever the order of registration.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from orchestration.settings import Settings

# The pinned order (ARCHITECTURE.md, `odksync run`); a stage not built yet is simply absent.
ORDER = ("sync", "normalise", "match", "status", "report", "export", "push")
# Modules whose import registers stages; a new stage adds its module here.
STAGE_MODULES = ("orchestration.stages.ingest", "orchestration.stages.match", "orchestration.stages.status",
                 "orchestration.stages.report", "orchestration.stages.export", "orchestration.stages.push")
SOURCES = ("central", "kobo")


@dataclass(frozen=True)
class StageContext:
    """What every stage gets: the settings, the warehouse, and the source asked for (None: Central,
    and Kobo too when KOBO_URL is set)."""

    settings: Settings
    engine: Any  # sqlalchemy Engine, migrated
    source: str | None = None

    def sources(self) -> list[str]:
        if self.source is not None:
            return [self.source]
        return ["central", "kobo"] if self.settings.kobo_url else ["central"]


StageFn = Callable[[StageContext], str]


@dataclass(frozen=True)
class Stage:
    name: str
    run: StageFn


_REGISTRY: dict[str, Stage] = {}


def stage(name: str) -> Callable[[StageFn], StageFn]:
    """Register `fn` as the stage `name` (one of ORDER); registering a name twice is a mistake."""
    if name not in ORDER:
        raise ValueError(f"unknown stage {name!r}: the stages are {', '.join(ORDER)}")

    def register(fn: StageFn) -> StageFn:
        known = _REGISTRY.get(name)
        if known is not None and known.run is not fn:
            raise ValueError(f"stage {name!r} is registered twice")
        _REGISTRY[name] = Stage(name=name, run=fn)
        return fn

    return register


def registered() -> list[Stage]:
    """The stages built so far, in the pinned order."""
    for module in STAGE_MODULES:
        importlib.import_module(module)
    return [_REGISTRY[name] for name in ORDER if name in _REGISTRY]


class StageFailed(RuntimeError):
    """A stage raised; `odksync run` stops there (later stages would read incomplete data)."""

    def __init__(self, name: str, error: BaseException) -> None:
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        super().__init__(f"ขั้นตอน {name} ล้มเหลว (stage {name} failed): {first}")
        self.stage = name


def run_stages(context: StageContext, *, report: Callable[[str, str], None]) -> list[str]:
    """Run every registered stage in order, calling `report(name, line)` after each; the first
    failure stops the run with StageFailed."""
    done = []
    for current in registered():
        try:
            line = current.run(context)
        except KeyboardInterrupt:
            raise
        except Exception as error:
            raise StageFailed(current.name, error) from error
        report(current.name, line)
        done.append(current.name)
    return done
