"""`odksync normalise`, `odksync quarantine list`, status counts and the Dagster asset, on a raw layer."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
from sqlmodel import Session

from orchestration.assets.normalised import normalised_submissions
from orchestration.resources import WarehouseResource, settings_resource
from tests.orchestration.test_cli import odksync
from tests.warehouse.normalise_support import NOW, raw, sample, store
from warehouse.db import ensure_schema, make_engine
from warehouse.models import SyncState

FORMS = ("child_registration", "home_visit", "assistance_plan", "plan_followup")


def _raw_layer(url: str) -> None:
    """One good submission per form, one registration with an unknown sex, and each form's sync state."""
    engine = make_engine(url)
    ensure_schema(engine)
    with Session(engine) as session:
        for form in FORMS:
            good = [raw(form, f"uuid:{form}", sample(form, f"uuid:{form}"))]
            if form == "child_registration":
                bad = sample(form, "uuid:bad")
                bad["child"]["sex"] = "Z"
                good.append(raw(form, "uuid:bad", bad))
            store(session, form, good)
            session.add(SyncState(source="central", project_id="1", form_id=form, source_count=len(good),
                                  last_attempt_at=NOW, last_success_at=NOW, last_ok=True))
        session.commit()
    engine.dispose()


def test_normalise_then_quarantine_list_then_status_reconcile(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w.sqlite3'}"
    _raw_layer(url)
    env = {"ODKSYNC_DATA_DIR": str(tmp_path), "DATABASE_URL": url}
    done = odksync("normalise", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert "child_registration: 1 normalised, 1 quarantined" in done.stdout
    assert "held 2 = 1 normalised + 1 quarantined" in done.stdout

    listed = odksync("quarantine", "list", "--json", cwd=tmp_path, env=env)
    assert listed.returncode == 0, listed.stderr
    (entry,) = json.loads(listed.stdout)["quarantine"]
    assert (entry["submission_id"], entry["reason"], entry["field"]) == (
        "uuid:bad", "unknown_choice", "child/sex")
    assert "แบบลงทะเบียน" in entry["message"] and "วิธีแก้" in entry["message"]
    table = odksync("quarantine", "list", "--form", "child_registration", cwd=tmp_path, env=env)
    assert table.returncode == 0 and "uuid:bad" in table.stdout

    again = odksync("normalise", cwd=tmp_path, env=env)
    assert again.returncode == 0 and "nothing new to normalise" in again.stdout
    replayed = odksync("normalise", "--replay", "--only-quarantined", cwd=tmp_path, env=env)
    assert "child_registration: 0 normalised, 1 quarantined" in replayed.stdout

    status = odksync("status", "--json", cwd=tmp_path, env=env)
    rows = {r["form_id"]: r for r in json.loads(status.stdout)["forms"]}
    for form in FORMS:
        r = rows[form]
        assert r["warehouse_count"] == r["normalised"] + r["quarantined"], form
    assert (rows["child_registration"]["normalised"], rows["child_registration"]["quarantined"]) == (1, 1)


def test_the_normalised_asset_reports_counts_rate_and_reasons(tmp_path: Path) -> None:
    settings = settings_resource(data_dir=str(tmp_path))
    warehouse = WarehouseResource(config=settings)
    _raw_layer(settings.settings().database_url)
    result = dg.materialize([normalised_submissions], resources={"warehouse": warehouse})
    assert result.success
    (materialization,) = result.asset_materializations_for_node("normalised_submissions")
    metadata = materialization.metadata
    assert (metadata["held"].value, metadata["normalised"].value, metadata["quarantined"].value) == (5, 4, 1)
    assert metadata["quarantine_rate"].value == 0.2
    assert "uuid:bad" in str(metadata["quarantine_preview"].value)
    tables = metadata["rows_per_table"].value
    assert isinstance(tables, dict) and tables["norm_child_observation"] == 4
    assert dg.AssetKey(["raw", "central_submissions"]) in {
        dep.asset_key for dep in normalised_submissions.specs_by_key[
            dg.AssetKey(["normalised_submissions"])].deps}
