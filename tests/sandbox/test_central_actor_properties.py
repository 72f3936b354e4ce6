"""Actor properties, app-user property values and dataset access filters, checked against Central's
OpenAPI description, and the OpenRosa downloads of an app user filtered as Central filters them."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import requests

from sandbox.central import CentralSandbox
from tests.sandbox.central_openapi import check_error
from tests.sandbox.test_central_entities import XLSX, _register, _visit_xlsx, check, registration

__all__ = ["registration"]  # the fixture, used by name below

PROPS = "/v1/projects/{projectId}/actor-properties"
APP_USERS = "/v1/projects/{projectId}/app-users"
APP_USER = "/v1/projects/{projectId}/app-users/{id}"
DATASET = "/v1/projects/{projectId}/datasets/{name}"
OPENROSA = {"X-OpenRosa-Version": "1.0"}


def test_property_names_are_registered_once_and_compared_exactly(
        sandbox: CentralSandbox, admin: requests.Session, project: int) -> None:
    url = f"{sandbox.url}/v1/projects/{project}/actor-properties"
    check(admin.post(url, json={"name": "region"}), PROPS, "post")
    again = admin.post(url, json={"name": "region"})
    assert again.status_code == 409 and again.json() == {
        "message": f"A resource already exists with projectId,name value(s) of {project},region.",
        "code": 409.3, "details": {"fields": ["projectId", "name"], "values": [str(project), "region"],
                                   "table": "actor_properties"}}
    check_error(again)
    # The unique index is on project and name, case-sensitive: another case is another name.
    check(admin.post(url, json={"name": "Region"}), PROPS, "post")
    for bad in ("displayName", "DISPLAYNAME", "name", "__x", "1abc", ""):
        refused = admin.post(url, json={"name": bad})
        assert refused.status_code == 400 and refused.json()["code"] == 400.8, bad
        check_error(refused)
    missing = admin.post(url, json={}).json()
    assert missing["message"] == "Unexpected name value undefined; This is not a valid property name."
    assert "value" not in missing["details"]
    listing = admin.get(url)
    check(listing, PROPS)
    assert listing.json() == [{"name": "Region"}, {"name": "region"}]


def test_app_user_values_are_set_at_creation_patched_unset_and_listed(
        sandbox: CentralSandbox, admin: requests.Session, project: int) -> None:
    base = f"{sandbox.url}/v1/projects/{project}"
    admin.post(f"{base}/actor-properties", json={"name": "lao_code"}).raise_for_status()
    admin.post(f"{base}/actor-properties", json={"name": "team"}).raise_for_status()
    created = admin.post(f"{base}/app-users", json={"displayName": "ผู้สำรวจ ก",
                                                   "properties": {"lao_code": " 5700708 "}})
    check(created, APP_USERS, "post")
    assert "properties" not in created.json()  # Central returns the plain app user here
    user_id = created.json()["id"]
    plain = admin.post(f"{base}/app-users", json={"displayName": "ผู้สำรวจ ข"}).json()

    extended = admin.get(f"{base}/app-users", headers={"X-Extended-Metadata": "true"})
    check(extended, APP_USERS)
    by_id = {u["id"]: u for u in extended.json()}
    assert by_id[user_id]["properties"] == {"lao_code": "5700708"}  # trimmed
    assert by_id[plain["id"]]["properties"] is None  # null when none are set
    assert "properties" not in admin.get(f"{base}/app-users").json()[0]

    patched = admin.patch(f"{base}/app-users/{user_id}",
                          json={"properties": {"lao_code": "6150611", "team": "north"}})
    check(patched, APP_USER, "patch")
    assert patched.json()["properties"] == {"lao_code": "6150611", "team": "north"}
    unset = admin.patch(f"{base}/app-users/{user_id}", json={"properties": {"team": None,
                                                                           "lao_code": "  "}})
    assert unset.json()["properties"] is None  # null and blank both unset
    one = admin.get(f"{base}/app-users/{user_id}", headers={"X-Extended-Metadata": "true"})
    check(one, APP_USER)
    assert one.json()["properties"] is None and one.json()["token"]

    for body, message, value in (
            ({"properties": {"LAO_CODE": "1"}}, "properties value LAO_CODE; Unknown property name.",
             "LAO_CODE"),
            ({"properties": {"lao_code": 5}}, "lao_code value 5; Property values must be strings or null.",
             5),
            ({"properties": ["lao_code"]}, "properties value lao_code; Must be an object.", ["lao_code"])):
        refused = admin.patch(f"{base}/app-users/{user_id}", json=body)
        assert refused.status_code == 400 and refused.json()["message"] == f"Unexpected {message}"
        assert refused.json()["details"]["value"] == value
        check_error(refused)
    unknown = admin.post(f"{base}/app-users", json={"displayName": "x",
                                                    "properties": {"nope": "1"}})
    assert unknown.status_code == 400
    assert {u["displayName"] for u in admin.get(f"{base}/app-users").json()} == {
        "ผู้สำรวจ ก", "ผู้สำรวจ ข"}  # the refused creation left no app user
    admin.patch(f"{base}/app-users/{plain['id']}", json={"properties": {"lao_code": "6150611"}})
    values = admin.get(f"{base}/actor-properties", headers={"X-Extended-Metadata": "true"})
    check(values, PROPS)
    assert values.json() == [{"name": "lao_code", "values": ["6150611"]},
                             {"name": "team", "values": []}]
    assert admin.patch(f"{base}/app-users/999999", json={"properties": {}}).status_code == 404


def _collect_list(sandbox: CentralSandbox, token: str, project: int, form: str) -> tuple[str, set[str]]:
    """As Collect: the form list, the form's manifest, then the list CSV it names; (hash, names)."""
    base = f"{sandbox.url}/v1/key/{token}/projects/{project}"
    form_list = requests.get(f"{base}/formList", headers=OPENROSA, timeout=10)
    assert form_list.status_code == 200
    manifest_url = re.search(rf"<formID>{form}</formID>.*?<manifestUrl>(.*?)</manifestUrl>",
                             form_list.text, re.S)
    assert manifest_url is not None
    local = manifest_url.group(1).replace("https://central.example.org", sandbox.url)
    manifest = requests.get(local, headers=OPENROSA, timeout=10)
    media = re.search(r'<mediaFile type="entityList">\s*<filename>children.csv</filename>\s*'
                      r"<hash>md5:(\w+)</hash>\s*<downloadUrl>(.*?)</downloadUrl>", manifest.text)
    assert media is not None, manifest.text
    csv_answer = requests.get(media.group(2).replace("https://central.example.org", sandbox.url),
                              timeout=10)
    assert csv_answer.status_code == 200
    assert csv_answer.headers["ETag"] == f'"{media.group(1)}"'  # the manifest's hash is the file's
    rows = list(csv.DictReader(io.StringIO(csv_answer.text)))
    return media.group(1), {r["first_name"] for r in rows}


