"""Enumerators from a roster on the local Central: each phone, through the OpenRosa endpoints Collect
uses, sees only its own LAO's children; a moved child changes sides; a rerun writes nothing."""

from __future__ import annotations

import csv
import io
import re
import uuid

import pytest
import requests

from connectors.central.client import CentralClient
from orchestration.enumerators import (
    CHILDREN_DATASET,
    Enumerator,
    RosterError,
    derived_key,
    parse_roster,
    sync_enumerators,
)
from tests.contract.central_contract import write_requests
from tests.support.local_central import LocalCentral

LAO_A, LAO_B = "5700708", "6150611"  # two of the demo's LAOs
OPENROSA = {"X-OpenRosa-Version": "1.0"}


def roster(*rows: str) -> list[Enumerator]:
    return parse_roster("name,lao_code,role,phone\n" + "\n".join(rows) + "\n")


def phone_sees(client: CentralClient, token: str, project_id: int, form: str = "home_visit") -> set[str]:
    """What Collect downloads for the form as this app user: form list, manifest, then the
    `children.csv` the manifest names; the entity uuids in it."""
    base = f"{client.config.base_url}/v1/key/{token}/projects/{project_id}"
    listing = requests.get(f"{base}/formList", headers=OPENROSA, timeout=30)
    assert listing.status_code == 200, listing.text
    manifest_url = re.search(rf"<formID>{form}</formID>.*?<manifestUrl>(.*?)</manifestUrl>",
                             listing.text, re.S)
    assert manifest_url is not None, f"{form} is not in the app user's form list"
    manifest = requests.get(manifest_url.group(1), headers=OPENROSA, timeout=30)
    media = re.search(r"<filename>children.csv</filename>\s*<hash>md5:\w+</hash>\s*"
                      r"<downloadUrl>(.*?)</downloadUrl>", manifest.text)
    assert media is not None, manifest.text
    answer = requests.get(media.group(1), timeout=30)
    assert answer.status_code == 200
    return {row["name"] for row in csv.DictReader(io.StringIO(answer.text))}


def add_child(client: CentralClient, lao: str, name: str) -> str:
    entity = client.create_entity(CHILDREN_DATASET, label=name, uuid=str(uuid.uuid4()),
                                  data={"lao_code": lao, "full_name": name})
    return entity.uuid


def test_each_lao_s_phones_see_only_its_children_and_a_moved_child_changes_sides(
    central: LocalCentral,
) -> None:
    server, pid = central.server, central.project_id
    staff = roster(f"สมศรี ใจดี,{LAO_A},enumerator,0812345601",
                   f"ประเสริฐ ทองคำ,{LAO_A},ผู้ดูแลรายกรณี,",
                   f"วิไลวรรณ ศรีสุข,{LAO_B},enumerator,089 765 4301")
    a1, a2, b1 = (e.key for e in staff)
    with central.client() as client:
        first = sync_enumerators(client, pid, staff)
        assert sorted(first.created) == sorted([a1, a2, b1])
        assert first.property_registered and first.access_filter_set
        assert first.assignments_added == 3 * 4  # every programme form, for each
        assert set(first.tokens) == {a1, a2, b1}
        assert not any(token in repr(first) or token in "\n".join(first.lines())
                       for token in first.tokens.values())

        before = len(server.request_log)
        again = sync_enumerators(client, pid, staff)
        assert write_requests(server.request_log, since=before) == []  # idempotent: no writes
        assert not again.wrote and sorted(again.unchanged) == sorted([a1, a2, b1])
        assert again.tokens == first.tokens

        users = {u.id: u for u in client.actors.list_app_users(pid)}
        assert users[first.app_user_ids[a1]].properties == {"lao_code": LAO_A}
        assert users[first.app_user_ids[b1]].display_name == f"วิไลวรรณ ศรีสุข [{b1}]"
        detail = client.actors.access_filter(CHILDREN_DATASET, pid)
        assert detail is not None and [r.wire() for r in detail.rules] == [
            {"datasetProperty": "lao_code", "actorProperty": "lao_code"}]

        moving, stays = add_child(client, LAO_A, "ด.ช. ก"), add_child(client, LAO_A, "ด.ญ. ข")
        other = add_child(client, LAO_B, "ด.ช. ค")
        tokens = first.tokens
        assert phone_sees(client, tokens[a1], pid) == phone_sees(client, tokens[a2], pid) == {moving, stays}
        assert phone_sees(client, tokens[b1], pid, "plan_followup") == {other}
        assert len(client.list_entities(CHILDREN_DATASET)) == 3  # the office sees everyone

        # Push-back moves the child to LAO B by updating its entity through the connector.
        entity = client.get_entity(CHILDREN_DATASET, moving)
        assert entity is not None
        client.update_entity(CHILDREN_DATASET, moving, data={"lao_code": LAO_B},
                             base_version=entity.version)
        assert phone_sees(client, tokens[a1], pid) == {stays}
        assert phone_sees(client, tokens[b1], pid) == {other, moving}

        # The enumerator changes LAO in the roster: the same app user, retagged.
        moved_staff = [*staff[:2], Enumerator(key=b1, name=staff[2].name, lao_code=LAO_A,
                                              role="enumerator", phone=staff[2].phone)]
        retag = sync_enumerators(client, pid, moved_staff)
        assert retag.retagged == [b1] and not retag.created
        assert phone_sees(client, tokens[b1], pid) == {stays}

        # One leaves the roster: revoked, the app user and what it sent stay.
        from simulation.generator import generate_children, registration_xml
        from simulation.submitter import published_version

        child = generate_children(1, 7)[0]
        xml = registration_xml(child, form_version=published_version(client),
                               instance_id=f"uuid:{uuid.uuid4()}")
        assert client.submit_openrosa(xml, app_user_token=tokens[a2]).status == "created"
        held = client.count_submissions("child_registration")
        left = sync_enumerators(client, pid, [moved_staff[0], moved_staff[2]])
        assert left.revoked == [a2]
        refused = requests.get(f"{client.config.base_url}/v1/key/{tokens[a2]}/projects/{pid}/formList",
                               headers=OPENROSA, timeout=30)
        assert refused.status_code in (401, 403)
        assert client.count_submissions("child_registration") == held
        kept = {u.id: u for u in client.actors.list_app_users(pid)}[first.app_user_ids[a2]]
        assert kept.token is None and kept.display_name.endswith(f"[{a2}]")
        before = len(server.request_log)
        assert not sync_enumerators(client, pid, [moved_staff[0], moved_staff[2]]).wrote
        assert write_requests(server.request_log, since=before) == []
        # Back on the roster: Central cannot restore a revoked token, so a new app user is made.
        back = sync_enumerators(client, pid, moved_staff)
        assert back.created == [a2] and back.app_user_ids[a2] != first.app_user_ids[a2]
        seen = phone_sees(client, back.tokens[a2], pid)
        assert stays in seen and not seen & {moving, other}


