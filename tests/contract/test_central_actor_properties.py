"""Actor properties and entity-list access filters (Central v2026.2): names compared exactly, app
users' values, and each app user's Collect downloads (form list, manifest, list CSV) holding only the
entities whose property matches its own. Runs unchanged against a real ODK Central."""

from __future__ import annotations

import csv
import io
import re
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import openpyxl
import requests

from connectors.central.actors import AccessRule
from connectors.central.client import CentralClient
from tests.connectors.entity_forms import write_reader_form
from tests.contract.central_contract import unique_form_id

OPENROSA = {"X-OpenRosa-Version": "1.0"}
LAO_A, LAO_B = "5700708", "6150611"


def test_property_names_are_registered_once_and_compared_exactly(client: CentralClient) -> None:
    pid = client.project_id
    assert pid is not None
    client.actors.ensure_actor_property("odksync_case", pid)
    assert client.actors.ensure_actor_property("odksync_case", pid) is False  # already there
    # Central's unique index is on project and name as written: another case is another name.
    client.actors.ensure_actor_property("ODKSYNC_CASE", pid)
    names = [p.name for p in client.actors.list_actor_properties(pid)]
    assert "odksync_case" in names and "ODKSYNC_CASE" in names


def _registration_form(directory: Path, form_id: str, dataset: str) -> Path:
    """A form that saves a child's name and LAO code into `dataset`."""
    book = openpyxl.Workbook()
    survey = book.active
    assert survey is not None
    survey.title = "survey"
    survey.append(["type", "name", "label", "save_to"])
    survey.append(["text", "fname", "ชื่อ / Name", "first_name"])
    survey.append(["text", "lao", "อปท. / LAO", "lao_code"])
    entities = book.create_sheet("entities")
    entities.append(["list_name", "label"])
    entities.append([dataset, "${fname}"])
    settings = book.create_sheet("settings")
    settings.append(["form_id", "version", "form_title"])
    settings.append([form_id, "1", "ลงทะเบียน contract"])
    path = directory / f"{form_id}.xlsx"
    book.save(path)
    return path


def _on_server(client: CentralClient, url: str) -> str:
    """A URL from an OpenRosa document, re-based on the server we talk to (its domain may differ)."""
    parts = urlsplit(url)
    return client.config.base_url + parts.path + (f"?{parts.query}" if parts.query else "")


def _phone_sees(client: CentralClient, token: str, form_id: str, dataset: str) -> set[str]:
    """Collect's downloads as this app user: form list, the form's manifest, the list CSV."""
    base = f"{client.config.base_url}/v1/key/{token}/projects/{client.project_id}"
    listing = requests.get(f"{base}/formList", headers=OPENROSA, timeout=30)
    assert listing.status_code == 200
    found = re.search(rf"<formID>{form_id}</formID>.*?<manifestUrl>(.*?)</manifestUrl>", listing.text, re.S)
    assert found is not None, listing.text
    manifest = requests.get(_on_server(client, found.group(1)), headers=OPENROSA, timeout=30)
    media = re.search(rf"<filename>{dataset}.csv</filename>\s*<hash>md5:(\w+)</hash>\s*"
                      r"<downloadUrl>(.*?)</downloadUrl>", manifest.text)
    assert media is not None, manifest.text
    answer = requests.get(_on_server(client, media.group(2)), timeout=30)
    assert answer.status_code == 200 and answer.headers["ETag"].strip('W/"') == media.group(1)
    return {row["name"] for row in csv.DictReader(io.StringIO(answer.text))}


def test_each_app_user_downloads_only_the_entities_of_its_lao(client: CentralClient, tmp_path: Path) -> None:
    pid = client.project_id
    assert pid is not None
    dataset = unique_form_id("kids")
    client.deploy_form(_registration_form(tmp_path, unique_form_id("reg"), dataset))
    reader = unique_form_id("visit")
    client.deploy_form(write_reader_form(tmp_path, reader, dataset))
    children = {}
    for name, lao in (("ก", LAO_A), ("ข", LAO_A), ("ค", LAO_B)):
        children[name] = client.create_entity(dataset, label=f"เด็ก {name}", uuid=str(uuid.uuid4()),
                                              data={"first_name": name, "lao_code": lao}).uuid
    client.actors.ensure_actor_property("lao_code", pid)
    users = {}
    for lao in (LAO_A, LAO_B):
        user = client.actors.create_app_user(f"contract {lao} {uuid.uuid4().hex[:6]}", pid, {"lao_code": lao})
        client.assign_form(reader, user.id)
        users[lao] = user
    listed = {u.id: u for u in client.actors.list_app_users(pid)}
    assert listed[users[LAO_A].id].properties == {"lao_code": LAO_A}
    assert users[LAO_A].token and users[LAO_A].token not in repr(listed[users[LAO_A].id])

    assert client.actors.access_filter(dataset, pid) is None
    rule = AccessRule(datasetProperty="lao_code", actorProperty="lao_code")
    kept = client.actors.set_access_filter(dataset, [rule], pid)
    assert kept is not None and kept.type == "property" and kept.rules == [rule]
    again = client.actors.access_filter(dataset, pid)
    assert again is not None and again.rules == [rule]

    a_token, b_token = users[LAO_A].token or "", users[LAO_B].token or ""
    assert _phone_sees(client, a_token, reader, dataset) == {children["ก"], children["ข"]}
    assert _phone_sees(client, b_token, reader, dataset) == {children["ค"]}

    # A child moves to the other LAO (as push-back writes it): it changes sides.
    entity = client.get_entity(dataset, children["ก"])
    assert entity is not None
    client.update_entity(dataset, children["ก"], data={"lao_code": LAO_B}, base_version=entity.version)
    assert _phone_sees(client, a_token, reader, dataset) == {children["ข"]}
    assert _phone_sees(client, b_token, reader, dataset) == {children["ก"], children["ค"]}
    # Collect's integrity check tells A's phone to drop the child it may no longer see.
    integrity = requests.get(f"{client.config.base_url}/v1/key/{a_token}/projects/{pid}/datasets/{dataset}/"
                             f"integrity?id={children['ก']},{children['ข']}", headers=OPENROSA, timeout=30)
    assert integrity.status_code == 200
    assert dict(re.findall(r'<entity id="([^"]+)">\s*<deleted>(\w+)</deleted>', integrity.text)) == {
        children["ก"]: "true", children["ข"]: "false"}

    # An app user's value changes: its phone follows; unset, it sees nothing.
    moved = client.actors.set_app_user_properties(users[LAO_B].id, {"lao_code": LAO_A}, pid)
    assert moved.properties == {"lao_code": LAO_A}
    assert _phone_sees(client, b_token, reader, dataset) == {children["ข"]}
    client.actors.set_app_user_properties(users[LAO_B].id, {"lao_code": None}, pid)
    assert _phone_sees(client, b_token, reader, dataset) == set()

    # Revoked: the phone is refused; the app user stays, without a token.
    for user in users.values():
        client.actors.revoke(user.token or "")
    refused = requests.get(f"{client.config.base_url}/v1/key/{a_token}/projects/{pid}/formList",
                           headers=OPENROSA, timeout=30)
    assert refused.status_code in (401, 403)
    after = {u.id: u for u in client.actors.list_app_users(pid)}
    assert after[users[LAO_A].id].token is None
