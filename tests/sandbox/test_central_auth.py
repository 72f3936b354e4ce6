"""Sessions, expiry, Basic-auth refusal, app-user keys and error bodies, as Central answers."""

from __future__ import annotations

import base64
from datetime import timedelta

import requests

from sandbox.central import CentralSandbox
from tests.sandbox.central_helpers import EMAIL, PASSWORD, submit, visit_xml
from tests.sandbox.central_openapi import check, check_error


def test_login_returns_a_session_shaped_as_documented(sandbox: CentralSandbox) -> None:
    answer = requests.post(f"{sandbox.url}/v1/sessions",
                           json={"email": EMAIL, "password": PASSWORD})
    check(answer, "/v1/sessions", "post")
    body = answer.json()
    assert len(body["token"]) == 64 and body["csrf"]
    assert body["expiresAt"] > body["createdAt"]


def test_bad_credentials_answer_401_2(sandbox: CentralSandbox) -> None:
    answer = requests.post(f"{sandbox.url}/v1/sessions",
                           json={"email": EMAIL, "password": "wrong"})
    assert answer.status_code == 401
    assert answer.json() == {"message": "Could not authenticate with the provided credentials.",
                             "code": 401.2}
    check_error(answer)


def test_current_user_is_the_admin(sandbox: CentralSandbox, admin: requests.Session) -> None:
    answer = admin.get(f"{sandbox.url}/v1/users/current")
    check(answer, "/v1/users/current")
    assert answer.json()["email"] == EMAIL


def test_session_expires_24_hours_after_creation(sandbox: CentralSandbox,
                                                 admin: requests.Session) -> None:
    sandbox.advance_clock(timedelta(hours=23))
    assert admin.get(f"{sandbox.url}/v1/projects").status_code == 200
    sandbox.advance_clock(timedelta(hours=2))  # 25 h after login; use did not extend it
    answer = admin.get(f"{sandbox.url}/v1/projects")
    assert answer.status_code == 401
    assert answer.json()["code"] == 401.2


def test_logout_ends_the_session(sandbox: CentralSandbox, admin: requests.Session) -> None:
    token = str(admin.headers["Authorization"]).split(" ")[1]
    answer = admin.delete(f"{sandbox.url}/v1/sessions/{token}")
    assert answer.json() == {"success": True}
    assert admin.get(f"{sandbox.url}/v1/projects").status_code == 401


def test_basic_auth_over_plain_http_is_refused_with_401_3(sandbox: CentralSandbox) -> None:
    creds = base64.b64encode(f"{EMAIL}:{PASSWORD}".encode()).decode()
    answer = requests.get(f"{sandbox.url}/v1/projects",
                          headers={"Authorization": f"Basic {creds}"})
    assert answer.status_code == 401
    assert answer.json()["code"] == 401.3
    check_error(answer)


def test_no_credentials_answer_401_2(sandbox: CentralSandbox) -> None:
    answer = requests.get(f"{sandbox.url}/v1/projects")
    assert answer.status_code == 401
    assert answer.json()["code"] == 401.2


def test_unknown_routes_and_resources_answer_404_1(sandbox: CentralSandbox,
                                                    admin: requests.Session) -> None:
    assert admin.get(f"{sandbox.url}/v1/nothing/here").json()["code"] == 404.1
    missing = admin.get(f"{sandbox.url}/v1/projects/99")
    assert missing.status_code == 404
    assert missing.json() == {"message": "Could not find the resource you were looking for.",
                              "code": 404.1}
    assert requests.get(f"{sandbox.url}/projects").json()["code"] == 404.2


def test_roles_include_app_user_with_id_2(sandbox: CentralSandbox,
                                          admin: requests.Session) -> None:
    answer = admin.get(f"{sandbox.url}/v1/roles")
    check(answer, "/v1/roles")
    assert {"id": 2, "system": "app-user"}.items() <= next(
        r for r in answer.json() if r["system"] == "app-user").items()


def test_app_user_submits_only_to_assigned_forms(sandbox: CentralSandbox,
                                                 admin: requests.Session, project: int,
                                                 form: str) -> None:
    created = admin.post(f"{sandbox.url}/v1/projects/{project}/app-users",
                         json={"displayName": "อสม. บ้านนา"})
    check(created, "/v1/projects/{projectId}/app-users", "post")
    app_user = created.json()
    key_url = f"{sandbox.url}/v1/key/{app_user['token']}"
    anonymous = requests.Session()
    before = submit_as(anonymous, key_url, project)
    assert before.status_code == 403 and before.json()["code"] == 403.1
    check_error(before)
    assigned = admin.post(f"{sandbox.url}/v1/projects/{project}/forms/{form}/assignments/2/"
                          f"{app_user['id']}")
    assert assigned.json() == {"success": True}
    after = submit_as(anonymous, key_url, project)
    assert after.status_code == 200
    assert after.json()["submitterId"] == app_user["id"]
    odata = admin.get(f"{key_url}/projects/{project}/forms/{form}.svc/Submissions")
    assert odata.status_code == 403  # the key wins over the bearer; app users cannot read
    listed = admin.get(f"{sandbox.url}/v1/projects/{project}/app-users")
    check(listed, "/v1/projects/{projectId}/app-users")
    assert [u["id"] for u in listed.json()] == [app_user["id"]]
    admin.delete(f"{sandbox.url}/v1/projects/{project}/app-users/{app_user['id']}")
    revoked = submit_as(anonymous, key_url, project)
    assert revoked.status_code == 403


def submit_as(session: requests.Session, key_url: str, project: int) -> requests.Response:
    return session.post(f"{key_url}/projects/{project}/forms/visit/submissions",
                        data=visit_xml(), headers={"Content-Type": "application/xml"})


def test_admin_submission_records_the_submitter(sandbox: CentralSandbox,
                                                admin: requests.Session, project: int,
                                                form: str) -> None:
    answer = submit(sandbox, admin, project, visit_xml())
    assert answer.json()["submitterId"] == admin.get(
        f"{sandbox.url}/v1/users/current").json()["id"]