def test_an_access_filter_shows_each_app_user_only_its_own_entities(
        sandbox: CentralSandbox, admin: requests.Session, project: int, registration: str,
        tmp_path: Path) -> None:
    base = f"{sandbox.url}/v1/projects/{project}"
    admin.post(f"{base}/forms?publish=true", data=_visit_xlsx(tmp_path / "visit.xlsx"),
               headers={"Content-Type": XLSX}).raise_for_status()
    ids = {name: _register(sandbox, admin, project, name, village)
           for name, village in (("มานี", "บ้านนา"), ("ชูใจ", "บ้านนา"), ("ปิติ", "บ้านดอน"))}
    sandbox.drain_entity_queue()
    admin.post(f"{base}/actor-properties", json={"name": "home"}).raise_for_status()
    tokens = {}
    for village in ("บ้านนา", "บ้านดอน"):
        user = admin.post(f"{base}/app-users", json={"displayName": village,
                                                    "properties": {"home": village}}).json()
        admin.post(f"{base}/forms/visit_children/assignments/app-user/{user['id']}"
                   ).raise_for_status()
        tokens[village] = user["token"]
    unfiltered = {v: _collect_list(sandbox, t, project, "visit_children") for v, t in tokens.items()}
    assert unfiltered["บ้านนา"][1] == unfiltered["บ้านดอน"][1] == {"มานี", "ชูใจ", "ปิติ"}

    rule = {"type": "property", "rules": [{"datasetProperty": "village", "actorProperty": "home"}]}
    patched = admin.patch(f"{base}/datasets/children", json={"accessFilter": rule})
    check(patched, DATASET, "patch")
    assert patched.json()["accessFilter"] == rule
    check(admin.get(f"{base}/datasets/children"), DATASET)
    na, don = (_collect_list(sandbox, tokens[v], project, "visit_children")
               for v in ("บ้านนา", "บ้านดอน"))
    assert na[1] == {"มานี", "ชูใจ"} and don[1] == {"ปิติ"}
    assert na[0] != don[0]  # each actor's hash is its own
    # Collect's integrity check: what this phone may not see is reported deleted, so it drops it.
    integrity = requests.get(f"{sandbox.url}/v1/key/{tokens['บ้านดอน']}/projects/{project}/datasets/"
                             f"children/integrity", headers=OPENROSA, timeout=10)
    assert integrity.status_code == 200
    check(integrity, "/v1/projects/{projectId}/datasets/{name}/integrity")
    states = dict(re.findall(r'<entity id="([^"]+)">\s*<deleted>(\w+)</deleted>', integrity.text))
    assert states == {ids["มานี"]: "true", ids["ชูใจ"]: "true", ids["ปิติ"]: "false"}
    one = requests.get(f"{sandbox.url}/v1/key/{tokens['บ้านนา']}/projects/{project}/datasets/children/"
                       f"integrity?id={ids['มานี']}", headers=OPENROSA, timeout=10)
    assert re.findall(r'<entity id="([^"]+)">\s*<deleted>(\w+)</deleted>', one.text) == [
        (ids["มานี"], "false")]
    admin_csv = admin.get(f"{base}/forms/visit_children/attachments/children.csv").text
    assert len(admin_csv.splitlines()) == 4  # an administrator (entity.list) sees every entity

    # An app user without the property sees nothing; one that moves sees its new village's.
    nobody = admin.post(f"{base}/app-users", json={"displayName": "none"}).json()
    admin.post(f"{base}/forms/visit_children/assignments/app-user/{nobody['id']}").raise_for_status()
    assert _collect_list(sandbox, nobody["token"], project, "visit_children")[1] == set()
    admin.patch(f"{base}/app-users/{nobody['id']}", json={"properties": {"home": "บ้านดอน"}})
    assert _collect_list(sandbox, nobody["token"], project, "visit_children")[1] == {"ปิติ"}

    # Unknown names in a rule are passed over, as Central's insert finds no row for them.
    ignored = admin.patch(f"{base}/datasets/children", json={"accessFilter": {
        "type": "property", "rules": [{"datasetProperty": "nope", "actorProperty": "home"}]}})
    assert ignored.status_code == 200 and "accessFilter" not in ignored.json()
    for bad, message in (
            ({"type": "property", "rules": []}, "rules value ; rules must be a non-empty array."),
            ({"type": "everyone"}, "type value everyone; type must be ownerOnly or property."),
            ({"type": "property", "rules": [{"datasetProperty": "village"}]},
             "rules value [object Object]; Each rule must have datasetProperty and actorProperty.")):
        refused = admin.patch(f"{base}/datasets/children", json={"accessFilter": bad})
        assert refused.status_code == 400 and refused.json()["code"] == 400.8, bad
        assert refused.json()["message"] == f"Unexpected accessFilter.{message}"
        check_error(refused)
    cleared = admin.patch(f"{base}/datasets/children", json={"accessFilter": None})
    assert cleared.status_code == 200 and "accessFilter" not in cleared.json()
    assert _collect_list(sandbox, tokens["บ้านนา"], project, "visit_children")[1] == {
        "มานี", "ชูใจ", "ปิติ"}
