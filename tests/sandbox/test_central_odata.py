"""OData feeds: documents, rows, paging by nextLink, filters, select/expand, ETags."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import requests

from sandbox.central import CentralSandbox
from tests.sandbox.central_helpers import login, start, submit, visit_xml
from tests.sandbox.central_openapi import check, check_error

SVC = "/v1/projects/{projectId}/forms/{xmlFormId}.svc"


def test_service_and_metadata_documents(sandbox: CentralSandbox, admin: requests.Session,
                                        project: int, form: str) -> None:
    base = f"{sandbox.url}/v1/projects/{project}/forms/{form}.svc"
    service = admin.get(base)
    check(service, SVC)
    assert [t["name"] for t in service.json()["value"]] == ["Submissions", "Submissions.child"]
    assert service.json()["@odata.context"].startswith("https://central.example.org/v1/")
    metadata = admin.get(f"{base}/$metadata")
    assert metadata.status_code == 200
    assert '<EntityType Name="Submissions.child">' in metadata.text
    assert '<Property Name="age" Type="Edm.Int64"/>' in metadata.text


def test_rows_are_shaped_as_central(sandbox: CentralSandbox, admin: requests.Session,
                                    project: int, form: str) -> None:
    submit(sandbox, admin, project, visit_xml("uuid:row-1"))
    base = f"{sandbox.url}/v1/projects/{project}/forms/{form}.svc"
    answer = admin.get(f"{base}/Submissions")
    check(answer, SVC + "/{table}")
    row = answer.json()["value"][0]
    assert row["__id"] == "uuid:row-1"
    assert row["age"] == 9 and row["visit_date"] == "2026-01-15"
    assert row["loc"] == {"type": "Point", "coordinates": [100.5, 13.75, 2],
                          "properties": {"accuracy": 5}}
    assert row["household"] == {"size": 4}
    assert row["child@odata.navigationLink"] == "Submissions('uuid%3Arow-1')/child"
    assert "child" not in row
    assert set(row["__system"]) == {
        "submissionDate", "updatedAt", "submitterId", "submitterName", "attachmentsPresent",
        "attachmentsExpected", "status", "reviewState", "deviceId", "edits", "formVersion",
        "deletedAt"}
    assert row["__system"]["formVersion"] == "1" and row["__system"]["updatedAt"] is None
    expanded = admin.get(f"{base}/Submissions?$expand=*").json()["value"][0]
    assert [c["cname"] for c in expanded["child"]] == ["A", "B"]
    repeats = admin.get(f"{base}/Submissions.child").json()["value"]
    assert [r["__Submissions-id"] for r in repeats] == ["uuid:row-1", "uuid:row-1"]
    assert repeats[0]["__id"] == expanded["child"][0]["__id"]
    selected = admin.get(f"{base}/Submissions?$select=__id,household/size,"
                         "__system/submitterId").json()["value"][0]
    assert selected == {"household": {"size": 4}, "__id": "uuid:row-1",
                        "__system": {"submitterId": row["__system"]["submitterId"]}}
    wkt = admin.get(f"{base}/Submissions?$wkt=true&$select=loc").json()["value"][0]
    assert wkt == {"loc": "POINT (100.5 13.75 2)"}


def test_filter_on_a_form_field_answers_501_5(sandbox: CentralSandbox,
                                              admin: requests.Session, project: int,
                                              form: str) -> None:
    answer = admin.get(f"{sandbox.url}/v1/projects/{project}/forms/{form}.svc/Submissions",
                       params={"$filter": "age gt 5"})
    assert answer.status_code == 501 and answer.json()["code"] == 501.5
    check_error(answer)


def test_filter_on_system_fields(sandbox: CentralSandbox, admin: requests.Session,
                                 project: int, form: str) -> None:
    submit(sandbox, admin, project, visit_xml("uuid:f-1"))
    submit(sandbox, admin, project, visit_xml("uuid:f-2"))
    url = f"{sandbox.url}/v1/projects/{project}/forms/{form}.svc/Submissions"
    first = admin.get(url).json()["value"][-1]["__system"]["submissionDate"]
    # As in Central, times are kept to the microsecond but shown to the millisecond, so a
    # row is still "gt" its own shown submissionDate.
    cases = {
        f"__system/submissionDate gt {first}": ["uuid:f-2", "uuid:f-1"],
        f"__system/submissionDate lt {first}": [],
        "__system/submissionDate gt 2100-01-01 or __system/updatedAt gt 2000-01-01": [],
        "__id eq 'uuid:f-1'": ["uuid:f-1"],
        "not (__id eq 'uuid:f-1') and __system/reviewState eq null": ["uuid:f-2"],
        "__system/deletedAt ne null": [],
        "__system/submitterId eq 1": ["uuid:f-2", "uuid:f-1"],
    }
    for expr, expected in cases.items():
        answer = admin.get(url, params={"$filter": expr})
        assert [r["__id"] for r in answer.json()["value"]] == expected, expr


def test_paging_follows_next_link_on_the_configured_domain(
        tmp_path: Path) -> None:
    with start(tmp_path / "c", domain="https://central.example.org") as sb:
        admin = login(sb)
        project = admin.post(f"{sb.url}/v1/projects", json={"name": "P"}).json()["id"]
        from tests.sandbox.central_helpers import visit_form
        admin.post(f"{sb.url}/v1/projects/{project}/forms?publish=true", data=visit_form(),
                   headers={"Content-Type": "application/xml"})
        expected = {f"uuid:p-{i}" for i in range(2500)}
        for instance_id in sorted(expected):
            assert submit(sb, admin, project, visit_xml(instance_id)).status_code == 200
        url = f"{sb.url}/v1/projects/{project}/forms/visit.svc/Submissions?$top=1000&$count=true"
        seen: list[str] = []
        pages = 0
        while url:
            body = admin.get(url).json()
            assert body["@odata.count"] >= 2500
            seen += [r["__id"] for r in body["value"]]
            pages += 1
            if pages == 1:  # new submissions arrive while the client pages
                for i in range(3):
                    submit(sb, admin, project, visit_xml(f"uuid:late-{i}"))
            link = body.get("@odata.nextLink")
            if link:
                assert link.startswith("https://central.example.org/v1/projects/")
                assert "%24skiptoken=01" in link
            url = f"{sb.url}{urlsplit(link).path}?{urlsplit(link).query}" if link else ""
        assert len(seen) == len(set(seen)) == 2500
        assert set(seen) == expected
        assert pages == 3


def test_count_and_top_zero(sandbox: CentralSandbox, admin: requests.Session, project: int,
                            form: str) -> None:
    submit(sandbox, admin, project, visit_xml())
    url = f"{sandbox.url}/v1/projects/{project}/forms/{form}.svc/Submissions"
    answer = admin.get(url, params={"$top": "0", "$count": "true"}).json()
    assert answer["value"] == [] and answer["@odata.count"] == 1


def test_etag_gives_304_until_the_form_changes(sandbox: CentralSandbox,
                                               admin: requests.Session, project: int,
                                               form: str) -> None:
    submit(sandbox, admin, project, visit_xml())
    url = f"{sandbox.url}/v1/projects/{project}/forms/{form}.svc/Submissions?$top=10"
    first = admin.get(url)
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    assert admin.get(url, headers={"If-None-Match": etag}).status_code == 304
    submit(sandbox, admin, project, visit_xml())
    changed = admin.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_unsupported_query_options(sandbox: CentralSandbox, admin: requests.Session,
                                   project: int, form: str) -> None:
    url = f"{sandbox.url}/v1/projects/{project}/forms/{form}.svc/Submissions"
    assert admin.get(url, params={"$apply": "x"}).json()["code"] == 501.1
    assert admin.get(url, params={"$expand": "child"}).json()["code"] == 501.6
    assert admin.get(url, params={"$skiptoken": "nope"}).json()["code"] == 400.35
    assert admin.get(url, params={"$select": "nothing"}).json()["code"] == 400.23
