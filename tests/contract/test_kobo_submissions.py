"""Kobo's data feed over real HTTP: `next` links followed and checked against `count`, edits, repeats."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from connectors.kobo import KoboClient, KoboError
from tests.contract import kobo_contract
from tests.contract.kobo_contract import KoboTarget, kobo_submission_xml, unique_form_id, xlsform

# The Kobo fixtures live with their helpers; tests/contract/conftest.py serves Central.
kobo_target = kobo_contract.kobo_target
kobo = kobo_contract.kobo


@pytest.fixture
def asset(kobo: KoboClient, tmp_path: Path) -> tuple[str, str | None]:
    result = kobo.deploy_form(xlsform(tmp_path, unique_form_id("data")))
    info = kobo.get_asset(str(result.uid))
    return info.uid, info.deployment_uuid


def test_pages_follow_next_and_add_up_to_count(kobo: KoboClient,
                                               asset: tuple[str, str | None]) -> None:
    uid, formhub = asset
    sent = [f"uuid:{uuid.uuid4()}" for _ in range(7)]
    for i, instance_id in enumerate(sent):
        result = kobo.submit_openrosa(kobo_submission_xml(uid, formhub, age=i + 5,
                                                          instance_id=instance_id))
        assert result.status == "created"
    pages = list(kobo.iter_submission_pages(uid, limit=3))
    assert [len(p.results) for p in pages] == [3, 3, 1]
    assert all(p.count == 7 for p in pages) and pages[-1].next is None
    rows = [row for page in pages for row in page.results]
    assert [row["meta/instanceID"] for row in rows] == sent
    assert {row["meta/rootUuid"] for row in rows} == set(sent)
    assert [row["age"] for row in rows] == [str(i + 5) for i in range(7)]
    assert kobo.count_submissions(uid) == 7


def test_limit_above_a_thousand_is_cut_by_the_client(kobo: KoboClient,
                                                     asset: tuple[str, str | None]) -> None:
    uid, formhub = asset
    kobo.submit_openrosa(kobo_submission_xml(uid, formhub))
    page = next(iter(kobo.iter_submission_pages(uid, limit=5000)))
    assert "limit=1000" in (page.next or "limit=1000") and page.count == 1


def test_edit_keeps_id_and_root_uuid_and_changes_uuid(kobo: KoboClient,
                                                      asset: tuple[str, str | None]) -> None:
    uid, formhub = asset
    first = f"uuid:{uuid.uuid4()}"
    kobo.submit_openrosa(kobo_submission_xml(uid, formhub, age=7, instance_id=first))
    before = next(iter(kobo.iter_submission_pages(uid))).results[0]
    second = f"uuid:{uuid.uuid4()}"
    edited = kobo.submit_openrosa(kobo_submission_xml(uid, formhub, age=8, instance_id=second,
                                                      deprecated_id=first))
    assert edited.status == "created"
    after = next(iter(kobo.iter_submission_pages(uid))).results
    assert len(after) == 1
    assert after[0]["_id"] == before["_id"]
    assert after[0]["meta/rootUuid"] == before["meta/rootUuid"] == first
    assert after[0]["_uuid"] != before["_uuid"] and after[0]["_uuid"] == second.removeprefix("uuid:")
    assert after[0]["age"] == "8"


def test_identical_resubmission_is_a_duplicate(kobo: KoboClient,
                                               asset: tuple[str, str | None]) -> None:
    uid, formhub = asset
    xml = kobo_submission_xml(uid, formhub)
    assert kobo.submit_openrosa(xml).status == "created"
    again = kobo.submit_openrosa(xml)
    assert (again.status, again.http_status) == ("duplicate", 202)
    assert kobo.count_submissions(uid) == 1


def test_a_delete_while_paging_is_caught_by_the_count_check(
        kobo: KoboClient, kobo_target: KoboTarget, asset: tuple[str, str | None]) -> None:
    uid, formhub = asset
    for _ in range(4):
        kobo.submit_openrosa(kobo_submission_xml(uid, formhub))
    pages = kobo.iter_submission_pages(uid, limit=2)
    first = next(pages)
    kobo.session.call("DELETE", kobo.session.url(kobo.session.urls.data, uid=uid)
                      + f"{first.results[0]['_id']}/")
    with pytest.raises(KoboError, match="pull again"):
        list(pages)


def test_retry_after_is_honoured_on_a_503(kobo: KoboClient, kobo_target: KoboTarget,
                                          asset: tuple[str, str | None]) -> None:
    sandbox = kobo_target.require_sandbox("fault injection")
    uid, _ = asset
    fault = sandbox.faults.add("GET", path_pattern=f"/api/v2/assets/{uid}/data/", status=503,
                               times=2, retry_after=0)
    assert kobo.count_submissions(uid) == 0
    assert fault.fired == 2


def test_a_wrong_token_is_one_line_naming_the_server_never_the_token(
        kobo_target: KoboTarget) -> None:
    wrong = "not-the-token-" + uuid.uuid4().hex
    config = kobo_target.config.model_copy(update={"token": wrong})
    with KoboClient(config) as client, pytest.raises(KoboError) as caught:
        client.list_assets()
    message = str(caught.value)
    assert caught.value.status_code == 401 and "\n" not in message
    assert kobo_target.config.base_url in message and "KOBO_TOKEN" in message
    assert wrong not in message
