"""Projects, app users, form assignments and OpenRosa submissions, as ODK Collect makes them."""

from __future__ import annotations

import uuid

import pytest

from connectors.central.client import CentralClient
from connectors.central.errors import INSTANCE_EXISTS, CentralAuthError, CentralError
from tests.contract.central_contract import Target, submission_xml


def test_ensure_project_is_idempotent(client: CentralClient, target: Target) -> None:
    target.require_sandbox("creates projects, which a throwaway project on a real server forbids")
    name = f"contract project {uuid.uuid4().hex[:6]}"
    first = client.ensure_project(name)
    assert client.ensure_project(name) == first


def test_app_user_and_assignment_are_idempotent(client: CentralClient, deployed_form) -> None:
    form_id = deployed_form("assign")
    name = f"อสม. contract {uuid.uuid4().hex[:6]}"
    user = client.ensure_app_user(name)
    again = client.ensure_app_user(name)
    assert (again.id, again.token) == (user.id, user.token) and user.token
    client.assign_form(form_id, user.id)
    client.assign_form(form_id, user.id)
    assert "token" not in repr(user).replace("token=***", "")


def test_openrosa_created_identical_and_conflict(client: CentralClient, deployed_form) -> None:
    form_id = deployed_form("openrosa")
    user = client.ensure_app_user(f"collect {uuid.uuid4().hex[:6]}")
    assert user.token
    client.assign_form(form_id, user.id)
    instance = f"uuid:{uuid.uuid4()}"
    xml = submission_xml(form_id, instance_id=instance, age=10)

    created = client.submit_openrosa(xml, app_user_token=user.token)
    assert (created.status, created.http_status) == ("created", 201)
    identical = client.submit_openrosa(xml, app_user_token=user.token)
    assert (identical.status, identical.http_status) == ("created", 201)
    different = client.submit_openrosa(
        submission_xml(form_id, instance_id=instance, age=11), app_user_token=user.token
    )
    assert (different.status, different.http_status) == ("conflict", 409)
    assert different.message
    assert client.count_submissions(form_id) == 1


def test_openrosa_without_assignment_is_refused(client: CentralClient, deployed_form) -> None:
    form_id = deployed_form("unassigned")
    user = client.ensure_app_user(f"unassigned {uuid.uuid4().hex[:6]}")
    with pytest.raises(CentralAuthError) as caught:
        client.submit_openrosa(submission_xml(form_id), app_user_token=user.token or "")
    assert "assigned" in str(caught.value) and (user.token or "") not in str(caught.value)


def test_rest_duplicate_names_the_central_code(client: CentralClient, deployed_form) -> None:
    form_id = deployed_form("restdup")
    xml = submission_xml(form_id, instance_id=f"uuid:{uuid.uuid4()}")
    client.submit_rest(form_id, xml)
    with pytest.raises(CentralError) as caught:
        client.submit_rest(form_id, xml)
    assert caught.value.status_code == 409 and caught.value.is_central_error(INSTANCE_EXISTS)
