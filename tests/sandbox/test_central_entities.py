"""Entity lists in the Central sandbox: publish, worker, CSV, attachment link, update, OData."""

from __future__ import annotations

import csv
import io
import uuid
from pathlib import Path
from typing import Any

import jsonschema
import openpyxl
import pytest
import requests

from sandbox.central import CentralSandbox
from tests.sandbox.central_openapi import _resolve, check_error, documented_statuses, spec

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REPO = Path(__file__).resolve().parents[2]


def _null_enums(node: Any) -> Any:
    """Central answers `conflict: null` for entities without conflict; the spec's enum omits it."""
    if isinstance(node, list):
        return [_null_enums(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _null_enums(v) for k, v in node.items()}
    if isinstance(out.get("enum"), list) and None not in out["enum"]:
        out["enum"] = [*out["enum"], None]
    return out


def check(answer: requests.Response, path: str, method: str = "get") -> None:
    """Status documented and the JSON body fits the operation's schema (enums admit null)."""
    assert str(answer.status_code) in documented_statuses(path, method)
    content = spec()["paths"][path][method]["responses"][str(answer.status_code)].get(
        "content", {})
    media = next((m for m in content if "json" in m), None)
    if media is not None and "schema" in content[media]:
        jsonschema.validate(answer.json(), _null_enums(_resolve(content[media]["schema"])))


def check_entity(answer: requests.Response) -> None:
    """The spec documents GET …/entities/{uuid} as an array; Central answers one Entity."""
    assert answer.status_code == 200
    jsonschema.validate(answer.json(),
                        _null_enums(_resolve({"$ref": "#/components/schemas/Entity"})))


def _registration_xlsx(path: Path) -> bytes:
    """A small form that creates a `children` entity per submission, as pyxform writes it."""
    book = openpyxl.Workbook()
    survey = book.active
    survey.title = "survey"
    for row in (["type", "name", "label", "save_to"],
                ["text", "first_name", "ชื่อ", "first_name"],
                ["text", "village", "หมู่บ้าน", "village"],
                ["integer", "age", "อายุ", "age"]):
        survey.append(row)
    entities = book.create_sheet("entities")
    entities.append(["list_name", "label"])
    entities.append(["children", "concat(${first_name}, ' ', ${village})"])
    settings = book.create_sheet("settings")
    settings.append(["form_id", "version"])
    settings.append(["reg", "1"])
    book.save(path)
    return path.read_bytes()


def _visit_xlsx(path: Path) -> bytes:
    """A form that reads the list back as `children.csv`."""
    book = openpyxl.Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(["type", "name", "label"])
    survey.append(["select_one_from_file children.csv", "child", "เด็ก"])
    settings = book.create_sheet("settings")
    settings.append(["form_id", "version"])
    settings.append(["visit_children", "1"])
    book.save(path)
    return path.read_bytes()


def _submission(entity_id: str, name: str, village: str, age: str) -> bytes:
    return (f'<data id="reg" version="1"><first_name>{name}</first_name>'
            f"<village>{village}</village><age>{age}</age><meta>"
            f'<entity dataset="children" create="1" id="{entity_id}"><label>{name} {village}'
            f"</label></entity><instanceID>uuid:{uuid.uuid4()}</instanceID></meta></data>"
            ).encode()


@pytest.fixture
def registration(sandbox: CentralSandbox, admin: requests.Session, project: int,
                 tmp_path: Path) -> str:
    answer = admin.post(f"{sandbox.url}/v1/projects/{project}/forms?publish=true",
                        data=_registration_xlsx(tmp_path / "reg.xlsx"),
                        headers={"Content-Type": XLSX, "X-XlsForm-FormId-Fallback": "reg"})
    answer.raise_for_status()
    return "reg"


def _register(sandbox: CentralSandbox, admin: requests.Session, project: int, name: str,
              village: str = "บ้านนา", age: str = "9") -> str:
    entity_id = str(uuid.uuid4())
    answer = admin.post(f"{sandbox.url}/v1/projects/{project}/forms/reg/submissions",
                        data=_submission(entity_id, name, village, age),
                        headers={"Content-Type": "application/xml"})
    answer.raise_for_status()
    return entity_id


def test_publishing_creates_the_list_with_its_properties(
        sandbox: CentralSandbox, admin: requests.Session, project: int,
        registration: str) -> None:
    listing = admin.get(f"{sandbox.url}/v1/projects/{project}/datasets")
    check(listing, "/v1/projects/{projectId}/datasets")
    assert [d["name"] for d in listing.json()] == ["children"]
    one = admin.get(f"{sandbox.url}/v1/projects/{project}/datasets/children")
    check(one, "/v1/projects/{projectId}/datasets/{name}")
    body = one.json()
    assert [p["name"] for p in body["properties"]] == ["first_name", "village", "age"]
    assert body["sourceForms"] == [{"name": "reg", "xmlFormId": "reg"}]


def test_a_submission_becomes_an_entity_after_the_worker_runs(
        sandbox: CentralSandbox, admin: requests.Session, project: int,
        registration: str) -> None:
    entity_id = _register(sandbox, admin, project, "สมชาย")
    sandbox.drain_entity_queue()
    answer = admin.get(f"{sandbox.url}/v1/projects/{project}/datasets/children/entities/"
                       f"{entity_id}")
    check_entity(answer)
    current = answer.json()["currentVersion"]
    assert current["label"] == "สมชาย บ้านนา" and current["version"] == 1
    assert current["data"] == {"first_name": "สมชาย", "village": "บ้านนา", "age": "9"}
    rows = list(csv.reader(io.StringIO(admin.get(
        f"{sandbox.url}/v1/projects/{project}/datasets/children/entities.csv").text)))
    assert rows[0][:5] == ["__id", "label", "first_name", "village", "age"]
    assert rows[1][0] == entity_id
    assert sandbox.entity_errors() == []


def test_the_list_is_served_as_a_linked_form_attachment_with_a_moving_etag(
        sandbox: CentralSandbox, admin: requests.Session, project: int, registration: str,
        tmp_path: Path) -> None:
    answer = admin.post(f"{sandbox.url}/v1/projects/{project}/forms?publish=true",
                        data=_visit_xlsx(tmp_path / "visit.xlsx"),
                        headers={"Content-Type": XLSX})
    answer.raise_for_status()
    base = f"{sandbox.url}/v1/projects/{project}/forms/visit_children/attachments"
    listing = admin.get(base)
    check(listing, "/v1/projects/{projectId}/forms/{xmlFormId}/attachments")
    assert listing.json()[0]["datasetExists"] is True
    before = admin.get(f"{base}/children.csv")
    assert before.text.splitlines() == ["name,label,__version,first_name,village,age"]
    entity_id = _register(sandbox, admin, project, "มานี")
    sandbox.drain_entity_queue()
    after = admin.get(f"{base}/children.csv")
    assert after.headers["ETag"] != before.headers["ETag"]
    assert after.text.splitlines()[1] == f"{entity_id},มานี บ้านนา,1,มานี,บ้านนา,9"
    unchanged = admin.get(f"{base}/children.csv", headers={"If-None-Match": after.headers["ETag"]})
    assert unchanged.status_code == 304
    metadata = admin.get(f"{sandbox.url}/v1/projects/{project}/datasets/children").json()
    assert metadata["linkedForms"] == [{"name": "visit_children", "xmlFormId": "visit_children"}]


def test_stale_base_version_answers_409_15_and_force_updates(
        sandbox: CentralSandbox, admin: requests.Session, project: int,
        registration: str) -> None:
    entity_id = _register(sandbox, admin, project, "ปิติ")
    sandbox.drain_entity_queue()
    url = f"{sandbox.url}/v1/projects/{project}/datasets/children/entities/{entity_id}"
    fresh = admin.patch(f"{url}?baseVersion=1", json={"data": {"age": "10"}})
    check(fresh, "/v1/projects/{projectId}/datasets/{name}/entities/{uuid}", "patch")
    assert fresh.json()["currentVersion"]["version"] == 2
    stale = admin.patch(f"{url}?baseVersion=1", json={"data": {"age": "11"}})
    assert stale.status_code == 409 and stale.json()["code"] == 409.15
    assert stale.json()["details"] == {"current": "2", "provided": "1"}
    check_error(stale)
    missing = admin.patch(url, json={"data": {"age": "11"}})
    assert missing.json()["code"] == 409.15  # Central answers 409.15 here too
    forced = admin.patch(f"{url}?force=true", json={"label": "ปิติ ใหม่"})
    assert forced.json()["currentVersion"]["version"] == 3
    assert forced.json()["currentVersion"]["data"]["age"] == "10"
    versions = admin.get(f"{url}/versions")
    check(versions, "/v1/projects/{projectId}/datasets/{name}/entities/{uuid}/versions")
    assert [v["version"] for v in versions.json()] == [1, 2, 3]


def test_odata_entities_page_and_filter(sandbox: CentralSandbox, admin: requests.Session,
                                        project: int, registration: str) -> None:
    ids = [_register(sandbox, admin, project, f"เด็ก{i}") for i in range(5)]
    sandbox.drain_entity_queue()
    svc = f"{sandbox.url}/v1/projects/{project}/datasets/children.svc"
    check(admin.get(svc), "/v1/projects/{projectId}/datasets/{name}.svc")
    assert 'Name="first_name"' in admin.get(f"{svc}/$metadata").text
    seen: list[str] = []
    url: str | None = f"{svc}/Entities?$top=2&$count=true"
    while url:
        page = admin.get(url)
        # Not schema-checked: the spec types `__system/updates` as a string, but Central's
        # selectFields sends the number (version - 1) its own $metadata declares Edm.Int64.
        assert str(page.status_code) in documented_statuses(
            "/v1/projects/{projectId}/datasets/{name}.svc/Entities", "get")
        assert page.json()["value"][0]["__system"]["updates"] == 0
        assert page.json()["@odata.count"] == 5
        seen += [row["__id"] for row in page.json()["value"]]
        link = page.json().get("@odata.nextLink")
        # Links name the configured public domain, as Central's do; follow them locally.
        url = link.replace("https://central.example.org", sandbox.url) if link else None
    assert seen == list(reversed(ids))
    one = admin.get(f"{svc}/Entities", params={"$filter": f"__id eq '{ids[0]}'"}).json()
    assert [r["__id"] for r in one["value"]] == [ids[0]]
    assert one["value"][0]["__system"]["version"] == 1
    none = admin.get(f"{svc}/Entities", params={"$filter": "__system/conflict ne null"})
    assert none.json()["value"] == []


def test_deleted_entities_leave_the_list_and_the_csv(
        sandbox: CentralSandbox, admin: requests.Session, project: int,
        registration: str) -> None:
    keep, gone = (_register(sandbox, admin, project, n) for n in ("ก", "ข"))
    sandbox.drain_entity_queue()
    base = f"{sandbox.url}/v1/projects/{project}/datasets/children"
    deleted = admin.delete(f"{base}/entities/{gone}")
    check(deleted, "/v1/projects/{projectId}/datasets/{name}/entities/{uuid}", "delete")
    assert [e["uuid"] for e in admin.get(f"{base}/entities").json()] == [keep]
    assert gone not in admin.get(f"{base}/entities.csv").text
    assert admin.get(f"{base}/entities/{gone}").status_code == 404
    odata = admin.get(f"{base}.svc/Entities",
                      params={"$filter": "__system/deletedAt ne null"}).json()
    assert [r["__id"] for r in odata["value"]] == [gone]


def test_api_create_and_approval_required(sandbox: CentralSandbox, admin: requests.Session,
                                          project: int, registration: str) -> None:
    base = f"{sandbox.url}/v1/projects/{project}/datasets/children"
    made = admin.post(f"{base}/entities", json={"label": "ด้วยมือ",
                                                "data": {"first_name": "ด้วยมือ"}})
    check(made, "/v1/projects/{projectId}/datasets/{name}/entities", "post")
    bad = admin.post(f"{base}/entities", json={"label": "x", "data": {"nope": "1"}})
    assert bad.json()["code"] == 400.28
    patched = admin.patch(base, json={"approvalRequired": True})
    check(patched, "/v1/projects/{projectId}/datasets/{name}", "patch")
    waiting = _register(sandbox, admin, project, "รอ")
    sandbox.drain_entity_queue()
    assert admin.get(f"{base}/entities/{waiting}").status_code == 404
    refused = admin.patch(base, json={"approvalRequired": False})
    assert refused.json()["code"] == 400.29
    admin.patch(f"{base}?convert=true", json={"approvalRequired": False}).raise_for_status()
    assert admin.get(f"{base}/entities/{waiting}").status_code == 200


def test_project_registration_form_creates_the_children_list(
        sandbox: CentralSandbox, admin: requests.Session, project: int) -> None:
    form = REPO / "forms" / "xlsform" / "child_registration.xlsx"
    if "entities" not in openpyxl.load_workbook(form, read_only=True).sheetnames:
        pytest.skip("child_registration.xlsx has no entities sheet yet")
    answer = admin.post(f"{sandbox.url}/v1/projects/{project}/forms?publish=true"
                        "&ignoreWarnings=true", data=form.read_bytes(),
                        headers={"Content-Type": XLSX})
    answer.raise_for_status()
    names = [d["name"] for d in admin.get(f"{sandbox.url}/v1/projects/{project}/datasets").json()]
    assert "children" in names
