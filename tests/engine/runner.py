"""Runs batches of cases through ODK Web Forms' XForms engine (harness.mjs) and reads its verdicts."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENGINE_DIR = Path(__file__).resolve().parent
HARNESS = ENGINE_DIR / "harness.mjs"
NODE_MODULES = ENGINE_DIR / "node_modules"
STAMP = NODE_MODULES / ".installed"

Read = dict[str, Any]  # one node's state: relevant, required, value, constraint, required_ok, …


class EngineError(RuntimeError):
    """The harness could not run a batch at all (form did not load, node crashed)."""


@dataclass
class Case:
    """Answers to give a fresh form instance, then the nodes whose state to report.

    `set` holds ``(path, value)`` pairs in entry order (a select_multiple value is its
    choice names separated by spaces) and ``{"add": repeat_path}`` to add a repeat instance.
    With `sweep_path`, each of `sweep_values` is entered in turn after `set` and `read`
    is reported after each one.
    """

    id: str
    set: list[Any] = field(default_factory=list)
    read: list[str] = field(default_factory=list)
    sweep_path: str | None = None
    sweep_values: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "set": self.set, "read": self.read}
        if self.sweep_path:
            out["sweep"] = {"path": self.sweep_path, "values": self.sweep_values}
        return out


@dataclass
class CaseResult:
    """What the engine reported for one case; `error` is set when an answer could not be given."""

    id: str
    error: str | None
    reads: dict[str, Read]
    sweep: list[tuple[str, dict[str, Read]]]

    def __getitem__(self, path: str) -> Read:
        self.raise_error()
        node = self.reads[path]
        assert node["exists"], f"{self.id}: the form has no node {path}"
        return node

    def raise_error(self) -> None:
        if self.error:
            raise AssertionError(f"case {self.id}: {self.error}")


def node_binary() -> str | None:
    return shutil.which("node")


def ensure_node_modules() -> None:
    """Install the pinned engine with `npm ci` when `make test` has not done it already."""
    lock = ENGINE_DIR / "package-lock.json"
    if STAMP.is_file() and STAMP.stat().st_mtime >= lock.stat().st_mtime:
        return
    npm = shutil.which("npm")
    if npm is None:
        raise EngineError("npm is not on PATH; install Node.js 20 (with npm) to run the engine tests")
    done = subprocess.run(
        [npm, "ci", "--prefix", str(ENGINE_DIR), "--no-audit", "--no-fund"],
        capture_output=True, text=True, timeout=600, check=False,
    )
    if done.returncode != 0:
        raise EngineError(f"npm ci in {ENGINE_DIR} failed:\n{done.stdout}\n{done.stderr}")
    STAMP.touch()


def run_cases(form_xml: str, cases: list[Case], media_dir: Path | None = None) -> dict[str, CaseResult]:
    """One node process for the whole batch; results by case id."""
    node = node_binary()
    if node is None:
        raise EngineError("node is not on PATH")
    ids = [c.id for c in cases]
    if len(set(ids)) != len(ids):
        raise ValueError("case ids must be unique")
    with tempfile.TemporaryDirectory(prefix="engine-") as tmp:
        form_path = Path(tmp) / "form.xml"
        form_path.write_text(form_xml, encoding="utf-8")
        cases_path = Path(tmp) / "cases.json"
        cases_path.write_text(json.dumps([c.to_json() for c in cases]), encoding="utf-8")
        cmd = [node, str(HARNESS), "--form", str(form_path), "--cases", str(cases_path)]
        if media_dir is not None:
            cmd += ["--media", str(media_dir)]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False,
                              cwd=ENGINE_DIR)
    if done.returncode != 0:
        raise EngineError(f"the engine harness failed (exit {done.returncode}):\n{done.stderr.strip()}")
    payload = json.loads(done.stdout)
    return {r["id"]: _result(r) for r in payload["results"]}


def _result(raw: dict[str, Any]) -> CaseResult:
    return CaseResult(
        id=raw["id"],
        error=raw.get("error"),
        reads=raw.get("reads", {}),
        sweep=[(s["value"], s["reads"]) for s in raw.get("sweep", [])],
    )
