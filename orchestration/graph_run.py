"""The real Dagster graph, materialised in process: one run per programme form, then the rest.

The runs go into the Dagster instance at DAGSTER_HOME (default ODKSYNC_DATA_DIR/dagster), so
`odksync ui` afterwards shows every materialisation and check result. Dagster's own console output
goes to a log file under that folder; the caller prints a readable summary instead.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg

from orchestration.assets.raw import programme_forms
from orchestration.settings import Settings

LOG_NAME = "demo-runs.log"
# Written once into a new DAGSTER_HOME: no usage statistics leave the machine, no newsletter pop-up.
INSTANCE_YAML = "telemetry:\n  enabled: false\n"


@dataclass
class CheckOutcome:
    """The latest evaluation of one asset check."""

    asset: str
    name: str
    passed: bool
    severity: str  # "ERROR" or "WARN"
    description: str
    metadata: dict[str, Any]


@dataclass
class RunOutcome:
    """One Dagster run: what it materialised, which steps failed and why (one line each)."""

    label: str
    run_id: str
    success: bool
    materialised: dict[str, dict[str, Any]]  # asset key → its metadata values
    failures: list[str]


@dataclass
class GraphOutcome:
    runs: list[RunOutcome] = field(default_factory=list)
    checks: dict[tuple[str, str], CheckOutcome] = field(default_factory=dict)
    log_path: Path | None = None

    @property
    def success(self) -> bool:
        return all(r.success for r in self.runs)


def open_instance(settings: Settings) -> dg.DagsterInstance:
    """The persistent instance at DAGSTER_HOME (its dagster.yaml, if any, is honoured)."""
    return dg.DagsterInstance.from_config(str(prepare_home(settings)))


def prepare_home(settings: Settings) -> Path:
    """DAGSTER_HOME, created with a dagster.yaml (telemetry off) unless one is there already."""
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        (home / "dagster.yaml").write_text(INSTANCE_YAML, encoding="utf-8")
    nux = home / ".nux" / "nux.yaml"
    if not nux.exists():
        nux.parent.mkdir(parents=True, exist_ok=True)
        nux.write_text("seen: 1\n", encoding="utf-8")
    return home


def _graph() -> tuple[list[dg.AssetsDefinition], list[dg.AssetsDefinition]]:
    """Every asset and every asset check of the one Definitions object."""
    from orchestration.definitions import defs

    # The definitions as listed, not the repository's copies (those carry their resources bound).
    assets = [a for a in defs.assets or [] if isinstance(a, dg.AssetsDefinition)]
    checks = [c for c in defs.asset_checks or [] if isinstance(c, dg.AssetsDefinition)]
    return assets, checks


def materialise_graph(
    settings: Settings, *, on_run: Callable[[RunOutcome], None] | None = None
) -> GraphOutcome:
    """Materialise every asset with its checks: one run per form for the assets partitioned by
    form, then one run for the unpartitioned ones (later layers need the raw layer whole).

    Assets partitioned otherwise (by month: the report and the partner exports) are materialised
    together, one run per partitions definition, for its latest partition: in one run, a blocking
    check on the report holds the exports back.
    """
    from orchestration.resources import default_resources

    assets, checks = _graph()
    everything: list[Any] = [*assets, *checks]
    resources = default_resources(data_dir=str(settings.data_dir))
    outcome = GraphOutcome(log_path=settings.dagster_home / LOG_NAME)
    by_form = [a for a in assets if a.partitions_def == programme_forms]
    unpartitioned = [a for a in assets if a.partitions_def is None]
    other = [a for a in assets if a.partitions_def is not None and a not in by_form]
    plan: list[tuple[str, list[dg.AssetsDefinition], str | None]] = [
        (form_id, by_form, form_id) for form_id in programme_forms.get_partition_keys()]
    plan.append(("core", unpartitioned, None))
    for partitions in dict.fromkeys(a.partitions_def for a in other):
        assert partitions is not None
        together = [a for a in other if a.partitions_def == partitions]
        last = partitions.get_last_partition_key()
        plan.append((f"{together[0].key.to_user_string()} {last}", together, last))
    with open_instance(settings) as instance:
        for label, selected, partition_key in plan:
            if not selected:
                continue
            with _quiet(outcome.log_path):
                result = dg.materialize(
                    everything, instance=instance, resources=resources, partition_key=partition_key,
                    selection=dg.AssetSelection.assets(*selected), raise_on_error=False,
                    tags={"odksync/started_by": "odksync demo"})
            run = RunOutcome(
                label=label, run_id=result.run_id, success=result.success,
                materialised={m.asset_key.to_user_string(): _values(m.metadata)
                              for e in result.get_asset_materialization_events()
                              if (m := e.materialization) is not None},
                failures=[_failure_line(e) for e in result.all_events if e.is_step_failure])
            for evaluation in result.get_asset_check_evaluations():
                key = (evaluation.asset_key.to_user_string() if evaluation.asset_key else "",
                       evaluation.check_name)
                outcome.checks[key] = CheckOutcome(
                    asset=key[0], name=key[1], passed=evaluation.passed,
                    severity=evaluation.severity.value, description=evaluation.description or "",
                    metadata=_values(evaluation.metadata))
            outcome.runs.append(run)
            if on_run is not None:
                on_run(run)
    return outcome


def _values(metadata: Any) -> dict[str, Any]:
    return {k: getattr(v, "value", v) for k, v in (metadata or {}).items()}


def _failure_line(event: Any) -> str:
    data = event.step_failure_data
    message = (data.error.message if data is not None and data.error is not None else "").strip()
    return f"{event.step_key}: {message.splitlines()[0] if message else 'failed'}"


@contextlib.contextmanager
def _quiet(log_path: Path | None) -> Iterator[None]:
    """Dagster's console logs and warnings into the log file, not the person's terminal."""
    if log_path is None:
        yield
        return
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("a", encoding="utf-8") as log, contextlib.redirect_stderr(log), \
            contextlib.redirect_stdout(log):
        yield
