"""Deploying XLSForms: created, unchanged (no writes), updated, dry runs, and an unraised version."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.central.client import CentralClient
from connectors.central.deploy import FormVersionNotRaised
from tests.contract.central_contract import (
    Target,
    unique_form_id,
    write_media_csv,
    write_requests,
    write_xlsform,
)


def log_position(target: Target) -> int:
    return len(list(target.sandbox.request_log)) if target.sandbox is not None else 0


def assert_no_writes(target: Target, since: int) -> None:
    if target.sandbox is not None:  # a real Central keeps no request log we can read
        assert write_requests(target.sandbox.request_log, since=since) == []


def test_created_then_unchanged_then_updated(client: CentralClient, target: Target, tmp_path: Path) -> None:
    form_id = unique_form_id("deploy")
    first = write_xlsform(tmp_path, form_id, version="2026113001")
    created = client.deploy_form(first)
    assert (created.form_id, created.action, created.version) == (form_id, "created", "2026113001")
    listed = {f.form_id: f for f in client.list_forms()}
    assert listed[form_id].version == "2026113001" and listed[form_id].published_at is not None

    before = log_position(target)
    again = client.deploy_form(first)
    assert (again.action, again.changes) == ("unchanged", [])
    assert_no_writes(target, before)

    second = write_xlsform(
        tmp_path, form_id, version="2026113002", extra_fields=(("text", "school", "โรงเรียน"),)
    )
    updated = client.deploy_form(second)
    assert updated.action == "updated" and updated.version == "2026113002"
    assert any(c.startswith("definition") for c in updated.changes)
    assert "school" in [f.name for f in client.form_fields(form_id)]
    assert client.deploy_form(second).action == "unchanged"


def test_dry_run_writes_nothing(client: CentralClient, target: Target, tmp_path: Path) -> None:
    form_id = unique_form_id("dryrun")
    path = write_xlsform(tmp_path, form_id)
    before = log_position(target)
    planned = client.deploy_form(path, dry_run=True)
    assert (planned.action, planned.dry_run) == ("created", True)
    assert form_id not in {f.form_id for f in client.list_forms()}
    assert_no_writes(target, before)

    client.deploy_form(path)
    changed = write_xlsform(tmp_path, form_id, version="2026113002", extra_fields=(("text", "note_x", "x"),))
    before = log_position(target)
    assert client.deploy_form(changed, dry_run=True).action == "updated"
    assert_no_writes(target, before)
    published = {f.form_id: f for f in client.list_forms()}[form_id]
    assert published.version == "2026113001"


def test_changed_form_with_the_same_version_is_refused_before_writing(
    client: CentralClient, target: Target, tmp_path: Path
) -> None:
    form_id = unique_form_id("samever")
    client.deploy_form(write_xlsform(tmp_path, form_id, version="7"))
    changed = write_xlsform(tmp_path, form_id, version="7", extra_fields=(("text", "extra", "x"),))
    before = log_position(target)
    with pytest.raises(FormVersionNotRaised) as caught:
        client.deploy_form(changed)
    message = str(caught.value)
    assert "raise `version` in the settings sheet" in message and "e.g. to 8" in message
    assert "\n" not in message
    assert_no_writes(target, before)


def test_attachments_are_compared_by_md5(client: CentralClient, target: Target, tmp_path: Path) -> None:
    form_id = unique_form_id("media")
    csv = write_media_csv(tmp_path, "villages.csv", [("v1", "บ้านหนึ่ง"), ("v2", "บ้านสอง")])
    path = write_xlsform(tmp_path, form_id, version="1", media_csv="villages.csv")
    media = {"villages.csv": csv}
    created = client.deploy_form(path, attachments=media)
    assert created.action == "created"

    before = log_position(target)
    assert client.deploy_form(path, attachments=media).action == "unchanged"
    assert_no_writes(target, before)

    write_media_csv(tmp_path, "villages.csv", [("v1", "บ้านหนึ่ง"), ("v3", "บ้านสาม")])
    with pytest.raises(FormVersionNotRaised):
        client.deploy_form(path, attachments=media)
    bumped = write_xlsform(tmp_path, form_id, version="2", media_csv="villages.csv")
    updated = client.deploy_form(bumped, attachments=media)
    assert updated.action == "updated"
    assert "attachment villages.csv (changed)" in updated.changes
    assert client.deploy_form(bumped, attachments=media).action == "unchanged"


def test_form_id_from_the_file_name_when_the_settings_sheet_has_none(
    client: CentralClient, tmp_path: Path
) -> None:
    form_id = unique_form_id("stem")
    path = write_xlsform(tmp_path, form_id, declare_form_id=False)
    assert client.deploy_form(path).form_id == form_id
    assert client.deploy_form(path).action == "unchanged"
