"""Wire models take Central's camelCase, ignore unknown keys and survive odd values."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from connectors.central.models import AppUser, FormInfo, Submission, SubmissionSystem

GOOD = "2026-11-30T07:00:00.000Z"


@pytest.mark.parametrize(
    ("system", "field", "value"),
    [
        ({"submissionDate": GOOD}, "submission_date", datetime(2026, 11, 30, 7, tzinfo=UTC)),
        ({"submissionDate": "2026-11-30T07:00:00"}, "submission_date", datetime(2026, 11, 30, 7, tzinfo=UTC)),
        ({"submissionDate": GOOD, "updatedAt": None}, "updated_at", None),
        ({"submissionDate": GOOD, "updatedAt": "yesterday"}, "updated_at", None),
        ({"submissionDate": GOOD, "submitterId": 5}, "submitter_id", "5"),
        ({"submissionDate": GOOD, "submitterId": "5"}, "submitter_id", "5"),
        ({"submissionDate": GOOD, "edits": "two"}, "edits", None),
        ({"submissionDate": GOOD, "attachmentsExpected": 2}, "attachments_expected", 2),
        ({"submissionDate": GOOD, "reviewState": "hasIssues"}, "review_state", "hasIssues"),
        ({"submissionDate": GOOD, "formVersion": "2026113001"}, "form_version", "2026113001"),
        ({"submissionDate": GOOD, "deviceId": None, "brandNew": {"x": 1}}, "device_id", None),
    ],
)
def test_submission_system(system: dict[str, Any], field: str, value: object) -> None:
    parsed = SubmissionSystem.parse(system)
    assert parsed is not None
    assert getattr(parsed, field) == value


@pytest.mark.parametrize(
    "row",
    [
        None,
        [],
        {},
        {"__id": "uuid:1"},
        {"__id": "", "__system": {"submissionDate": GOOD}},
        {"__id": 7, "__system": {"submissionDate": GOOD}},
        {"__id": "uuid:1", "__system": "nope"},
        {"__id": "uuid:1", "__system": {"submissionDate": None}},
    ],
)
def test_unkeyable_rows_are_none(row: object) -> None:
    assert Submission.from_odata(row) is None


def test_submission_keeps_the_row() -> None:
    row = {
        "__id": "uuid:1",
        "__system": {"submissionDate": GOOD},
        "meta": {"instanceID": "uuid:2"},
        "children": [{"__id": "r1"}],
    }
    sub = Submission.from_odata(row)
    assert sub is not None
    assert sub.raw == row and sub.data == {"meta": {"instanceID": "uuid:2"}, "children": [{"__id": "r1"}]}


def test_form_info_tolerates_unknown_keys() -> None:
    form = FormInfo.model_validate(
        {
            "projectId": 1,
            "xmlFormId": "f",
            "version": "",
            "publishedAt": None,
            "entityRelated": False,
            "sha256": "x",
        }
    )
    assert (form.form_id, form.xml_form_id, form.version, form.published_at) == ("f", "f", "", None)


def test_app_user_hides_its_token() -> None:
    user = AppUser.model_validate({"id": 3, "displayName": "อสม.", "token": "d1!E2GVH$"})
    assert "d1!E2GVH$" not in repr(user) and "d1!E2GVH$" not in str(user)
    assert user.token == "d1!E2GVH$"
