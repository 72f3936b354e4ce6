"""Flags for submissions that do not match their form (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from warehouse.checks import check_submission


class F:
    def __init__(self, path: str, type_: str) -> None:
        self.path, self.type = path, type_


FIELDS = [F("/meta", "structure"), F("/meta/instanceID", "string"), F("/age", "int"),
          F("/income", "decimal"), F("/dob", "date"), F("/home", "geopoint"),
          F("/kids", "repeat"), F("/kids/name", "string"), F("/house_no", "string")]
OK = {"meta": {"instanceID": "uuid:1"}}


@pytest.mark.parametrize(("data", "codes"), [
    ({**OK, "age": 12, "income": 3500.5, "dob": "2014-06-11"}, []),
    ({**OK, "age": None, "dob": None}, []),
    ({**OK, "age": "12"}, ["wrong_type"]),
    ({**OK, "age": True}, ["wrong_type"]),
    ({**OK, "income": "สามพัน"}, ["wrong_type"]),
    ({**OK, "dob": "11/06/2564"}, ["wrong_type"]),
    ({**OK, "house_no": "9/9"}, []),
    ({**OK, "home": {"type": "Point", "coordinates": [100.5, 13.7]}}, []),
    ({**OK, "kids": [{"name": "ก"}]}, []),
    ({**OK, "nickname": "ต้น"}, ["unknown_field"]),
    ({"age": 3}, ["missing_instance_id"]),
    ({"meta": {"instanceID": ""}}, ["missing_instance_id"]),
])
def test_flags(data: dict[str, Any], codes: list[str]) -> None:
    assert [i.code for i in check_submission(data, FIELDS)] == codes


def test_unknown_form_version_checks_only_the_instance_id() -> None:
    assert check_submission({**OK, "anything": "x", "age": "?"}, None) == []


def test_messages_say_what_was_found_and_what_to_do() -> None:
    (issue,) = check_submission({**OK, "age": "สิบ"}, FIELDS)
    assert issue.severity == "error" and issue.field == "/age" and issue.expected == "int"
    assert "'สิบ'" in issue.message and "edit the submission" in issue.message
