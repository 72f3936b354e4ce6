"""`odksync run`: the stages built so far, in the pinned order, without Dagster; one line of counts each,
and a failing stage stops the run with one line and exit code 1."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from sqlalchemy import Engine

import forms
from connectors.xlsform import convert
from orchestration import stages
from orchestration.kobo import kobo_client
from orchestration.settings import Settings
from orchestration.stages import ORDER, StageContext, StageFailed, run_stages, stage
from simulation.generator import generate_children, registration_xml
from tests.integration.test_sync import _submit
from tests.orchestration.test_cli import _closed_port, odksync
from tests.support.local_central import ADMIN, LocalCentral
from warehouse.db import session_scope
from warehouse.normalise.driver import held_counts


def _env(central: LocalCentral, data: Path, database_url: str) -> dict[str, str]:
    return {"ODKSYNC_DATA_DIR": str(data), "DATABASE_URL": database_url,
            "ODK_CENTRAL_URL": central.server.url, "ODK_CENTRAL_USERNAME": ADMIN,
            "ODK_CENTRAL_PASSWORD": central.config.password.get_secret_value(),
            "ODK_CENTRAL_PROJECT_ID": str(central.project_id), "KOBO_URL": ""}


def _counts(line: str, label: str) -> int:
    found = re.search(rf"{label} (\d+)", line)
    assert found, line
    return int(found.group(1))


def test_run_syncs_then_normalises_and_a_rerun_finds_nothing_new(
    central: LocalCentral, engine: Engine, database_url: str, tmp_path: Path
) -> None:
    _submit(central, 3, seed=301)
    env = _env(central, tmp_path / "data", database_url)
    first = odksync("run", cwd=tmp_path, env=env)
    assert first.returncode == 0, first.stderr
    sync_line, normalise_line, match_line, status_line, report_line, *_ = first.stdout.strip().splitlines()
    assert report_line.startswith("✓ report: รายงาน กสศ. งวด ") and (tmp_path / "data" / "reports").is_dir()
    assert sync_line.startswith("✓ sync: central:") and normalise_line.startswith("✓ normalise:")
    assert match_line.startswith("✓ match:") and _counts(match_line, "ใหม่") >= 1
    assert status_line.startswith("✓ status:") and _counts(status_line, "เด็ก") >= 1
    assert _counts(status_line, "คำนวณใหม่") == _counts(status_line, "เด็ก")  # a fresh warehouse: all
    with session_scope(engine) as session:
        counts = held_counts(session)
    held = sum(c["held"] for c in counts.values())
    assert held >= 3 and _counts(sync_line, "ใหม่") == held  # a fresh warehouse: everything is new
    assert f"เก็บแล้ว {held}/{held}" in sync_line and "all in sync" in sync_line
    assert _counts(normalise_line, "ครั้งนี้") == held
    assert f"เก็บทั้งหมด {held} =" in normalise_line
    assert all(c["pending"] == 0 for c in counts.values())

    again = odksync("run", cwd=tmp_path, env=env)
    assert again.returncode == 0, again.stderr
    sync_again, normalise_again, match_again, status_again, *_ = again.stdout.strip().splitlines()
    assert _counts(match_again, "ใหม่") == 0 and _counts(match_again, "รวม") == 0  # the same children
    assert _counts(status_again, "คำนวณใหม่") == 0  # nothing changed: no child recomputed
    assert _counts(sync_again, "ใหม่") == 0 and _counts(sync_again, "แก้ไข") == 0
    assert _counts(normalise_again, "ครั้งนี้") == 0 and f"เก็บทั้งหมด {held} =" in normalise_again


def test_a_failing_stage_stops_the_run_with_one_line(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    done = odksync("run", cwd=tmp_path, env={
        "ODKSYNC_DATA_DIR": str(tmp_path), "ODK_CENTRAL_URL": url, "ODK_CENTRAL_USERNAME": ADMIN,
        "ODK_CENTRAL_PASSWORD": "not-this-one-xyz", "ODK_CENTRAL_PROJECT_ID": "1"})
    assert done.returncode == 1
    (line,) = done.stderr.strip().splitlines()
    assert "stage sync failed" in line and url in line and "Traceback" not in done.stderr
    assert "not-this-one-xyz" not in done.stderr + done.stdout
    assert "normalise" not in done.stdout  # nothing after the failed stage ran


def test_run_from_kobo_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No KOBO_URL and `--source kobo`: the local Kobo-compatible server under the data dir."""
    data = tmp_path / "data"
    for name in ("KOBO_URL", "KOBO_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings.from_env({"ODKSYNC_DATA_DIR": str(data)})
    path = forms.FORMS_DIR / "child_registration.xlsx"
    form = convert(path)
    media = forms.media_paths()
    with kobo_client(settings) as kobo:
        kobo.deploy_form(path, attachments={n: media[n] for n in form.media})
        for child in generate_children(2, seed=303):
            xml = registration_xml(child, form_version=form.version, instance_id=f"uuid:{uuid.uuid4()}")
            assert kobo.submit_openrosa(xml).status == "created"
    done = odksync("run", "--source", "kobo", cwd=tmp_path, env={"ODKSYNC_DATA_DIR": str(data)})
    assert done.returncode == 0, done.stderr
    sync_line, normalise_line, match_line, status_line, report_line, *_ = done.stdout.strip().splitlines()
    assert status_line.startswith("✓ status:") and report_line.startswith("✓ report:")
    assert match_line.startswith("✓ match: 2 รายการ")  # the two registrations, matched
    assert sync_line.startswith("✓ sync: kobo: 1 แบบฟอร์ม") and "ใหม่ 2" in sync_line
    assert "central" not in sync_line
    assert _counts(normalise_line, "ครั้งนี้") == 2
    bad = odksync("run", "--source", "elsewhere", cwd=tmp_path, env={"ODKSYNC_DATA_DIR": str(data)})
    assert bad.returncode == 2 and "--source central or --source kobo" in bad.stderr


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> dict[str, stages.Stage]:
    """The registry as the built stages leave it, restored after the test."""
    stages.registered()
    copy = dict(stages._REGISTRY)
    monkeypatch.setattr(stages, "_REGISTRY", copy)
    return copy


def test_later_stages_slot_in_by_name_in_the_pinned_order(registry: dict[str, stages.Stage],
                                                          tmp_path: Path) -> None:
    ran: list[str] = []
    for name in ("status", "match"):  # registered out of order
        registry.pop(name, None)
        stage(name)(lambda context, name=name: ran.append(name) or f"{name} done")  # type: ignore[misc]
    names = [s.name for s in stages.registered()]
    assert names == [n for n in ORDER if n in names] and names[:2] == ["sync", "normalise"]
    assert names.index("match") < names.index("status")
    with pytest.raises(ValueError, match="unknown stage 'matching'"):
        stage("matching")
    with pytest.raises(ValueError, match="registered twice"):
        stage("match")(lambda context: "another")


def test_the_first_failing_stage_stops_the_rest(registry: dict[str, stages.Stage], tmp_path: Path) -> None:
    reached: list[str] = []
    registry.clear()

    @stage("sync")
    def fine(context: StageContext) -> str:
        reached.append("sync")
        return "3 new"

    @stage("match")
    def broken(context: StageContext) -> str:
        raise ValueError("the model file is missing\nsecond line of detail")

    @stage("push")
    def never(context: StageContext) -> str:
        reached.append("push")
        return "pushed"

    lines: list[tuple[str, str]] = []
    context = StageContext(settings=Settings.from_env({"ODKSYNC_DATA_DIR": str(tmp_path)}), engine=None)
    with pytest.raises(StageFailed) as failed:
        run_stages(context, report=lambda name, line: lines.append((name, line)))
    assert lines == [("sync", "3 new")] and reached == ["sync"]
    assert str(failed.value) == ("ขั้นตอน match ล้มเหลว (stage match failed): the model file is missing")
