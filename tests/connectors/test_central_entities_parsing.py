"""The entity client's pure parts: OData entity pages, the since filter, property values, models."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from connectors.central.entities import entity_since_filter, parse_entity_page, property_values
from connectors.central.entity_models import DatasetDetail, Entity, EntityRow
from connectors.central.errors import ENTITY_VERSION_CONFLICT, error_details, parse_central_code
from connectors.central.models import lenient_validate
from connectors.central.urls import URLs

API = "http://127.0.0.1:8080/v1/"


def row(uuid: Any = "0f1d3c4e-1111-4aaa-9bbb-222233334444", **system: Any) -> dict[str, Any]:
    return {
        "__id": uuid,
        "label": "ด.ช. สมชาย (ต้น) บ้านหนองบัว",
        "child_id": "C-0001",
        "plan_status": "ACTIVE",
        "__system": {"createdAt": "2026-11-30T03:04:05.678Z", "updatedAt": None, "creatorId": 5,
                     "version": 2, "conflict": None, **system},
    }


def test_an_odata_entity_row_is_parsed_with_its_properties_apart() -> None:
    parsed = EntityRow.from_odata(row())
    assert parsed is not None
    assert parsed.uuid == "0f1d3c4e-1111-4aaa-9bbb-222233334444"
    assert parsed.label == "ด.ช. สมชาย (ต้น) บ้านหนองบัว"
    assert parsed.data == {"child_id": "C-0001", "plan_status": "ACTIVE"}
    assert parsed.version == 2 and parsed.creator_id == "5" and parsed.updated_at is None
    assert parsed.created_at == datetime(2026, 11, 30, 3, 4, 5, 678000, tzinfo=UTC)
    assert parsed.raw == row()


@pytest.mark.parametrize("bad", [None, "x", {"label": "no id"}, {"__id": ""}, {"__id": 7}])
def test_rows_without_a_usable_id_are_malformed(bad: Any) -> None:
    page = parse_entity_page({"value": [row(), bad]}, page_number=1, api_base=API, current_url=API)
    assert [e.uuid for e in page.entities] == [row()["__id"]]
    assert page.malformed == [bad]


def test_odd_system_values_cost_only_themselves() -> None:
    parsed = EntityRow.from_odata(row(version="two", createdAt="not a date"))
    assert parsed is not None and parsed.version is None and parsed.created_at is None
    assert parsed.creator_id == "5"


def test_next_link_is_rebased_on_our_server_and_count_kept() -> None:
    body = {
        "value": [row()],
        "@odata.count": 3,
        "@odata.nextLink": "https://central.example.org/v1/projects/1/datasets/children.svc/Entities"
                           "?%24top=1&%24skiptoken=abc",
    }
    page = parse_entity_page(body, page_number=1, api_base=API, current_url=API)
    assert page.count == 3
    assert page.next_link == f"{API}projects/1/datasets/children.svc/Entities?%24top=1&%24skiptoken=abc"


@pytest.mark.parametrize("body", [None, [], "x", {"value": "nope"}])
def test_a_page_that_is_not_odata_yields_nothing(body: Any) -> None:
    page = parse_entity_page(body, page_number=2, api_base=API, current_url=API)
    assert page.entities == [] and page.next_link is None


def test_since_filter_uses_the_entity_system_fields() -> None:
    since = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    assert entity_since_filter(since, timedelta(minutes=5)) == (
        "__system/createdAt gt 2026-12-01T07:55:00.000Z or __system/updatedAt gt 2026-12-01T07:55:00.000Z"
    )


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"plan_status": "ACTIVE"}, {"plan_status": "ACTIVE"}),
        ({"visits": 3, "score": 0.5}, {"visits": "3", "score": "0.5"}),
        ({"next_followup_due": ""}, {"next_followup_due": ""}),
    ],
)
def test_property_values_are_text(data: dict[str, Any], expected: dict[str, str]) -> None:
    assert property_values(data, dataset="children") == expected


@pytest.mark.parametrize("data", [{"x": None}, {"x": True}, {"x": ["a"]}, {"x": {"a": 1}}])
def test_property_values_refuse_what_central_cannot_store(data: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="children"):
        property_values(data, dataset="children")


def test_entity_details_expose_the_current_version() -> None:
    body = {
        "uuid": "abc", "createdAt": "2026-11-30T03:04:05Z", "creatorId": 1, "conflict": None,
        "currentVersion": {"version": 3, "label": "เด็ก", "data": {"plan_status": "CLOSED"},
                           "baseVersion": 2, "current": True},
        "unknownKey": 1,
    }
    entity = lenient_validate(Entity, body)
    assert entity is not None
    assert (entity.version, entity.label, entity.data) == (3, "เด็ก", {"plan_status": "CLOSED"})


def test_dataset_detail_lists_form_ids() -> None:
    body = {
        "name": "children", "projectId": 1, "approvalRequired": False,
        "sourceForms": [{"xmlFormId": "child_registration", "name": "ลงทะเบียน"}],
        "linkedForms": [{"xmlFormId": "home_visit", "name": "x"}, {"name": "no id"}],
        "properties": [{"name": "child_id", "odataName": "child_id", "publishedAt": None, "forms": []},
                       {"odataName": "no name"}],
    }
    detail = lenient_validate(DatasetDetail, body)
    assert detail is not None
    assert detail.source_forms == ["child_registration"] and detail.linked_forms == ["home_visit"]
    assert [p.name for p in detail.properties] == ["child_id"]


def test_the_409_15_body_gives_code_and_current_version() -> None:
    response = requests.Response()
    response.status_code = 409
    response._content = (
        b'{"code":409.15,"message":"Current version of the Entity is \'3\' and you provided \'1\'.",'
        b'"details":{"current":3,"provided":1}}'
    )
    assert parse_central_code(response) == ENTITY_VERSION_CONFLICT
    assert error_details(response) == {"current": 3, "provided": 1}


def test_entity_paths_are_data() -> None:
    urls = URLs()
    assert urls.entity == "projects/{project_id}/datasets/{name}/entities/{uuid}"
    assert urls.entities_odata == "projects/{project_id}/datasets/{name}.svc/Entities"
    assert urls.draft_attachment.endswith("/draft/attachments/{name}")