def test_a_roster_with_mistakes_is_refused_whole_with_every_problem_named() -> None:
    text = ("name,lao_code,role,phone,code\n"
            "สมศรี ใจดี,5700708,enumerator,0812345601,\n"
            ",5700708,enumerator,,\n"
            "มาลี [x],5700708,enumerator,,\n"
            "ชูใจ,1234567,enumerator,,\n"
            "ปิติ,57007,enumerator,,\n"
            "มานะ,5700708,cook,,\n"
            "วีระ,5700708,enumerator,12,\n"
            "ดวง,5700708,enumerator,,bad code!\n"
            "สมศรี   ใจดี,5700708,enumerator,,\n")
    with pytest.raises(RosterError) as caught:
        parse_roster(text)
    message = str(caught.value)
    for line in range(3, 11):
        assert f"บรรทัด {line}:" in message, line
    assert "บรรทัด 2:" not in message and "ซ้ำกับบรรทัด 2" in message
    with pytest.raises(RosterError, match="lao_code"):
        parse_roster("name,role,phone\nก,enumerator,\n")


def test_keys_are_stable_and_the_roster_s_code_wins() -> None:
    (plain,) = roster("สมศรี  ใจดี,5700708,ผู้สำรวจ,+66 81 234 5601")
    assert plain.key == derived_key("5700708", "สมศรี ใจดี") and plain.key.startswith("5700708-")
    assert (plain.name, plain.role, plain.phone) == ("สมศรี ใจดี", "enumerator", "0812345601")
    (coded,) = parse_roster("code,name,lao_code,role,phone\n5700708-01,สมศรี ใจดี,5700708,,\n")
    assert coded.key == "5700708-01" and coded.role == "enumerator"
    assert coded.display_name == "สมศรี ใจดี [5700708-01]"


def test_a_central_without_actor_properties_is_named_and_nothing_is_written(central: LocalCentral) -> None:
    """A Central older than 2026.2 answers 404 there: the message says so, before any write."""
    from connectors.central.errors import CentralError

    server = central.server
    server.faults.add("GET", r".*/actor-properties$", status=404)
    before = len(server.request_log)
    with central.client() as client, pytest.raises(CentralError, match=r"2026\.2 or later"):
        sync_enumerators(client, central.project_id, roster(f"มานะ,{LAO_A},enumerator,"))
    assert write_requests(server.request_log, since=before) == []


def test_a_lost_answer_to_a_creation_makes_no_second_app_user(central: LocalCentral) -> None:
    """The server makes the app user but the answer never arrives: the create is not resent, and
    the next sync finds the app user by its key, tags and assigns it, and makes no other."""
    from connectors.central.errors import CentralError

    server = central.server
    staff = roster(f"ชูใจ ใจงาม,{LAO_B},enumerator,")
    server.faults.add("POST", r".*/app-users$", kind="drop", applied=True)
    with central.client() as client:
        with pytest.raises(CentralError):
            sync_enumerators(client, central.project_id, staff)
        report = sync_enumerators(client, central.project_id, staff)
        assert report.created == [] and report.unchanged == [staff[0].key]
        assert report.assignments_added == 4
        named = [u for u in client.actors.list_app_users(central.project_id)
                 if u.display_name == staff[0].display_name]
        assert len(named) == 1 and named[0].properties == {"lao_code": LAO_B}
