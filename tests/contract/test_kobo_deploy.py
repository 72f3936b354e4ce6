"""Deploying XLSForms to Kobo over real HTTP: created, unchanged without a write, updated, media."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.kobo import KoboClient, KoboError
from tests.contract import kobo_contract
from tests.contract.central_contract import write_media_csv
from tests.contract.kobo_contract import KoboTarget, unique_form_id, writes_since, xlsform

# The Kobo fixtures live with their helpers; tests/contract/conftest.py serves Central.
kobo_target = kobo_contract.kobo_target
kobo = kobo_contract.kobo


def test_deploy_creates_then_leaves_alone_then_updates(kobo: KoboClient, kobo_target: KoboTarget,
                                                       tmp_path: Path) -> None:
    form_id = unique_form_id()
    first = kobo.deploy_form(xlsform(tmp_path, form_id))
    assert (first.action, first.form_id, first.version) == ("created", form_id, "2026113001")
    asset = kobo.get_asset(str(first.uid))
    assert asset.has_deployment and asset.deployment_active
    assert asset.deployed_version_id == asset.version_id == first.version_id

    since = len(kobo_target.sandbox.request_log) if kobo_target.sandbox else 0
    again = kobo.deploy_form(xlsform(tmp_path, form_id))
    assert (again.action, again.uid, again.changes) == ("unchanged", first.uid, [])
    if kobo_target.sandbox is not None:
        assert writes_since(kobo_target, since) == []
    assert kobo.get_asset(str(first.uid)).version_id == asset.version_id

    changed = xlsform(tmp_path, form_id, version="2026113002",
                      extra_fields=(("text", "village", "หมู่บ้าน / Village"),))
    updated = kobo.deploy_form(changed)
    assert updated.action == "updated" and updated.uid == first.uid
    assert any("definition" in change for change in updated.changes)
    after = kobo.get_asset(str(first.uid))
    assert after.version_id != asset.version_id
    assert after.deployed_version_id == after.version_id == updated.version_id


def test_dry_run_reports_and_writes_nothing(kobo: KoboClient, kobo_target: KoboTarget,
                                            tmp_path: Path) -> None:
    form_id = unique_form_id("dry")
    sandbox = kobo_target.require_sandbox("counting writes")
    since = len(sandbox.request_log)
    planned = kobo.deploy_form(xlsform(tmp_path, form_id), dry_run=True)
    assert (planned.action, planned.uid, planned.dry_run) == ("created", None, True)
    assert writes_since(kobo_target, since) == []
    assert kobo.find_asset(form_id) is None


def test_media_uploaded_and_replaced_when_changed(kobo: KoboClient, tmp_path: Path) -> None:
    form_id = unique_form_id("media")
    csv = write_media_csv(tmp_path, "villages.csv", [("v1", "บ้านหนองบัว"), ("v2", "บ้านโนนสูง")])
    form = xlsform(tmp_path, form_id, media_csv="villages.csv")
    created = kobo.deploy_form(form, attachments={"villages.csv": csv})
    assert "media villages.csv (new)" in created.changes
    files = kobo.session.json("GET", kobo.session.url(kobo.session.urls.files, uid=str(created.uid)))
    held = {f["metadata"]["filename"]: f["metadata"]["hash"] for f in files["results"]}
    assert set(held) == {"villages.csv"} and held["villages.csv"].startswith("md5:")

    assert kobo.deploy_form(form, attachments={"villages.csv": csv}).action == "unchanged"
    write_media_csv(tmp_path, "villages.csv", [("v1", "บ้านหนองบัว"), ("v3", "บ้านใหม่")])
    updated = kobo.deploy_form(form, attachments={"villages.csv": csv})
    assert (updated.action, updated.changes) == ("updated", ["media villages.csv (changed)"])
    files = kobo.session.json("GET", kobo.session.url(kobo.session.urls.files, uid=str(created.uid)))
    assert [f["metadata"]["filename"] for f in files["results"]] == ["villages.csv"]
    assert files["results"][0]["metadata"]["hash"] != held["villages.csv"]


def test_changed_form_under_the_same_version_is_refused(kobo: KoboClient, tmp_path: Path) -> None:
    form_id = unique_form_id("samever")
    kobo.deploy_form(xlsform(tmp_path, form_id))
    changed = xlsform(tmp_path, form_id, extra_fields=(("text", "note_x", "หมายเหตุ / Note"),))
    with pytest.raises(KoboError, match="raise `version`"):
        kobo.deploy_form(changed)

