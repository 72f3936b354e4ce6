"""The OData feed: counting, paging every id exactly once, the incremental filter, faults, nextLink."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest

from connectors.central.client import CentralClient
from connectors.central.config import CentralConfig
from connectors.central.errors import UNSUPPORTED_FILTER, CentralError
from tests.contract.central_contract import (
    Target,
    start_sandbox,
    submission_xml,
    unique_form_id,
    write_xlsform,
)

BULK = 1_200


def submit_many(client: CentralClient, form_id: str, n: int) -> list[str]:
    ids = [f"uuid:{i:08d}-0000-4000-8000-{form_id[-6:]:0>12}" for i in range(n)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda i: client.submit_rest(form_id, submission_xml(form_id, instance_id=i)), ids))
    return ids


@pytest.fixture(scope="module")
def bulk_form(
    central_config: CentralConfig, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, set[str]]]:
    """One form with 1,200 submissions, shared by the paging tests of this module."""
    form_id = unique_form_id("bulk")
    with CentralClient(central_config) as client:
        client.deploy_form(write_xlsform(tmp_path_factory.mktemp("bulk"), form_id))
        ids = set(submit_many(client, form_id, BULK))
    yield form_id, ids


@pytest.mark.slow
def test_paging_yields_every_id_exactly_once(client: CentralClient, bulk_form: tuple[str, set[str]]) -> None:
    form_id, ids = bulk_form
    seen: list[str] = []
    pages = list(client.iter_submission_pages(form_id, page_size=500))
    for page in pages:
        assert page.count == BULK and page.malformed == []
        seen += [s.id for s in page.submissions]
    assert [p.page_number for p in pages] == [1, 2, 3]
    assert [len(p.submissions) for p in pages] == [500, 500, 200]
    assert len(seen) == len(set(seen)) == BULK and set(seen) == ids
    assert pages[-1].next_link is None
    assert client.count_submissions(form_id) == BULK


@pytest.mark.slow
def test_a_503_mid_paging_is_retried_and_paging_completes(
    client: CentralClient, target: Target, bulk_form: tuple[str, set[str]]
) -> None:
    sandbox = target.require_sandbox("injects a 503")
    form_id, ids = bulk_form
    before = len(list(sandbox.request_log))
    sandbox.faults.add(method="GET", path_pattern=r"\.svc/Submissions", status=503, times=1, after=2)
    seen = [s.id for page in client.iter_submission_pages(form_id, page_size=500) for s in page.submissions]
    assert sorted(seen) == sorted(ids)
    statuses = [r.status for r in list(sandbox.request_log)[before:] if ".svc/Submissions" in r.path]
    assert statuses.count(503) == 1 and statuses.count(200) == 3


def test_incremental_filter_returns_only_newer(client: CentralClient, deployed_form) -> None:
    form_id = deployed_form("since")
    submit_many(client, form_id, 3)
    first = [s for p in client.iter_submission_pages(form_id) for s in p.submissions]
    cursor = max(s.system.submission_date for s in first)
    newer = {client.submit_rest(form_id, submission_xml(form_id))["instanceId"] for _ in range(2)}
    fresh = [
        s.id
        for p in client.iter_submission_pages(form_id, since=cursor, overlap=timedelta(0))
        for s in p.submissions
    ]
    # Central prints milliseconds but compares microseconds: rows of the cursor's own
    # millisecond may come again, which the overlap makes routine anyway.
    again = {s.id for s in first if s.system.submission_date == cursor}
    assert newer <= set(fresh) <= newer | again
    with_overlap = [
        s.id
        for p in client.iter_submission_pages(form_id, since=cursor, overlap=timedelta(days=1))
        for s in p.submissions
    ]
    assert len(with_overlap) == 5
    expr = f"__system/submissionDate gt {cursor.isoformat().replace('+00:00', 'Z')}"
    assert client.count_submissions(form_id, filter=expr) == len(fresh)


def test_submission_fields_are_parsed(client: CentralClient, deployed_form) -> None:
    form_id = deployed_form("parsed")
    client.submit_rest(form_id, submission_xml(form_id, instance_id="uuid:parsed-1", age=12))
    (page,) = list(client.iter_submission_pages(form_id))
    (sub,) = page.submissions
    assert sub.id == "uuid:parsed-1"
    assert sub.data["age"] == 12 and sub.data["meta"]["instanceID"] == "uuid:parsed-1"
    assert sub.raw["__id"] == "uuid:parsed-1" and "__system" in sub.raw
    assert sub.system.submission_date.tzinfo is not None
    assert sub.system.review_state in (None, "received")
    assert {f.path for f in client.form_fields(form_id)} >= {"/name", "/age", "/meta/instanceID"}


def test_filter_on_a_form_field_names_the_central_code(client: CentralClient, deployed_form) -> None:
    form_id = deployed_form("badfilter")
    with pytest.raises(CentralError) as caught:
        client.count_submissions(form_id, filter="age gt 3")
    assert caught.value.status_code == 501
    assert caught.value.is_central_error(UNSUPPORTED_FILTER)


def test_next_link_is_rebased_on_the_configured_url(
    target: Target, tmp_path_factory: pytest.TempPathFactory
) -> None:
    target.require_sandbox("starts a server whose configured domain is unreachable")
    server, config = start_sandbox(
        tmp_path_factory.mktemp("central-domain"), domain="http://central.invalid:9999"
    )
    try:
        with CentralClient(config) as client:
            form_id = unique_form_id("rebase")
            client.deploy_form(write_xlsform(tmp_path_factory.mktemp("rebase"), form_id))
            ids = set(submit_many(client, form_id, 25))
            pages = list(client.iter_submission_pages(form_id, page_size=10))
        assert [len(p.submissions) for p in pages] == [10, 10, 5]
        assert {s.id for p in pages for s in p.submissions} == ids
        assert all(p.next_link is None or p.next_link.startswith(config.base_url + "/v1/") for p in pages)
    finally:
        server.stop()


def test_iteration_is_lazy(client: CentralClient, deployed_form, tmp_path: Path) -> None:
    form_id = deployed_form("lazy")
    submit_many(client, form_id, 3)
    pages = client.iter_submission_pages(form_id, page_size=1)
    first = next(iter(pages))
    assert first.page_number == 1 and first.next_link is not None and first.count == 3
