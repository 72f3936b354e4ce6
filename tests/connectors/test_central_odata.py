"""The OData helpers: timestamps, the incremental filter, nextLink re-basing, page parsing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from connectors.central.odata import (
    combine_filters,
    feed_params,
    odata_timestamp,
    parse_page,
    read_rows,
    rebase_link,
    since_filter,
)

API = "http://127.0.0.1:8383/v1/"
PAGE = API + "projects/1/forms/f.svc/Submissions?%24top=2"


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2026, 11, 30, 7, 5, 9, 123456, tzinfo=UTC), "2026-11-30T07:05:09.123Z"),
        (datetime(2026, 11, 30, 14, 0, tzinfo=timezone(timedelta(hours=7))), "2026-11-30T07:00:00.000Z"),
        (datetime(2026, 11, 30, 7, 0), "2026-11-30T07:00:00.000Z"),  # naive is UTC
    ],
)
def test_odata_timestamp(moment: datetime, text: str) -> None:
    assert odata_timestamp(moment) == text


@pytest.mark.parametrize(
    ("since", "overlap", "expected"),
    [
        (
            datetime(2026, 11, 30, 8, 0, tzinfo=UTC),
            timedelta(minutes=5),
            "__system/submissionDate gt 2026-11-30T07:55:00.000Z or "
            "__system/updatedAt gt 2026-11-30T07:55:00.000Z",
        ),
        (
            datetime(2026, 1, 1, 0, 2, tzinfo=UTC),
            timedelta(minutes=5),
            "__system/submissionDate gt 2025-12-31T23:57:00.000Z or "
            "__system/updatedAt gt 2025-12-31T23:57:00.000Z",
        ),
        (
            datetime(2026, 11, 30, 15, 0, tzinfo=timezone(timedelta(hours=7))),
            timedelta(0),
            "__system/submissionDate gt 2026-11-30T08:00:00.000Z or "
            "__system/updatedAt gt 2026-11-30T08:00:00.000Z",
        ),
    ],
)
def test_since_filter(since: datetime, overlap: timedelta, expected: str) -> None:
    assert since_filter(since, overlap) == expected


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ((None, None), None),
        (("", "  "), None),
        (("a eq 1", None), "a eq 1"),
        ((None, "x gt 1 or y gt 1"), "x gt 1 or y gt 1"),
        (("a eq 1", "x gt 1 or y gt 1"), "(a eq 1) and (x gt 1 or y gt 1)"),
    ],
)
def test_combine_filters(filters: tuple[str | None, ...], expected: str | None) -> None:
    assert combine_filters(*filters) == expected


@pytest.mark.parametrize(
    ("link", "api_base", "expected"),
    [
        (
            "http://central.invalid:9999/v1/projects/1/forms/f.svc/Submissions?%24top=500&%24skiptoken=abc",
            API,
            API + "projects/1/forms/f.svc/Submissions?%24top=500&%24skiptoken=abc",
        ),
        (  # Central behind a path prefix on our side, plain domain on its side
            "https://odk.example.org/v1/projects/1/forms/f.svc/Submissions?$skiptoken=x",
            "https://gw.example.org/central/v1/",
            "https://gw.example.org/central/v1/projects/1/forms/f.svc/Submissions?$skiptoken=x",
        ),
        (  # relative link: resolved against the page that carried it
            "Submissions?%24skiptoken=abc",
            API,
            API + "projects/1/forms/f.svc/Submissions?%24skiptoken=abc",
        ),
        (  # form ids with dots and colons survive
            "https://x/v1/projects/1/forms/a.b%3Ac.svc/Submissions?%24skiptoken=1",
            API,
            API + "projects/1/forms/a.b%3Ac.svc/Submissions?%24skiptoken=1",
        ),
    ],
)
def test_rebase_link(link: str, api_base: str, expected: str) -> None:
    assert rebase_link(link, api_base=api_base, current_url=PAGE) == expected


def row(
    instance_id: object = "uuid:1", submitted: object = "2026-11-30T07:00:00.000Z", **extra: object
) -> dict:
    return {"__id": instance_id, "__system": {"submissionDate": submitted, "reviewState": None}, **extra}


def test_parse_page_keeps_malformed_rows_raw() -> None:
    body = {
        "@odata.count": 5,
        "@odata.nextLink": "http://central.invalid/v1/projects/1/forms/f.svc/Submissions?%24skiptoken=z",
        "value": [
            row("uuid:1", name="ด.ช. หนึ่ง"),
            row(None),
            row("uuid:3", "not a date"),
            "a string row",
            {"__id": "uuid:5"},
        ],
    }
    page = parse_page(body, page_number=2, api_base=API, current_url=PAGE)
    assert [s.id for s in page.submissions] == ["uuid:1"]
    assert page.submissions[0].data == {"name": "ด.ช. หนึ่ง"}
    assert page.submissions[0].raw == body["value"][0]
    assert page.malformed == body["value"][1:]
    assert (page.count, page.page_number) == (5, 2)
    assert page.next_link == API + "projects/1/forms/f.svc/Submissions?%24skiptoken=z"


@pytest.mark.parametrize("body", [[], None, "oops", {"value": "nope"}, {"value": [], "@odata.count": "7"}])
def test_parse_page_never_crashes(body: object) -> None:
    page = parse_page(body, page_number=1, api_base=API, current_url=PAGE)
    assert page.submissions == [] and page.count is None and page.next_link is None


@pytest.mark.parametrize(
    ("filters", "expand", "expected"),
    [
        ((None, None), False, {"$count": "true", "$top": "50"}),
        ((None, None), True, {"$count": "true", "$top": "50", "$expand": "*"}),
        (("__id eq 'a'", None), False, {"$count": "true", "$top": "50", "$filter": "__id eq 'a'"}),
        (
            ("__id eq 'a'", "__system/updatedAt gt x"),
            True,
            {
                "$count": "true",
                "$top": "50",
                "$expand": "*",
                "$filter": "(__id eq 'a') and (__system/updatedAt gt x)",
            },
        ),
    ],
)
def test_feed_params(filters: tuple[str | None, ...], expand: bool, expected: dict[str, str]) -> None:
    params = feed_params(page_size=50, filters=filters, expand=expand)
    assert params == expected
    assert list(params) == list(expected)  # the query string keeps this order


def test_read_rows_keeps_what_the_parser_refuses() -> None:
    body = {"value": [{"n": 1}, {"n": "x"}, 3], "@odata.count": 3, "@odata.nextLink": "?$skiptoken=a"}

    def whole_number(row: object) -> int | None:
        return row["n"] if isinstance(row, dict) and isinstance(row["n"], int) else None

    rows = read_rows(body, whole_number, api_base=API, current_url=PAGE)
    assert rows.rows == [1]
    assert rows.malformed == [{"n": "x"}, 3]
    assert rows.count == 3
    assert rows.next_link == API + "projects/1/forms/f.svc/Submissions?$skiptoken=a"
