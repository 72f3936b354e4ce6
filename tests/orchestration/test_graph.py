"""The whole current Dagster graph: definitions, each asset called with a built context, one materialise
of everything against the local servers, and no secret anywhere in what Dagster keeps or prints."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
from dagster._serdes import serialize_value

import forms
from connectors.xlsform import convert
from orchestration.assets.attachments import central_attachments
from orchestration.assets.exports import agencies, partner_exports
from orchestration.assets.matching import matched_children, review_queue
from orchestration.assets.normalised import normalised_submissions
from orchestration.assets.plan_status import plan_status
from orchestration.assets.pushback import entity_pushback
from orchestration.assets.quarantine import quarantine
from orchestration.assets.raw import central_submissions, kobo_submissions
from orchestration.assets.report import eef_report, report_months
from orchestration.checks import asset_checks
from orchestration.definitions import defs
from orchestration.kobo import kobo_client
from orchestration.resources import SettingsResource, default_resources
from orchestration.schedules import hourly_sync
from orchestration.settings import Settings
from simulation.generator import generate_children, registration_xml
from tests.integration.test_sync import _submit
from tests.support.local_central import ADMIN, LocalCentral

FORM = "child_registration"
ASSETS = [central_submissions, central_attachments, kobo_submissions, normalised_submissions, quarantine,
          matched_children, review_queue, plan_status, entity_pushback]
CHECKS = {
    ("raw/central_submissions", "submissions_have_unique_instance_ids"),
    ("raw/central_submissions", "warehouse_count_equals_source_count"),
    ("raw/kobo_submissions", "submissions_have_unique_instance_ids"),
    ("raw/kobo_submissions", "warehouse_count_equals_source_count"),
    ("normalised_submissions", "national_ids_pass_the_check_digit"),
    ("normalised_submissions", "every_child_has_an_lao"),
    ("quarantine", "quarantine_is_below_threshold"),
    ("review_queue", "uncertain_matches_await_review"),
    ("plan_status", "plans_have_no_overdue_followups"),
}
# Partitioned by month: materialised in a run of their own, after the assets above.
MONTHLY = [eef_report, *partner_exports]
MONTHLY_CHECKS = {("eef_report", "report_rows_reconcile_with_the_status_engine")}
SECRET = "graph-test-odksync-secret-0123456789"  # ODKSYNC_SECRET: keys the report's child keys


@pytest.fixture
def settings(central: LocalCentral, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The environment a deployment gives: Central's credentials, no Kobo URL (the local Kobo under
    the data dir, one form deployed there with two registrations), SQLite under the data dir."""
    monkeypatch.setenv("ODK_CENTRAL_URL", central.server.url)
    monkeypatch.setenv("ODK_CENTRAL_USERNAME", ADMIN)
    monkeypatch.setenv("ODK_CENTRAL_PASSWORD", central.config.password.get_secret_value())
    monkeypatch.setenv("ODK_CENTRAL_PROJECT_ID", str(central.project_id))
    monkeypatch.setenv("ODKSYNC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ODKSYNC_SECRET", SECRET)
    for name in ("DATABASE_URL", "KOBO_URL", "KOBO_TOKEN", "ODKSYNC_ALERT_WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings.from_env()
    path = forms.FORMS_DIR / f"{FORM}.xlsx"
    media = forms.media_paths()
    form = convert(path)
    with kobo_client(settings) as kobo:
        kobo.deploy_form(path, attachments={n: media[n] for n in form.media})
        for child in generate_children(2, seed=77):
            xml = registration_xml(child, form_version=form.version, instance_id=f"uuid:{uuid.uuid4()}")
            assert kobo.submit_openrosa(xml).status == "created"
    _submit(central, 3, seed=78)
    return settings


def test_definitions_load_with_every_asset_check_job_schedule_and_sensor() -> None:
    repository = defs.get_repository_def()
    assert repository.asset_graph.get_all_asset_keys() == {a.key for a in [*ASSETS, *MONTHLY]}
    assert {(k.asset_key.to_user_string(), k.name) for k in repository.asset_checks_defs_by_key} == \
        CHECKS | MONTHLY_CHECKS
    assert {j.name for j in repository.get_all_jobs()} >= {"sync_job", "central_sync_job", "nightly_job"}
    exports = {f"export_{a.id.replace('-', '_')}" for a in agencies}
    assert {s.name for s in repository.schedule_defs} == {"hourly_sync", "nightly_normalise",
                                                           "monthly_eef_report"} | exports
    for agency in agencies:  # each agency's schedule is its cron from config/agencies.toml
        schedule = repository.get_schedule_def(f"export_{agency.id.replace('-', '_')}")
        assert schedule.cron_schedule == agency.schedule and schedule.execution_timezone == "Asia/Bangkok"
        job = repository.get_job(schedule.job_name)
        assert {k.to_user_string() for k in job.asset_layer.executable_asset_keys} == {
            "eef_report", f"exports/{agency.id.replace('-', '_')}"}  # the report's blocking check first
    assert {s.name for s in repository.sensor_defs} == {"new_central_submissions", "alert_on_run_failure"}
    nightly = repository.get_job("nightly_job")
    assert {k.to_user_string() for k in nightly.asset_layer.executable_asset_keys} == \
        {"normalised_submissions", "quarantine", "matched_children", "review_queue", "plan_status",
         "entity_pushback"}


def test_the_hourly_schedule_asks_for_one_sync_per_form() -> None:
    tick = datetime(2026, 11, 30, 9, 0, tzinfo=ZoneInfo("Asia/Bangkok"))
    requests = hourly_sync(dg.build_schedule_context(scheduled_execution_time=tick))
    assert isinstance(requests, list)
    assert sorted(r.partition_key or "" for r in requests) == sorted(p.stem for p in forms.form_paths())
    assert f"{FORM}@2026-11-30T09" in {r.run_key for r in requests}  # a retried tick starts nothing twice


def _metadata(result: Any) -> dict[str, Any]:
    assert isinstance(result, dg.MaterializeResult) and result.metadata is not None
    return {k: getattr(v, "value", v) for k, v in result.metadata.items()}


def test_each_asset_called_directly_with_a_built_context(settings: Settings, central: LocalCentral) -> None:
    resources = default_resources()
    with dg.build_asset_context(partition_key=FORM, resources=resources) as context:
        raw = _metadata(central_submissions(context))
        media = _metadata(central_attachments(context))
        kobo = _metadata(kobo_submissions(context))
    with dg.build_asset_context(partition_key="home_visit", resources=resources) as context:
        kobo_elsewhere = _metadata(kobo_submissions(context))
    with dg.build_asset_context(resources=resources) as context:
        normalised = _metadata(normalised_submissions(context))
        held = _metadata(quarantine(context))
        matched = _metadata(matched_children(context))
        queue = _metadata(review_queue(context))
        status = _metadata(plan_status(context))
        pushed = _metadata(entity_pushback(context))
        pushed_again = _metadata(entity_pushback(context))
    month = report_months.get_last_partition_key()
    with dg.build_asset_context(partition_key=month, resources=resources) as context:
        report = _metadata(eef_report(context))
        exports = {a.key.path[-1]: _metadata(a(context)) for a in partner_exports}
    assert raw["in_sync"] is True and raw["new_submissions"] >= 3
    n = raw["source_count"]
    held_line = f"| central | {central.project_id} | {n} | {n} | ✅ ตรงกัน |"
    assert held_line in raw["status"]  # the markdown preview a data manager reads first
    assert "| kobo | — | 2 | 2 | ✅ ตรงกัน |" in kobo["status"]
    assert media["missing"] == 0
    assert kobo["deployed"] is True and kobo["new_submissions"] == 2 and kobo["in_sync"] is True
    assert kobo_elsewhere["deployed"] is False  # not on Kobo: said so, nothing written
    assert normalised["held"] == raw["new_submissions"] + 2
    assert normalised["normalised"] + normalised["quarantined"] == normalised["held"]
    assert held["held"] == normalised["held"] and held["quarantined"] == normalised["quarantined"]
    assert "|" in held["preview"] or held["preview"].startswith("ไม่มีรายการ")
    assert matched["observations"] == normalised["rows_per_table"].get("norm_child_observation", 0)
    assert 0 < matched["children"] <= matched["observations"]
    assert queue["pending"] == matched["pending_reviews"]
    assert status["children"] == matched["children"]
    assert "| 10 | ค้นพบ/ลงทะเบียน (IDENTIFIED) |" in status["preview"]
    assert pushed["conflicts"] == 0 and pushed["entities"] == pushed["updated"] + pushed["unchanged"] + \
        pushed["unlinked"] + pushed["merged_marked"] + pushed["skipped_merged"] + pushed["cleared_erased"]
    assert pushed_again["updated"] == 0  # a second push over the same state writes nothing
    assert pushed_again["unchanged"] == pushed["updated"] + pushed["unchanged"]
    assert report["period"] == month[:7] and 0 < report["rows"] + report["exceptions"] <= status["children"]
    assert set(report["sha256"]) == {f"eef_plan_status_{month[:7]}.{x}" for x in ("xlsx", "csv", "json")} | {
        "manifest.json"}
    assert "data:image/png;base64," in report["picture"]
    for agency in agencies:
        export = exports[agency.id.replace("-", "_")]
        assert export["delivery_status"] == "delivered" and export["rows"] <= report["rows"]
        assert export["columns"] == list(agency.output_columns)  # only what the agency may receive
        assert len(export["sha256"]) == 64


def test_one_materialisation_of_the_whole_graph_keeps_every_secret_out_of_dagster(
    settings: Settings, central: LocalCentral, tmp_path: Path, capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """One run of the form's partition (sync to push-back), then one of the last month (the report,
    its blocking check, every agency's export), as `odksync demo` runs them."""
    password = central.config.password.get_secret_value()
    kobo_token = settings.local_secret("local_kobo_token")
    month = report_months.get_last_partition_key()
    everything = [*ASSETS, *MONTHLY, *asset_checks]
    bound = default_resources()["settings"]
    assert isinstance(bound, SettingsResource)
    for field, variable in (("central_password", "ODK_CENTRAL_PASSWORD"), ("secret", "ODKSYNC_SECRET")):
        value = getattr(bound, field)  # what the UI shows: the variable's name, never its value
        assert isinstance(value, dg.EnvVar) and value.env_var_name == variable
    (tmp_path / "dagster").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster")) as instance:
        runs = [dg.materialize(everything, partition_key=key, resources=default_resources(),
                               instance=instance, selection=dg.AssetSelection.assets(*selected))
                for key, selected in ((FORM, ASSETS), (month, MONTHLY))]
        kept = "".join(serialize_value(instance.all_logs(r.run_id)) + serialize_value(
            instance.get_run_by_id(r.run_id)) for r in runs)
    assert all(r.success for r in runs)
    assert {m.asset_key for r in runs for m in r.get_asset_materialization_events()} == {
        a.key for a in [*ASSETS, *MONTHLY]}
    evaluations = {(e.asset_key.to_user_string(), e.check_name): e
                   for r in runs for e in r.get_asset_check_evaluations()}
    assert set(evaluations) == CHECKS | MONTHLY_CHECKS
    # Green, or a warning (the simulated round keeps 0-series IDs, which fail the check digit by design).
    assert all(e.passed or e.severity == dg.AssetCheckSeverity.WARN for e in evaluations.values())
    assert evaluations[("review_queue", "uncertain_matches_await_review")].passed
    assert evaluations[("eef_report", "report_rows_reconcile_with_the_status_engine")].passed
    (raw,) = runs[0].asset_materializations_for_node("raw__central_submissions")
    assert raw.metadata["in_sync"].value is True

    stored = "".join(p.read_text(errors="replace") for p in (tmp_path / "dagster").rglob("*") if p.is_file())
    # Every file the runs wrote: the warehouse, the report, the exports and their deliveries, alerts;
    # not the secrets folder (where the local Kobo's token is kept on purpose) nor the local servers'.
    data = settings.data_dir
    written = [p for p in data.rglob("*") if p.is_file()
               and p.relative_to(data).parts[0] not in ("secrets", "central", "kobo")]
    assert any(p.name == "manifest.json" for p in written) and any("outbox" in p.parts for p in written)
    output = b"".join(p.read_bytes() for p in written)
    out, err = capfd.readouterr()
    for secret in (password, kobo_token, SECRET):
        assert len(secret) >= 16
        assert secret not in kept  # event log: every log line, metadata value and check result
        assert secret not in stored  # the instance's files: compute logs, run storage
        assert secret.encode() not in output  # the runs' output files
        assert secret not in out + err + caplog.text  # what the run printed or logged
    assert "Materialized value" in kept  # the scan read real events
