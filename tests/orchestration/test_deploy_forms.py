"""`odksync forms deploy` end to end on the local Central: the four programme forms, the children
list, dry runs, a rerun that writes nothing, and the refusal of a change that breaks the warehouse."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

import forms
from connectors.central.client import CentralClient
from connectors.central.config import CentralConfig
from orchestration.pipeline import FormChangeRefused, deploy_forms
from tests.contract.central_contract import start_sandbox, write_requests
from tests.orchestration.test_cli import odksync

PROGRAMME = {"child_registration", "home_visit", "assistance_plan", "plan_followup"}
FOLLOW_ON = PROGRAMME - {"child_registration"}


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, CentralConfig]]:
    server, config = start_sandbox(tmp_path_factory.mktemp("deploy"))
    try:
        yield server, config
    finally:
        server.stop()


def new_project(config: CentralConfig, name: str) -> CentralConfig:
    with CentralClient(config) as client:
        return config.model_copy(update={"project_id": client.ensure_project(name)})


def writes(server: Any, since: int) -> list[str]:
    return [f"{r.method} {r.path}" for r in write_requests(server.request_log, since=since)]


def test_the_programme_forms_are_the_four_of_the_issue() -> None:
    assert {p.stem for p in forms.form_paths()} == PROGRAMME


def test_the_four_forms_fill_and_link_the_children_list_and_a_rerun_writes_nothing(
    local: tuple[Any, CentralConfig],
) -> None:
    server, base = local
    config = new_project(base, "four forms")
    with CentralClient(config) as client:
        pid = config.project_id
        assert pid is not None
        before = len(server.request_log)
        planned = deploy_forms(client, pid, dry_run=True)
        assert planned[0].form_id == "child_registration" and planned[0].creates_dataset == "children"
        assert {r.form_id: r.action for r in planned} == dict.fromkeys(PROGRAMME, "created")
        assert writes(server, before) == []

        deployed = deploy_forms(client, pid)
        assert {r.form_id: r.action for r in deployed} == dict.fromkeys(PROGRAMME, "created")
        assert [d.name for d in client.list_datasets(pid)] == ["children"]
        detail = client.get_dataset("children", pid)
        assert detail is not None and detail.source_forms == ["child_registration"]
        assert set(detail.linked_forms) == FOLLOW_ON
        properties = {p.name for p in detail.properties}
        assert {"child_id", "lao_code", "plan_status", "next_followup_due"} <= properties
        for form_id in FOLLOW_ON:
            held = {a.name: a for a in client.forms.attachments(form_id, pid)}
            assert held["children.csv"].dataset_exists, form_id
        # The static children.csv shipped for Kobo never goes to Central.
        assert [w for w in writes(server, before) if w.endswith("/children.csv")] == []

        before = len(server.request_log)
        again = deploy_forms(client, pid)
        assert {r.form_id: r.action for r in again} == dict.fromkeys(PROGRAMME, "unchanged")
        assert writes(server, before) == []


def cli_env(config: CentralConfig, tmp_path: Path) -> dict[str, str]:
    return {"ODKSYNC_DATA_DIR": str(tmp_path), "ODK_CENTRAL_URL": config.base_url,
            "ODK_CENTRAL_USERNAME": config.username,
            "ODK_CENTRAL_PASSWORD": config.password.get_secret_value(),
            "ODK_CENTRAL_PROJECT_ID": str(config.project_id)}


def test_the_command_says_what_would_change_then_deploys_then_leaves_alone(
    local: tuple[Any, CentralConfig], tmp_path: Path,
) -> None:
    server, base = local
    env = cli_env(new_project(base, "command"), tmp_path)
    before = len(server.request_log)
    dry = odksync("forms", "deploy", "--target", "central", "--dry-run", env=env, cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    lines = dry.stdout.strip().splitlines()
    assert lines[0].startswith("child_registration: would be created (version ")
    assert "fills entity list children" in lines[0]
    for form_id in FOLLOW_ON:
        (line,) = [x for x in lines if x.startswith(f"{form_id}:")]
        assert "would be created" in line and "links the entity list as children.csv" in line
    assert writes(server, before) == []

    done = odksync("forms", "deploy", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert sum(": created (version " in x for x in done.stdout.splitlines()) == 4

    before = len(server.request_log)
    rerun = odksync("forms", "deploy", env=env, cwd=tmp_path)
    assert rerun.returncode == 0, rerun.stderr
    assert sum(": unchanged (version " in x for x in rerun.stdout.splitlines()) == 4
    assert writes(server, before) == []


def mutated_registration(directory: Path, *, version: str, rename: tuple[str, str] | None = None,
                         retype: tuple[str, str] | None = None) -> Path:
    """A copy of child_registration with one question renamed (references too) or retyped."""
    path = directory / "child_registration.xlsx"
    shutil.copy(forms.FORMS_DIR / "child_registration.xlsx", path)
    book = openpyxl.load_workbook(path)
    survey = book["survey"]
    header = [c.value for c in survey[1]]
    name_col, type_col = header.index("name"), header.index("type")
    for row in survey.iter_rows(min_row=2):
        if rename and row[name_col].value == rename[0]:
            row[name_col].value = rename[1]
        if retype and row[name_col].value == retype[0]:
            row[type_col].value = retype[1]
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if rename and isinstance(cell.value, str) and f"${{{rename[0]}}}" in cell.value:
                    cell.value = cell.value.replace(f"${{{rename[0]}}}", f"${{{rename[1]}}}")
    settings = book["settings"]
    settings.cell(row=2, column=[c.value for c in settings[1]].index("version") + 1).value = version
    book.save(path)
    return path


def test_a_change_that_breaks_the_warehouse_is_refused_unless_forced(
    local: tuple[Any, CentralConfig], tmp_path: Path,
) -> None:
    server, base = local
    config = new_project(base, "refusal")
    pid = config.project_id
    assert pid is not None
    with CentralClient(config) as client:
        (tmp_path / "v1").mkdir()
        original = mutated_registration(tmp_path / "v1", version="2030010101")
        assert deploy_forms(client, pid, paths=[original])[0].action == "created"

        (tmp_path / "v2").mkdir()
        renamed = mutated_registration(tmp_path / "v2", version="2030010102",
                                       rename=("first_name", "given_name"))
        before = len(server.request_log)
        with pytest.raises(FormChangeRefused) as refused:
            deploy_forms(client, pid, paths=[renamed])
        message = str(refused.value)
        assert "child_registration.xlsx" in message
        assert "child/first_name" in message and "renamed to child/given_name" in message
        assert "rerun with --force if the warehouse has been changed to match" in message
        assert writes(server, before) == []
        with pytest.raises(FormChangeRefused):
            deploy_forms(client, pid, paths=[renamed], dry_run=True)

        (tmp_path / "v3").mkdir()
        retyped = mutated_registration(tmp_path / "v3", version="2030010103", retype=("moo", "text"))
        with pytest.raises(FormChangeRefused, match="address/moo, which the warehouse reads, changes type "
                                                    "from int to string"):
            deploy_forms(client, pid, paths=[retyped])

        warnings: list[str] = []
        forced = deploy_forms(client, pid, paths=[renamed], force=True, warn=warnings.append)
        assert forced[0].action == "updated" and forced[0].version == "2030010102"
        assert len(warnings) == 1 and "child/first_name" in warnings[0]
        assert "given_name" in {f.name for f in client.form_fields("child_registration", pid)}


def test_the_command_refuses_a_breaking_change_with_exit_1_and_force_deploys_it(
    local: tuple[Any, CentralConfig], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from typer.testing import CliRunner

    from orchestration.cli import app

    server, base = local
    config = new_project(base, "command refusal")
    assert config.project_id is not None
    with CentralClient(config) as client:
        (tmp_path / "v1").mkdir()
        deploy_forms(client, config.project_id,
                     paths=[mutated_registration(tmp_path / "v1", version="2030020101")])
    # The command deploys whatever forms folder forms.paths names: point it at a changed copy.
    changed = tmp_path / "xlsform"
    changed.mkdir()
    mutated_registration(changed, version="2030020102", retype=("birth_date", "text"))
    shutil.copytree(forms.MEDIA_DIR, changed / "media")
    monkeypatch.setattr("forms.paths.FORMS_DIR", changed)
    monkeypatch.setattr("forms.paths.MEDIA_DIR", changed / "media")
    for name, value in cli_env(config, tmp_path).items():
        monkeypatch.setenv(name, value)

    before = len(server.request_log)
    refused = CliRunner().invoke(app, ["forms", "deploy"])
    assert refused.exit_code == 1
    assert "child/birth_date, which the warehouse reads, changes type from date to string" in refused.stderr
    assert "rerun with --force" in refused.stderr and refused.stdout == ""
    assert writes(server, before) == []

    forced = CliRunner().invoke(app, ["forms", "deploy", "--force"])
    assert forced.exit_code == 0, forced.stderr
    assert "warning: --force: child_registration.xlsx" in forced.stderr
    assert "child_registration: updated, new version 2030020101 → 2030020102" in forced.stdout
