"""Edits, versions, reviews, soft delete and restore, and the feed's ETag, over real HTTP."""

from __future__ import annotations

import uuid
from datetime import timedelta

import requests

from sandbox.central import CentralSandbox
from tests.sandbox.central_helpers import login, submit, visit_xml
from tests.sandbox.central_openapi import check, check_error

SUBS = "/v1/projects/{projectId}/forms/{xmlFormId}/submissions"
ONE = SUBS + "/{instanceId}"


def _edit_xml(new_id: str, old_id: str, name: str) -> bytes:
    return visit_xml(new_id, name=name).replace(
        b"<meta>", f"<meta><deprecatedID>{old_id}</deprecatedID>".encode())


def _feed(sb: CentralSandbox, admin: requests.Session, project: int, query: str = ""
          ) -> requests.Response:
    return admin.get(f"{sb.url}/v1/projects/{project}/forms/visit.svc/Submissions{query}")


def _put(sb: CentralSandbox, admin: requests.Session, project: int, root: str,
         xml: bytes) -> requests.Response:
    return admin.put(f"{sb.url}/v1/projects/{project}/forms/visit/submissions/{root}",
                     data=xml, headers={"Content-Type": "application/xml"})


def test_rest_edit_makes_a_version_and_the_feed_shows_it(
        sandbox: CentralSandbox, admin: requests.Session, project: int, form: str) -> None:
    root, second = f"uuid:{uuid.uuid4()}", f"uuid:{uuid.uuid4()}"
    submit(sandbox, admin, project, visit_xml(root, name="เดิม")).raise_for_status()
    before = _feed(sandbox, admin, project).json()["value"][0]["__system"]["updatedAt"]
    answer = _put(sandbox, admin, project, root, _edit_xml(second, root, "แก้แล้ว"))
    check(answer, ONE, "put")
    assert answer.json()["currentVersion"]["instanceId"] == second
    assert answer.json()["instanceId"] == root and answer.json()["reviewState"] == "edited"
    row = _feed(sandbox, admin, project).json()["value"][0]
    assert row["__id"] == root and row["name"] == "แก้แล้ว"
    assert row["__system"]["edits"] == 1 and row["__system"]["reviewState"] == "edited"
    assert before is None and row["__system"]["updatedAt"] is not None
    versions = admin.get(f"{sandbox.url}/v1/projects/{project}/forms/visit/submissions/"
                         f"{root}/versions")
    check(versions, ONE + "/versions")
    assert [(v["instanceId"], v["current"]) for v in versions.json()] == \
        [(second, True), (root, False)]
    old = admin.get(f"{sandbox.url}/v1/projects/{project}/forms/visit/submissions/{root}/"
                    f"versions/{root}.xml")
    assert old.status_code == 200 and "เดิม".encode() in old.content
    single = admin.get(f"{sandbox.url}/v1/projects/{project}/forms/visit/submissions/{root}/"
                       f"versions/{second}")
    check(single, ONE + "/versions/{versionId}")
    assert single.json()["instanceId"] == second


def test_editing_a_version_that_is_no_longer_current_is_409_9(
        sandbox: CentralSandbox, admin: requests.Session, project: int, form: str) -> None:
    root, second, third = (f"uuid:{uuid.uuid4()}" for _ in range(3))
    submit(sandbox, admin, project, visit_xml(root)).raise_for_status()
    _put(sandbox, admin, project, root, _edit_xml(second, root, "ข")).raise_for_status()
    stale = _put(sandbox, admin, project, root, _edit_xml(third, root, "ค"))
    assert stale.status_code == 409 and stale.json()["code"] == 409.9
    check_error(stale)
    missing = _put(sandbox, admin, project, root, visit_xml(third))
    assert missing.status_code == 400 and missing.json()["code"] == 400.19


