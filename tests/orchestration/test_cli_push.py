"""`odksync push` and the push stage of `odksync run`, as a data manager runs them."""

from __future__ import annotations

import itertools
import re
import uuid
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select

from connectors.central.client import CentralClient
from orchestration.pipeline import deploy_forms
from simulation.submitter import simulate
from tests.orchestration.test_cli import odksync
from tests.orchestration.test_run_command import _env
from tests.support.local_central import LocalCentral
from warehouse.pushback.store import PushRun

SEEDS = itertools.count(4242)


def _count(line: str, label: str) -> int:
    found = re.search(rf"{label} (\d+)", line)
    assert found, line
    return int(found.group(1))


def test_run_pushes_and_a_second_push_writes_nothing(central: LocalCentral, engine: Engine,
                                                     database_url: str, tmp_path: Path) -> None:
    with central.client() as admin:  # a project of its own: the entity list is the state under test
        project_id = admin.ensure_project(f"cli-push-{uuid.uuid4().hex[:8]}")
        deploy_forms(admin, project_id)
    with CentralClient(central.config.model_copy(update={"project_id": project_id})) as client:
        simulate(client, children=4, seed=next(SEEDS))  # entity uuids follow the seed; Central's are unique
    env = {**_env(central, tmp_path / "data", database_url), "ODK_CENTRAL_PROJECT_ID": str(project_id)}
    run = odksync("run", cwd=tmp_path, env=env)
    assert run.returncode == 0, run.stderr
    push_line = run.stdout.strip().splitlines()[-1]
    assert push_line.startswith("✓ push: central: รายการ ")
    assert _count(push_line, "เขียน") >= 1  # at least the warehouse child_id of each entity

    again = odksync("push", cwd=tmp_path, env=env)
    assert again.returncode == 0, again.stderr
    line = again.stdout.strip()
    assert line.startswith("✓ push central: ")
    assert _count(line, "เขียน") == 0 and _count(line, "ชนกันแล้วลองใหม่") == 0
    assert _count(line, "ไม่เปลี่ยน") + _count(line, "ข้ามที่รวมแล้ว") + _count(line, "ยังไม่เชื่อม") == \
        _count(line, "รายการ")
    with Session(engine) as session:
        runs = list(session.exec(select(PushRun).order_by(PushRun.id)))  # type: ignore[arg-type]
    assert [(r.target, r.ok, r.error) for r in runs] == [("central", True, None)] * 2
    assert runs[-1].updated == 0 and runs[0].updated == _count(push_line, "เขียน")


def test_push_to_kobo_before_the_forms_are_there_says_so(central: LocalCentral, database_url: str,
                                                          tmp_path: Path) -> None:
    env = _env(central, tmp_path / "data", database_url)
    done = odksync("push", "--target", "kobo", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert "ยังไม่อยู่บน Kobo 3 (not on Kobo)" in done.stdout
    assert (tmp_path / "data" / "kobo" / "media" / "children.csv").read_text(encoding="utf-8").startswith(
        "name,label,")


def test_an_unknown_target_is_refused(tmp_path: Path) -> None:
    done = odksync("push", "--target", "sftp", cwd=tmp_path, env={"ODKSYNC_DATA_DIR": str(tmp_path)})
    assert done.returncode == 2 and "unknown target" in done.stderr


def test_a_project_without_the_entity_list_is_told_to_deploy_the_forms(
        central: LocalCentral, database_url: str, tmp_path: Path) -> None:
    with central.client() as admin:
        project_id = admin.ensure_project(f"cli-push-empty-{uuid.uuid4().hex[:8]}")
    env = {**_env(central, tmp_path / "data", database_url), "ODK_CENTRAL_PROJECT_ID": str(project_id)}
    done = odksync("push", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert "odksync forms deploy" in done.stdout and "no children entity list yet" in done.stdout
