"""The Kobo sandbox's KPI v2 answers, checked against KPI's OpenAPI description."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from sandbox.kobo import KoboSandbox
from tests.sandbox.kobo_helpers import household_submission, household_xlsform, import_form, session
from tests.sandbox.kobo_openapi import check, check_schema

ASSETS = "/api/v2/assets/"
ASSET = "/api/v2/assets/{uid_asset}/"
DEPLOYMENT = "/api/v2/assets/{uid_asset}/deployment/"
FILES = "/api/v2/assets/{uid_asset}/files/"
DATA = "/api/v2/assets/{uid_asset}/data/"


@pytest.fixture
def kobo(tmp_path: Path) -> Iterator[tuple[KoboSandbox, requests.Session]]:
    token = secrets.token_urlsafe(12)
    with KoboSandbox(tmp_path / "kobo", token=token) as server:
        yield server, session(token)


@pytest.fixture
def deployed(kobo: tuple[KoboSandbox, requests.Session], tmp_path: Path) -> tuple[str, str]:
    server, s = kobo
    _, done = import_form(s, server.url, household_xlsform(tmp_path))
    uid = done["messages"]["created"][0]["uid"]
    s.post(f"{server.url}/api/v2/assets/{uid}/deployment/", json={"active": True}).raise_for_status()
    asset = s.get(f"{server.url}/api/v2/assets/{uid}/").json()
    return uid, asset["deployment__uuid"]


def test_no_token_or_a_wrong_one_is_401(kobo: tuple[KoboSandbox, requests.Session]) -> None:
    server, _ = kobo
    bare = requests.get(f"{server.url}{ASSETS}")
    assert bare.status_code == 401
    assert bare.json() == {"detail": "Authentication credentials were not provided."}
    wrong = session("nope").get(f"{server.url}{ASSETS}")
    assert (wrong.status_code, wrong.json()) == (401, {"detail": "Invalid token."})
    check_schema(wrong.json(), "ErrorDetail")


def test_asset_create_read_update_list_delete(kobo: tuple[KoboSandbox, requests.Session]) -> None:
    server, s = kobo
    created = s.post(f"{server.url}{ASSETS}", json={"name": "ทดสอบ", "asset_type": "survey",
                                                    "settings": {"description": "x"}})
    check(created, ASSETS, "post")
    uid = created.json()["uid"]
    assert created.status_code == 201 and created.json()["deployment_status"] == "draft"
    check(s.get(f"{server.url}/api/v2/assets/{uid}/"), ASSET)
    patched = s.patch(f"{server.url}/api/v2/assets/{uid}/",
                      json={"settings": {"description": "สวัสดี"}})
    check(patched, ASSET, "patch")
    assert patched.json()["settings"] == {"description": "สวัสดี"}
    listed = s.get(f"{server.url}{ASSETS}", params={"q": "asset_type:survey"})
    check(listed, ASSETS)
    assert [a["uid"] for a in listed.json()["results"]] == [uid]
    assert s.get(f"{server.url}{ASSETS}", params={"q": "asset_type:block"}).json()["count"] == 0
    bad = s.post(f"{server.url}{ASSETS}", json={"name": "x", "asset_type": "form"})
    check(bad, ASSETS, "post")
    assert bad.status_code == 400 and "asset_type" in bad.json()
    gone = s.delete(f"{server.url}/api/v2/assets/{uid}/")
    check(gone, ASSET, "delete")
    missing = s.get(f"{server.url}/api/v2/assets/{uid}/")
    check(missing, ASSET)
    assert missing.json() == {"detail": "Not found."}


def test_import_creates_then_replaces_and_reports_errors(
        kobo: tuple[KoboSandbox, requests.Session], tmp_path: Path) -> None:
    server, s = kobo
    started, done = import_form(s, server.url, household_xlsform(tmp_path))
    check(started, "/api/v2/imports/", "post")
    assert started.json()["status"] == "processing"
    check_schema(done, "ImportResponse")
    uid = done["messages"]["created"][0]["uid"]
    before = s.get(f"{server.url}/api/v2/assets/{uid}/").json()
    assert before["name"] == "แบบสำรวจครัวเรือน" and before["summary"]["row_count"] == 7
    _, replaced = import_form(s, server.url, household_xlsform(tmp_path, version="2026113002"),
                              destination=before["url"])
    assert replaced["status"] == "complete" and replaced["messages"]["updated"][0]["uid"] == uid
    after = s.get(f"{server.url}/api/v2/assets/{uid}/").json()
    assert after["version_id"] != before["version_id"] and after["version_count"] == 3
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a spreadsheet")
    _, failed = import_form(s, server.url, broken)
    assert failed["status"] == "error" and failed["messages"]["error"]


def test_deploy_redeploy_and_archive(kobo: tuple[KoboSandbox, requests.Session],
                                     deployed: tuple[str, str]) -> None:
    server, s = kobo
    uid, _ = deployed
    url = f"{server.url}/api/v2/assets/{uid}/deployment/"
    got = s.get(url)
    check(got, DEPLOYMENT)
    assert got.json()["active"] is True and got.json()["asset"]["deployment_status"] == "deployed"
    redeployed = s.patch(url, json={"active": True, "version_id": got.json()["version_id"]})
    check(redeployed, DEPLOYMENT, "patch")
    archived = s.patch(url, json={"active": False})
    assert archived.json()["asset"]["deployment_status"] == "archived"
    xform = s.get(f"{server.url}/api/v2/assets/{uid}/xform/").text
    assert f'id="{uid}"' in xform and "__version__" in xform


def test_form_media_files(kobo: tuple[KoboSandbox, requests.Session],
                          deployed: tuple[str, str]) -> None:
    server, s = kobo
    uid, _ = deployed
    url = f"{server.url}/api/v2/assets/{uid}/files/"
    form = {"file_type": "form_media", "description": "default",
            "metadata": json.dumps({"filename": "children.csv"})}
    content = {"content": ("children.csv", "name,label\nc1,มะลิ\n".encode(), "text/csv")}
    created = s.post(url, data=form, files=content)
    check(created, FILES, "post")
    assert created.json()["metadata"]["hash"] == "md5:" + __import__("hashlib").md5(
        "name,label\nc1,มะลิ\n".encode()).hexdigest()
    again = s.post(url, data=form, files=content)
    assert again.status_code == 400
    listed = s.get(url, params={"file_type": "form_media"})
    check(listed, FILES)
    assert listed.json()["count"] == 1
    assert s.get(created.json()["content"]).content == "name,label\nc1,มะลิ\n".encode()
    assert s.delete(created.json()["url"]).status_code == 204
    assert s.get(url).json()["count"] == 0


def test_data_is_flat_with_repeats_and_pages_by_next(kobo: tuple[KoboSandbox, requests.Session],
                                                     deployed: tuple[str, str]) -> None:
    server, s = kobo
    uid, formhub = deployed
    for goals in (["อ่านออก", "กลับเข้าเรียน"], [], ["ฝึกอาชีพ"]):
        answer = s.post(f"{server.url}/submission",
                        files={"xml_submission_file": ("s.xml", household_submission(uid, formhub,
                                                                                      goals))})
        assert answer.status_code == 201 and b"submit_success" in answer.content
    first = s.get(f"{server.url}/api/v2/assets/{uid}/data/", params={"limit": 2})
    check(first, DATA)
    body = first.json()
    assert body["count"] == 3 and body["previous"] is None and "start=2" in body["next"]
    row = body["results"][0]
    assert row["household/members"] == "5" and row["child_name"] == "ด.ญ. มะลิ"
    assert row["goals"] == [{"goals/goal": "อ่านออก"}, {"goals/goal": "กลับเข้าเรียน"}]
    assert row["formhub/uuid"] == formhub and row["_xform_id_string"] == uid
    assert row["meta/rootUuid"] == row["meta/instanceID"] == "uuid:" + row["_uuid"]
    assert "goals" not in body["results"][1]
    second = s.get(body["next"]).json()
    assert [r["_id"] for r in second["results"]] == [body["results"][1]["_id"] + 1]
    assert second["next"] is None and second["previous"]
    capped = s.get(f"{server.url}/api/v2/assets/{uid}/data/", params={"limit": 5000}).json()
    assert capped["count"] == 3 and capped["next"] is None


def test_validation_status_and_delete(kobo: tuple[KoboSandbox, requests.Session],
                                      deployed: tuple[str, str]) -> None:
    server, s = kobo
    uid, formhub = deployed
    s.post(f"{server.url}/submission",
           files={"xml_submission_file": ("s.xml", household_submission(uid, formhub, []))})
    row = s.get(f"{server.url}/api/v2/assets/{uid}/data/").json()["results"][0]
    assert row["_validation_status"] == {}
    bulk = s.patch(f"{server.url}/api/v2/assets/{uid}/data/validation_statuses/",
                   json={"payload": {"submission_ids": [row["_id"]],
                                     "validation_status.uid": "validation_status_approved"}})
    check(bulk, "/api/v2/assets/{uid_asset}/data/validation_statuses/", "patch")
    assert bulk.json() == {"detail": "1 submissions have been updated"}
    status = s.get(f"{server.url}/api/v2/assets/{uid}/data/{row['_id']}/").json()
    check_schema(status["_validation_status"], "DataValidationStatus")
    assert status["_validation_status"]["label"] == "Approved"
    assert s.delete(f"{server.url}/api/v2/assets/{uid}/data/{row['_id']}/").status_code == 204
    assert s.get(f"{server.url}/api/v2/assets/{uid}/data/").json()["count"] == 0