def test_openrosa_edit_and_its_conflicts(sandbox: CentralSandbox, admin: requests.Session,
                                         project: int, form: str) -> None:
    root, second, third = (f"uuid:{uuid.uuid4()}" for _ in range(3))
    url = f"{sandbox.url}/v1/projects/{project}/submission"
    headers = {"X-OpenRosa-Version": "1.0"}

    def post(xml: bytes) -> requests.Response:
        return admin.post(url, headers=headers, files={"xml_submission_file": ("s.xml", xml)})

    assert post(visit_xml(root)).status_code == 201
    edit = _edit_xml(second, root, "ข")
    assert post(edit).status_code == 201
    assert post(edit).status_code == 201  # identical resubmission of the edit is accepted
    assert post(_edit_xml(third, root, "ค")).status_code == 409
    assert post(_edit_xml(third, f"uuid:{uuid.uuid4()}", "ค")).status_code == 404
    assert post(visit_xml(root)).status_code == 409  # the root is no longer current
    row = _feed(sandbox, admin, project).json()["value"][0]
    assert row["__system"]["edits"] == 1 and row["name"] == "ข"


def test_review_moves_updated_at(sandbox: CentralSandbox, admin: requests.Session,
                                 project: int, form: str) -> None:
    root = f"uuid:{uuid.uuid4()}"
    submit(sandbox, admin, project, visit_xml(root)).raise_for_status()
    answer = admin.patch(f"{sandbox.url}/v1/projects/{project}/forms/visit/submissions/{root}",
                         json={"reviewState": "approved"})
    check(answer, ONE, "patch")
    assert answer.json()["reviewState"] == "approved" and answer.json()["updatedAt"]


def test_delete_hides_and_restore_brings_back(sandbox: CentralSandbox, admin: requests.Session,
                                              project: int, form: str) -> None:
    keep, gone = f"uuid:{uuid.uuid4()}", f"uuid:{uuid.uuid4()}"
    for iid in (keep, gone):
        submit(sandbox, admin, project, visit_xml(iid)).raise_for_status()
    one = f"{sandbox.url}/v1/projects/{project}/forms/visit/submissions/{gone}"
    answer = admin.delete(one)
    check(answer, ONE, "delete")
    assert [r["__id"] for r in _feed(sandbox, admin, project).json()["value"]] == [keep]
    assert _feed(sandbox, admin, project, "?$top=0&$count=true").json()["@odata.count"] == 1
    trash = _feed(sandbox, admin, project, "?$filter=__system/deletedAt ne null").json()
    assert [r["__id"] for r in trash["value"]] == [gone]
    assert trash["value"][0]["__system"]["deletedAt"] is not None
    listed = admin.get(f"{sandbox.url}/v1/projects/{project}/forms/visit/submissions"
                       "?deleted=true")
    assert [s["instanceId"] for s in listed.json()] == [gone]
    assert admin.get(one).status_code == 404
    assert admin.delete(one).status_code == 404
    restored = admin.post(one + "/restore")
    check(restored, ONE + "/restore", "post")
    assert len(_feed(sandbox, admin, project).json()["value"]) == 2
    assert admin.post(one + "/restore").status_code == 404


def test_deleted_submissions_are_purged_after_30_days(
        sandbox: CentralSandbox, admin: requests.Session, project: int, form: str) -> None:
    gone = f"uuid:{uuid.uuid4()}"
    submit(sandbox, admin, project, visit_xml(gone)).raise_for_status()
    admin.delete(f"{sandbox.url}/v1/projects/{project}/forms/visit/submissions/{gone}")
    deleted = "?$filter=__system/deletedAt ne null"
    sandbox.advance_clock(timedelta(days=29))
    admin = login(sandbox)  # the first session has expired meanwhile
    assert len(_feed(sandbox, admin, project, deleted).json()["value"]) == 1
    sandbox.advance_clock(timedelta(days=2))
    admin = login(sandbox)
    assert _feed(sandbox, admin, project, deleted).json()["value"] == []


