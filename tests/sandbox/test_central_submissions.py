"""Submission intake (OpenRosa and REST) and what Central does with untidy XML."""

from __future__ import annotations

import re

import requests

from sandbox.central import CentralSandbox
from tests.sandbox.central_helpers import submit, visit_xml
from tests.sandbox.central_openapi import check, check_error

OPENROSA = {"X-OpenRosa-Version": "1.0"}


def collect_post(sb: CentralSandbox, session: requests.Session, project: int, xml: bytes,
                 media: dict[str, bytes] | None = None) -> requests.Response:
    files = {"xml_submission_file": ("submission.xml", xml, "text/xml")}
    for name, data in (media or {}).items():
        files[name] = (name, data, "image/jpeg")
    return session.post(f"{sb.url}/v1/projects/{project}/submission", files=files,
                        headers=OPENROSA)


def test_openrosa_intake_as_collect(sandbox: CentralSandbox, admin: requests.Session,
                                    project: int, form: str) -> None:
    xml = visit_xml("uuid:or-1", extra="<photo>face.jpg</photo>")
    created = collect_post(sandbox, admin, project, xml)
    assert created.status_code == 201
    assert created.headers["X-OpenRosa-Version"] == "1.0"
    assert "full submission upload was successful!" in created.text
    again = collect_post(sandbox, admin, project, xml, {"face.jpg": b"\xff\xd8jpeg"})
    assert again.status_code == 201  # identical resubmission, here bringing the photo
    row = admin.get(f"{sandbox.url}/v1/projects/{project}/forms/{form}.svc/Submissions"
                    ).json()["value"][0]["__system"]
    assert (row["attachmentsExpected"], row["attachmentsPresent"]) == (1, 1)
    changed = collect_post(sandbox, admin, project, visit_xml("uuid:or-1", name="อื่น"))
    assert changed.status_code == 409
    assert "different XML" in changed.text


def test_openrosa_needs_its_version_header(sandbox: CentralSandbox, admin: requests.Session,
                                           project: int, form: str) -> None:
    answer = admin.post(f"{sandbox.url}/v1/projects/{project}/submission",
                        files={"xml_submission_file": ("s.xml", visit_xml(), "text/xml")})
    assert answer.status_code == 400
    assert "X-OpenRosa-Version" in answer.text
    head = admin.head(f"{sandbox.url}/v1/projects/{project}/submission", headers=OPENROSA)
    assert head.status_code == 204


def test_openrosa_finds_the_form_by_id_and_version(sandbox: CentralSandbox,
                                                   admin: requests.Session, project: int,
                                                   form: str) -> None:
    unknown_version = collect_post(sandbox, admin, project, visit_xml(version="9"))
    assert unknown_version.status_code == 404
    unknown_form = collect_post(sandbox, admin, project, visit_xml(form_id="nope"))
    assert unknown_form.status_code == 404


def test_rest_duplicate_instance_id_answers_409_3(sandbox: CentralSandbox,
                                                  admin: requests.Session, project: int,
                                                  form: str) -> None:
    first = submit(sandbox, admin, project, visit_xml("uuid:dup"))
    check(first, "/v1/projects/{projectId}/forms/{xmlFormId}/submissions", "post")
    second = submit(sandbox, admin, project, visit_xml("uuid:dup"))
    assert second.status_code == 409 and second.json()["code"] == 409.3
    check_error(second)


def test_non_xml_submission_answers_400_2(sandbox: CentralSandbox, admin: requests.Session,
                                          project: int, form: str) -> None:
    answer = admin.post(f"{sandbox.url}/v1/projects/{project}/forms/{form}/submissions",
                        json={"name": "x"})
    assert answer.status_code == 400 and answer.json()["code"] == 400.2
    check_error(answer)


def test_list_get_and_xml_of_a_submission(sandbox: CentralSandbox, admin: requests.Session,
                                          project: int, form: str) -> None:
    xml = visit_xml("uuid:get-1")
    submit(sandbox, admin, project, xml)
    base = f"{sandbox.url}/v1/projects/{project}/forms/{form}/submissions"
    listed = admin.get(base)
    check(listed, "/v1/projects/{projectId}/forms/{xmlFormId}/submissions")
    one = admin.get(f"{base}/uuid:get-1")
    check(one, "/v1/projects/{projectId}/forms/{xmlFormId}/submissions/{instanceId}")
    assert one.json()["instanceId"] == "uuid:get-1"
    assert admin.get(f"{base}/uuid:get-1.xml").content == xml


def test_untidy_xml_is_stored_and_rendered_as_central_does(
        sandbox: CentralSandbox, admin: requests.Session, project: int, form: str) -> None:
    # No instanceID, an element the form lacks, a non-number in an int, a missing field.
    xml = ('<data id="visit" version="1"><name>ด.ญ. มะลิ</name><age>abc</age>'
           "<unknown_field><deep>1</deep></unknown_field><household><size>12abc</size>"
           "</household><meta/></data>").encode()
    created = submit(sandbox, admin, project, xml)
    assert created.status_code == 200
    instance_id = created.json()["instanceId"]
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
                        instance_id)  # a bare uuid v4, no "uuid:" prefix
    row = admin.get(f"{sandbox.url}/v1/projects/{project}/forms/{form}.svc/Submissions"
                    ).json()["value"][0]
    assert row["age"] is None  # parseInt("abc") is NaN, which JSON writes as null
    assert row["household"] == {"size": 12}  # parseInt("12abc") is 12
    assert row["visit_date"] is None and row["loc"] is None  # missing fields are null
    assert "unknown_field" not in row
    assert "child@odata.navigationLink" not in row  # no repeat instance, no link
    stored = admin.get(f"{sandbox.url}/v1/projects/{project}/forms/{form}/submissions/"
                       f"{instance_id}.xml")
    assert b"<unknown_field><deep>1</deep></unknown_field>" in stored.content
