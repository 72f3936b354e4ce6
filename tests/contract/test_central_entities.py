"""The client's entity API against the server under test: lists, entities, stale updates, paging."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from connectors.central.client import CentralClient
from connectors.central.errors import CentralError, EntityVersionConflict
from tests.connectors.entity_forms import registration_xml, wait_for_entity, write_registration_form
from tests.contract.central_contract import Target, unique_form_id


@dataclass
class EntityList:
    """A registration form deployed with its own entity list (unique per run)."""

    client: CentralClient
    form_id: str
    dataset: str
    sandbox: Any | None


@pytest.fixture(scope="module")
def entity_list(target: Target, tmp_path_factory: pytest.TempPathFactory) -> Iterator[EntityList]:
    form_id, dataset = unique_form_id("entreg"), unique_form_id("kids")
    with CentralClient(target.config) as client:
        path = write_registration_form(tmp_path_factory.mktemp("entities"), form_id, dataset)
        assert client.deploy_form(path).action == "created"
        yield EntityList(client, form_id, dataset, target.sandbox)


def new_child(entities: EntityList, name: str = "สมชาย", **data: str) -> str:
    created = entities.client.create_entity(
        entities.dataset, label=f"{name} บ้านนา", data={"first_name": name, "village": "บ้านนา", **data}
    )
    return created.uuid


def test_publishing_the_form_created_the_list_with_its_properties(entity_list: EntityList) -> None:
    client = entity_list.client
    assert entity_list.dataset in {d.name for d in client.list_datasets()}
    detail = client.get_dataset(entity_list.dataset)
    assert detail is not None
    assert {"first_name", "age", "village"} <= {p.name for p in detail.properties}
    assert entity_list.form_id in detail.source_forms
    assert client.get_dataset(unique_form_id("nolist")) is None


def test_create_then_read_an_entity(entity_list: EntityList) -> None:
    client = entity_list.client
    chosen = str(uuid.uuid4())
    created = client.create_entity(entity_list.dataset, label="มานี บ้านดอน",
                                   data={"first_name": "มานี", "age": "8"}, uuid=chosen)
    assert (created.uuid, created.version, created.label) == (chosen, 1, "มานี บ้านดอน")
    read = client.get_entity(entity_list.dataset, chosen)
    assert read is not None and read.data["first_name"] == "มานี" and read.data["age"] == "8"
    assert client.get_entity(entity_list.dataset, str(uuid.uuid4())) is None


def test_creating_the_same_entity_again_is_harmless_but_a_clash_is_not(entity_list: EntityList) -> None:
    client = entity_list.client
    chosen = str(uuid.uuid4())
    first = client.create_entity(entity_list.dataset, label="ปิติ บ้านนา", data={"first_name": "ปิติ"},
                                 uuid=chosen)
    again = client.create_entity(entity_list.dataset, label="ปิติ บ้านนา", data={"first_name": "ปิติ"},
                                 uuid=chosen)
    assert again.uuid == first.uuid and again.version == 1
    with pytest.raises(CentralError) as clash:
        client.create_entity(entity_list.dataset, label="คนอื่น", data={"first_name": "คนอื่น"}, uuid=chosen)
    assert clash.value.status_code == 409


def test_update_from_the_read_version_then_a_stale_one_is_refused_with_the_current(
    entity_list: EntityList,
) -> None:
    client = entity_list.client
    entity_id = new_child(entity_list, "ชูใจ")
    read = client.get_entity(entity_list.dataset, entity_id)
    assert read is not None
    updated = client.update_entity(entity_list.dataset, entity_id, data={"age": "10"},
                                   base_version=read.version)
    assert updated.version == read.version + 1 and updated.data["age"] == "10"
    assert updated.data["first_name"] == "ชูใจ"  # properties not sent are kept

    with pytest.raises(EntityVersionConflict) as stale:
        client.update_entity(entity_list.dataset, entity_id, data={"age": "11"}, base_version=read.version)
    assert stale.value.current_version == updated.version
    assert stale.value.provided_version == read.version
    assert stale.value.is_central_error(409.15) and entity_id in str(stale.value)

    forced = client.update_entity(entity_list.dataset, entity_id, data={"age": "12"},
                                  label="ชูใจ บ้านใหม่", base_version=None, force=True)
    assert (forced.version, forced.label, forced.data["age"]) == (updated.version + 1, "ชูใจ บ้านใหม่", "12")


def test_update_needs_a_base_version_or_force(entity_list: EntityList) -> None:
    with pytest.raises(ValueError, match="base_version"):
        entity_list.client.update_entity(entity_list.dataset, str(uuid.uuid4()), data={}, base_version=None)


def test_an_unknown_property_is_refused(entity_list: EntityList) -> None:
    with pytest.raises(CentralError) as refused:
        entity_list.client.create_entity(entity_list.dataset, label="x", data={"no_such_property": "1"})
    assert refused.value.status_code == 400


def test_the_odata_feed_pages_through_every_entity_and_filters_by_time(entity_list: EntityList) -> None:
    client = entity_list.client
    ids = {new_child(entity_list, f"เด็ก{i}") for i in range(3)}
    pages = list(client.iter_entity_pages(entity_list.dataset, page_size=2))
    seen = [e.uuid for page in pages for e in page.entities]
    assert len(seen) == len(set(seen)) and ids <= set(seen)
    assert len(pages) >= 2 and pages[0].count == len(seen)
    assert all(p.next_link is None or p.next_link.startswith(client.config.base_url) for p in pages)
    # Times from the server's own clock (the sandbox's may have been moved by other tests).
    rows = {e.uuid: e for page in pages for e in page.entities}
    mine = [rows[i].created_at for i in ids]
    assert all(t is not None for t in mine)
    first = min(t for t in mine if t is not None) - timedelta(milliseconds=1)
    recent = {e.uuid for e in client.iter_entities(entity_list.dataset, since=first, overlap=timedelta(0))}
    assert ids <= recent
    last = max(e.created_at or first for e in rows.values()) + timedelta(seconds=1)
    assert list(client.iter_entities(entity_list.dataset, since=last, overlap=timedelta(0))) == []
    row = next(e for e in client.list_entities(entity_list.dataset) if e.uuid in ids)
    assert row.label is not None and row.label.endswith("บ้านนา") and row.version == 1
    assert row.data["village"] == "บ้านนา"


def test_the_csv_holds_every_entity(entity_list: EntityList) -> None:
    entity_id = new_child(entity_list, "วีระ")
    rows = list(csv.DictReader(io.StringIO(entity_list.client.entities_csv(entity_list.dataset).decode())))
    (mine,) = [r for r in rows if r["__id"] == entity_id]
    assert mine["label"] == "วีระ บ้านนา" and mine["first_name"] == "วีระ"


def test_a_registration_submission_becomes_an_entity(entity_list: EntityList) -> None:
    client = entity_list.client
    xml, entity_id = registration_xml(entity_list.form_id, entity_list.dataset, first_name="ดวงใจ", age=7,
                                      village="บ้านโคก")
    client.submit_rest(entity_list.form_id, xml)
    entity = wait_for_entity(client, entity_list.dataset, entity_id, entity_list.sandbox)
    assert entity is not None, "no entity made from the submission: is the server's entity worker running?"
    assert entity.label == "ดวงใจ บ้านโคก"
    assert entity.data == {"first_name": "ดวงใจ", "age": "7", "village": "บ้านโคก"}


def test_the_submission_that_created_an_entity_is_named_by_its_first_version(entity_list: EntityList) -> None:
    client = entity_list.client
    xml, entity_id = registration_xml(entity_list.form_id, entity_list.dataset, first_name="ขวัญ", age=9,
                                      village="บ้านใหม่")
    instance_id = xml.decode().split("<instanceID>", 1)[1].split("</instanceID>", 1)[0]
    client.submit_rest(entity_list.form_id, xml)
    assert wait_for_entity(client, entity_list.dataset, entity_id, entity_list.sandbox) is not None
    assert client.entity_creating_instance_id(entity_list.dataset, entity_id) == instance_id
    # Made through the API, not by a submission; and an entity the list does not hold.
    assert client.entity_creating_instance_id(entity_list.dataset, new_child(entity_list, "ใบเตย")) is None
    assert client.entity_creating_instance_id(entity_list.dataset, str(uuid.uuid4())) is None