def test_feed_etag_is_stable_when_idle_and_moves_on_every_change(
        sandbox: CentralSandbox, admin: requests.Session, project: int, form: str) -> None:
    root, second = f"uuid:{uuid.uuid4()}", f"uuid:{uuid.uuid4()}"
    submit(sandbox, admin, project, visit_xml(root)).raise_for_status()
    one = f"{sandbox.url}/v1/projects/{project}/forms/visit/submissions/{root}"
    seen: list[str] = []

    def etag_and_idle() -> str:
        tag = _feed(sandbox, admin, project).headers["ETag"]
        idle = admin.get(f"{sandbox.url}/v1/projects/{project}/forms/visit.svc/Submissions"
                         "?$select=__id", headers={"If-None-Match": tag})
        assert idle.status_code == 304  # the tag is the selection's, not the URL's
        assert tag not in seen
        seen.append(tag)
        return tag

    etag_and_idle()
    submit(sandbox, admin, project, visit_xml()).raise_for_status()
    etag_and_idle()
    _put(sandbox, admin, project, root, _edit_xml(second, root, "ข")).raise_for_status()
    etag_and_idle()
    admin.patch(one, json={"reviewState": "hasIssues"}).raise_for_status()
    etag_and_idle()
    admin.delete(one).raise_for_status()
    etag_and_idle()
    admin.post(one + "/restore").raise_for_status()
    etag_and_idle()


def test_attachments_arrive_carry_to_edits_and_can_be_replaced(
        sandbox: CentralSandbox, admin: requests.Session, project: int, form: str) -> None:
    root, second = f"uuid:{uuid.uuid4()}", f"uuid:{uuid.uuid4()}"
    photo = b"\xff\xd8\xff\xe0 a photo"
    with_photo = visit_xml(root, extra="<photo>face.jpg</photo>")
    answer = admin.post(f"{sandbox.url}/v1/projects/{project}/submission",
                        headers={"X-OpenRosa-Version": "1.0"},
                        files=[("xml_submission_file", ("s.xml", with_photo, "text/xml")),
                               ("face.jpg", ("face.jpg", photo, "image/jpeg"))])
    assert answer.status_code == 201
    base = f"{sandbox.url}/v1/projects/{project}/forms/visit/submissions/{root}"
    listed = admin.get(base + "/attachments")
    check(listed, ONE + "/attachments")
    assert listed.json() == [{"name": "face.jpg", "exists": True}]
    got = admin.get(base + "/attachments/face.jpg")
    assert got.content == photo and got.headers["Content-Type"] == "image/jpeg"
    again = admin.get(base + "/attachments/face.jpg",
                      headers={"If-None-Match": got.headers["ETag"]})
    assert again.status_code == 304
    edit = _edit_xml(second, root, "ข").replace(b"</child><meta>",
                                                 b"</child><photo>face.jpg</photo><meta>")
    _put(sandbox, admin, project, root, edit).raise_for_status()
    assert admin.get(base + "/attachments/face.jpg").content == photo  # carried over
    system = _feed(sandbox, admin, project).json()["value"][0]["__system"]
    assert (system["attachmentsPresent"], system["attachmentsExpected"]) == (1, 1)
    cleared = admin.delete(base + "/attachments/face.jpg")
    check(cleared, ONE + "/attachments/{filename}", "delete")
    system = _feed(sandbox, admin, project).json()["value"][0]["__system"]
    assert (system["attachmentsPresent"], system["attachmentsExpected"]) == (0, 1)
    assert admin.get(base + "/attachments/face.jpg").status_code == 404
    uploaded = admin.post(base + "/attachments/face.jpg", data=b"new",
                          headers={"Content-Type": "image/jpeg"})
    check(uploaded, ONE + "/attachments/{filename}", "post")
    assert admin.get(base + "/attachments/face.jpg").content == b"new"
    old = admin.get(base + f"/versions/{root}/attachments/face.jpg")
    assert old.content == photo  # the first version keeps its own file
