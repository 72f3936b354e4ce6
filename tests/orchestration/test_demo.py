"""`odksync demo` runs the real Dagster graph: a small demo leaves, in DAGSTER_HOME under its data dir,
a materialisation of every asset and an evaluation of every check, ends with each check's result in
one line, and a second demo submits nothing and ends with the same summary."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from sqlalchemy import func
from sqlmodel import select

import forms
from orchestration.assets.exports import agencies
from orchestration.checks_summary import describe_checks
from orchestration.definitions import defs
from orchestration.graph_run import CheckOutcome
from tests.orchestration.test_cli import odksync
from warehouse.db import make_engine, session_scope
from warehouse.models import Submission

CHILDREN = 6  # small: the demo's shape, not its size


def _demo(data: Path, cwd: Path) -> str:
    done = odksync("demo", "--children", str(CHILDREN), cwd=cwd,
                   env={"ODKSYNC_DATA_DIR": str(data), "DAGSTER_HOME": ""})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    return done.stdout


def _summary(stdout: str) -> list[str]:
    """The lines from the status table on: what a person reads last (times and ports removed)."""
    tail = stdout[stdout.index("odksync: forms as of the last sync"):]
    return [re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d", "<time>", line) for line in tail.splitlines()]


def _held(data: Path) -> int:
    engine = make_engine(f"sqlite:///{data / 'warehouse.sqlite3'}")
    with session_scope(engine) as session:
        count = int(session.exec(select(func.count()).select_from(Submission)).one())
    engine.dispose()
    return count


def test_the_demo_materialises_every_asset_and_check_in_dagster_home_and_a_rerun_adds_nothing(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    first = _demo(data, tmp_path)
    repository = defs.get_repository_def()
    asset_keys = repository.asset_graph.get_all_asset_keys()
    check_keys = set(repository.asset_checks_defs_by_key)

    home = data / "dagster"  # DAGSTER_HOME's default: `odksync ui` opens this one
    with dg.DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_runs()
        materialised = {key for key in asset_keys if instance.get_latest_materialization_event(key)}
        evaluations = [e.asset_check_evaluation for run in runs for e in instance.all_logs(
            run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)]
    partitions = sorted(p.stem for p in forms.form_paths())
    # One run per form, then the core layer to push-back, then the month's report with the exports.
    assert len(runs) == len(partitions) + 2
    assert all(run.is_success for run in runs)
    assert materialised == asset_keys
    assert {e.asset_check_key for e in evaluations if e is not None} == check_keys
    assert (home / "demo-runs.log").stat().st_size > 0  # Dagster's own logs went here, not the terminal
    assert "dagster - DEBUG" not in first and "STEP_SUCCESS" not in first

    lines = [line.strip() for line in first.splitlines()]
    check_lines = [line for line in lines if line.startswith(("✅", "⚠️", "❌"))]
    assert len(check_lines) == len(check_keys)
    for check in check_keys:
        assert sum(check.name in line for line in check_lines) == sum(
            k.name == check.name for k in check_keys)
    assert not any(line.startswith("❌") for line in check_lines)
    (report_line,) = [line for line in lines if line.startswith("รายงาน กสศ.")]
    month = report_line.split()[2]  # the last month ended, in Bangkok time
    assert (data / "reports" / month / "manifest.json").exists()
    assert all(f"{a.id.replace('-', '_')}: " in report_line for a in agencies)  # every agency's export
    held = _held(data)
    assert held >= CHILDREN

    second = _demo(data, tmp_path)
    assert "field work: 0 new submissions" in second
    synced = [line for line in second.splitlines() if line.strip().startswith("ซิงก์ ")]
    assert len(synced) == len(partitions) and all("ใหม่ 0 (new)" in line for line in synced)
    assert "ครั้งนี้ 0 รายการ" in second  # nothing left to normalise
    assert _held(data) == held
    assert _summary(second) == _summary(first)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert len(instance.get_runs()) == 2 * (len(partitions) + 2)  # the UI shows both demos

    status = odksync("status", "--json", cwd=tmp_path, env={"ODKSYNC_DATA_DIR": str(data)})
    rows = json.loads(status.stdout)["forms"]
    assert {r["form_id"] for r in rows} == set(partitions)
    assert all(r["in_sync"] for r in rows)
    _assert_no_secret_outside_the_secrets_folder(data, [first, second, status.stdout, status.stderr])


# The local servers' own stores (`central/`, `kobo/`) are the servers' side, as a real Central's database
# is; everything else under the data folder is odksync's: warehouse, Dagster's instance and logs,
# reports, exports, outbox, attachments.
SERVER_SIDE = ("secrets", "central", "kobo")


def _assert_no_secret_outside_the_secrets_folder(data: Path, outputs: list[str]) -> None:
    """The demo's generated password, Kobo token and ODKSYNC_SECRET appear in no output of the runs and
    in no file odksync or Dagster wrote (logs, event store, warehouse, reports, exports)."""
    secrets = {p.name: p.read_text(encoding="utf-8").strip() for p in (data / "secrets").iterdir()}
    assert {"local_central_password", "odksync_secret"} <= set(secrets)
    assert all(len(value) >= 16 for value in secrets.values())  # real secrets, so a hit means a leak
    files = [p for p in data.rglob("*") if p.is_file()
             and p.relative_to(data).parts[0] not in SERVER_SIDE]
    assert any(p.suffix == ".csv" for p in files) and any("dagster" in p.parts for p in files)
    for name, value in secrets.items():
        assert not [i for i, text in enumerate(outputs) if value in text], f"{name} printed"
        leaked = [str(p.relative_to(data)) for p in files if value.encode() in p.read_bytes()]
        assert not leaked, f"{name} found in {leaked}"


@pytest.mark.parametrize(("name", "passed", "severity", "metadata", "expected"), [
    ("national_ids_pass_the_check_digit", False, "WARN", {"failing": 3, "checked": 200, "share": 0.015},
     "⚠️ เตือน: เลขประจำตัวประชาชน 3 จาก 200 เลข (1.5%) หลักตรวจสอบไม่ผ่าน"),
    ("quarantine_is_below_threshold", False, "WARN", {"rate": 0.08, "threshold": 0.05},
     "⚠️ เตือน: ถูกกักไว้ 8.0% ของที่เก็บไว้ เกินเกณฑ์ 5.0%"),
    ("submissions_have_unique_instance_ids", False, "ERROR", {"failing": 2, "checked": 9},
     "❌ ไม่ผ่าน: 2 รายการใช้ instanceID ซ้ำ"),
    ("every_child_has_an_lao", True, "ERROR", {"failing": 0, "checked": 9},
     "✅ ผ่าน: เด็กทุกรายมี อปท. ที่รับผิดชอบ"),
    ("plans_have_no_overdue_followups", False, "WARN", {"overdue": 3, "open_cases": 6, "share": 0.5},
     "⚠️ เตือน: เด็ก 3 จาก 6 กรณีที่ยังเปิดอยู่ (50.0%) เกินกำหนดติดตามแล้ว"),
    ("report_rows_reconcile_with_the_status_engine", False, "ERROR",
     {"period": "2026-10", "missing": 1, "other_status": 0},
     "❌ ไม่ผ่าน: รายงานงวด 2026-10 ไม่ตรงกับสถานะแผน: ขาด 1 คน, สถานะต่าง 0 คน จึงยังไม่ส่งไฟล์ให้หน่วยงาน"),
    ("a_check_of_a_later_stage", False, "WARN", {}, "⚠️ เตือน: ไม่ผ่านการตรวจ"),
])
def test_each_check_result_is_one_line_thai_first_with_its_evidence(
    name: str, passed: bool, severity: str, metadata: dict[str, Any], expected: str
) -> None:
    check = CheckOutcome(asset="quarantine", name=name, passed=passed, severity=severity,
                         description="the check's own evidence", metadata=metadata)
    (line,) = describe_checks({("quarantine", name): check})
    assert line.startswith(expected)
    assert line.endswith(f"(quarantine · {name}: the check's own evidence)") and "\n" not in line
