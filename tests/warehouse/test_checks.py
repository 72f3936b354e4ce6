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


def _random_row(rnd: Any) -> dict[str, Any]:
    """A row of random shape: known and unknown fields, groups, points, repeats, odd values."""
    values = [None, "x", "สิบ", 3, 2.5, True, "2014-06-11", "2014-06-11T08:00:00Z", [{"name": "ก"}],
              {"type": "Point", "coordinates": [100.5, 13.7]}, {"instanceID": "uuid:9"}, {}]
    keys = ["age", "income", "dob", "home", "kids", "house_no", "meta", "nickname", "extra@odata.x"]
    row: dict[str, Any] = {}
    for key in rnd.sample(keys, rnd.randint(0, len(keys))):
        row[key] = rnd.choice(values)
        if key == "meta" and rnd.random() < 0.7:
            row[key] = {"instanceID": rnd.choice(["uuid:1", "", None, 4]), "x": rnd.choice(values)}
    return row


def test_the_planned_walk_finds_exactly_what_the_full_walk_finds() -> None:
    # One checker sees every row, so plans made for a shape are reused by later rows of it.
    import random

    from warehouse.checks import FormChecker

    rnd = random.Random(4)
    checker = FormChecker(FIELDS)
    rows = [_random_row(rnd) for _ in range(3000)]
    for row in rows + rows:
        assert checker.issues(row) == [i.model_dump(exclude_none=True) for i in checker.check(row)]
    assert 10 < checker._planned < len(rows)  # shapes repeat: plans are shared
