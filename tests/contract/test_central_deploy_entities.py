"""Deploying forms that fill and read an entity list: the list is linked, never uploaded as a file."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.central.client import CentralClient
from connectors.central.deploy import FormVersionNotRaised, read_local_form
from connectors.central.deploy_entities import ensure_linked
from orchestration.pipeline import deploy_forms
from tests.connectors.entity_forms import write_reader_form, write_registration_form
from tests.contract.central_contract import Target, unique_form_id, write_media_csv, write_requests
from tests.contract.test_central_deploy import assert_no_writes, log_position


def attachment_uploads(target: Target, since: int, name: str) -> list[str]:
    """The sandbox's logged POSTs of a file into an attachment called `name`."""
    if target.sandbox is None:
        return []
    return [f"{r.method} {r.path}" for r in write_requests(target.sandbox.request_log, since=since)
            if r.method == "POST" and r.path.endswith(f"/attachments/{name}")]


def test_a_reader_gets_the_list_linked_even_when_a_static_file_is_at_hand(
    client: CentralClient, target: Target, tmp_path: Path
) -> None:
    dataset = unique_form_id("kids")
    registration = write_registration_form(tmp_path, unique_form_id("reg"), dataset)
    reader_id = unique_form_id("visit")
    reader = write_reader_form(tmp_path, reader_id, dataset)
    static = write_media_csv(tmp_path, f"{dataset}.csv", [("x", "a static child")])

    assert client.deploy_form(registration).creates_dataset == dataset
    before = log_position(target)
    created = client.deploy_form(reader, attachments={f"{dataset}.csv": static})
    assert created.action == "created"
    assert f"attachment {dataset}.csv (link to entity list {dataset})" in created.changes
    assert attachment_uploads(target, before, f"{dataset}.csv") == []
    assert client.project_id is not None
    (linked,) = [a for a in client.forms.attachments(reader_id, client.project_id)
                 if a.name == f"{dataset}.csv"]
    assert linked.dataset_exists
    detail = client.get_dataset(dataset)
    assert detail is not None and reader_id in detail.linked_forms

    before = log_position(target)
    assert client.deploy_form(registration).action == "unchanged"
    assert client.deploy_form(reader, attachments={f"{dataset}.csv": static}).action == "unchanged"
    assert_no_writes(target, before)


def test_a_reader_deployed_before_its_list_exists_needs_a_new_version_to_link_it(
    client: CentralClient, tmp_path: Path
) -> None:
    dataset = unique_form_id("kids")
    reader = write_reader_form(tmp_path, unique_form_id("early"), dataset, version="1")
    assert client.deploy_form(reader).action == "created"  # published without the file
    client.deploy_form(write_registration_form(tmp_path, unique_form_id("reg"), dataset))
    with pytest.raises(FormVersionNotRaised, match="link to entity list"):
        client.deploy_form(reader)
    bumped = write_reader_form(tmp_path, reader.stem, dataset, version="2")
    updated = client.deploy_form(bumped)
    assert updated.action == "updated" and updated.definition_changed
    assert client.deploy_form(bumped).action == "unchanged"


def test_deploying_several_forms_puts_the_list_s_creator_first_and_a_rerun_writes_nothing(
    client: CentralClient, target: Target, tmp_path: Path
) -> None:
    dataset = unique_form_id("kids")
    # Named so that file order would deploy the readers first.
    readers = [write_reader_form(tmp_path, unique_form_id(f"a{i}"), dataset) for i in range(2)]
    registration = write_registration_form(tmp_path, unique_form_id("z_reg"), dataset)
    paths = sorted([*readers, registration])
    project_id = client.project_id
    assert project_id is not None

    before = log_position(target)
    planned = deploy_forms(client, project_id, dry_run=True, paths=paths, media={})
    assert planned[0].form_id == registration.stem
    assert [r.action for r in planned] == ["created"] * 3
    assert all(r.dry_run for r in planned)
    assert_no_writes(target, before)
    assert dataset not in {d.name for d in client.list_datasets()}

    deployed = deploy_forms(client, project_id, paths=paths, media={})
    assert [r.action for r in deployed] == ["created"] * 3
    for reader in readers:
        held = {a.name: a.dataset_exists for a in client.forms.attachments(reader.stem, project_id)}
        assert held == {f"{dataset}.csv": True}

    before = log_position(target)
    again = deploy_forms(client, project_id, paths=paths, media={})
    assert [r.action for r in again] == ["unchanged"] * 3
    assert_no_writes(target, before)


def test_a_draft_whose_list_attachment_holds_a_file_is_linked_again(
    client: CentralClient, target: Target, tmp_path: Path
) -> None:
    dataset = unique_form_id("kids")
    client.deploy_form(write_registration_form(tmp_path, unique_form_id("reg"), dataset))
    reader = write_reader_form(tmp_path, unique_form_id("relink"), dataset)
    client.deploy_form(reader)
    project_id, name = client.project_id, f"{dataset}.csv"
    assert project_id is not None
    local = read_local_form(reader, form_id=None, attachments=None)
    # Uploading a file into a linked attachment unlinks the list (Central ≥ 2022.3).
    client.forms.replace_draft(local.xlsx, local.form_id, project_id)
    client.forms.upload_draft_attachment(local.form_id, name, b"name,label\nx,static\n", project_id)
    assert {a.name: a.dataset_exists for a in client.forms.draft_attachments(local.form_id, project_id)} == {
        name: False}

    before = log_position(target)
    ensure_linked(client.forms, local, {name: dataset}, project_id)
    assert {a.name: a.dataset_exists for a in client.forms.draft_attachments(local.form_id, project_id)} == {
        name: True}
    if target.sandbox is not None:
        assert [(r.method, r.path.rsplit("/", 1)[-1]) for r in write_requests(
            target.sandbox.request_log, since=before)] == [("PATCH", name)]
