"""Sensors: a sync starts only for forms with new submissions (cursor per form, over real HTTP to the
local server); a failed run is recorded under the data dir and posted to the configured webhook."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import dagster as dg
import pytest

from orchestration.alerts import read_alerts
from orchestration.resources import AlertResource, CentralResource, SettingsResource, settings_resource
from orchestration.sensors import alert_on_run_failure, changed_forms, new_central_submissions, parse_cursor
from tests.integration.test_sync import _submit
from tests.support.local_central import ADMIN, LocalCentral


@pytest.fixture
def central_env(central: LocalCentral, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SettingsResource:
    monkeypatch.setenv("ODK_CENTRAL_URL", central.server.url)
    monkeypatch.setenv("ODK_CENTRAL_USERNAME", ADMIN)
    monkeypatch.setenv("ODK_CENTRAL_PASSWORD", central.config.password.get_secret_value())
    monkeypatch.setenv("ODK_CENTRAL_PROJECT_ID", str(central.project_id))
    return settings_resource(data_dir=str(tmp_path / "data"))


def _tick(settings: SettingsResource, cursor: str | None) -> tuple[list[dg.RunRequest], str | None]:
    with dg.build_sensor_context(cursor=cursor,
                                 resources={"central": CentralResource(config=settings)}) as context:
        result = new_central_submissions(context)
    if isinstance(result, dg.SkipReason):
        return [], context.cursor
    assert isinstance(result, dg.SensorResult)
    return list(result.run_requests or []), result.cursor


@pytest.mark.parametrize(("counts", "seen", "changed"), [
    ({"a": 0, "b": 3}, {}, ["b"]),  # first tick: forms with submissions
    ({"a": 2, "b": 3}, {"a": 2, "b": 3}, []),
    ({"a": 2, "b": 4}, {"a": 2, "b": 3}, ["b"]),
    ({"a": 1}, {"a": 2}, ["a"]),  # a deletion moves the count too
])
def test_changed_forms_are_those_whose_count_moved(
    counts: dict[str, int], seen: dict[str, int], changed: list[str]
) -> None:
    assert changed_forms(counts, seen) == changed


def test_the_sensor_starts_a_sync_only_for_the_form_with_new_submissions(
    central: LocalCentral, central_env: SettingsResource
) -> None:
    requests, cursor = _tick(central_env, None)
    before = parse_cursor(cursor)
    assert set(before) >= {"child_registration", "home_visit"}  # every published programme form
    assert {r.partition_key for r in requests} == {f for f, n in before.items() if n}

    assert _tick(central_env, cursor) == ([], cursor)  # nothing new: no run, same cursor

    _submit(central, 3, seed=81)
    requests, moved = _tick(central_env, cursor)
    assert [r.partition_key for r in requests] == ["child_registration"]
    after = parse_cursor(moved)
    assert after["child_registration"] == before["child_registration"] + 3
    assert requests[0].run_key == f"child_registration:{after['child_registration']}"
    assert {k: v for k, v in after.items() if k != "child_registration"} == \
        {k: v for k, v in before.items() if k != "child_registration"}

    assert _tick(central_env, moved)[0] == []


class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        type(self).received.append(json.loads(self.rfile.read(length)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    _Hook.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks/secret-token", _Hook.received
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@dg.op
def broken_step() -> None:
    raise RuntimeError("the warehouse refused the connection")


@dg.job
def broken_job() -> None:
    broken_step()


def _alert(instance: dg.DagsterInstance, run: dg.ExecuteInProcessResult, settings: SettingsResource) -> None:
    """Evaluate the failure sensor on `run`, as the daemon would after it failed."""
    with dg.build_run_status_sensor_context(
        sensor_name="alert_on_run_failure", dagster_instance=instance, dagster_run=run.dagster_run,
        dagster_event=run.get_run_failure_event(), resources={"alerts": AlertResource(config=settings)},
    ).for_run_failure() as context:
        alert_on_run_failure(context)


def test_a_failed_run_is_recorded_and_posted_to_the_webhook(
    webhook: tuple[str, list[dict[str, Any]]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, received = webhook
    monkeypatch.setenv("ODKSYNC_ALERT_WEBHOOK_URL", url)
    settings = settings_resource(data_dir=str(tmp_path / "data"))
    with dg.instance_for_test() as instance:
        run = broken_job.execute_in_process(instance=instance, raise_on_error=False)
        assert not run.success
        _alert(instance, run, settings)
    (posted,) = received
    assert posted["job"] == "broken_job" and posted["run_id"] == run.run_id
    assert posted["text"].startswith("งาน broken_job ล้มเหลว")
    (kept,) = read_alerts(tmp_path / "data")
    assert kept["run_id"] == run.run_id and kept["webhook"] == "webhook answered 204"
    assert "secret-token" not in json.dumps(kept)


def test_an_unreachable_webhook_still_leaves_the_alert_in_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    port = server.server_address[1]
    server.server_close()  # nothing listens there any more
    monkeypatch.setenv("ODKSYNC_ALERT_WEBHOOK_URL", f"http://127.0.0.1:{port}/hooks/secret-token")
    settings = settings_resource(data_dir=str(tmp_path / "data"))
    with dg.instance_for_test() as instance:
        run = broken_job.execute_in_process(instance=instance, raise_on_error=False)
        _alert(instance, run, settings)
    (kept,) = read_alerts(tmp_path / "data")
    assert kept["job"] == "broken_job"
    assert kept["webhook"] == "the alert webhook could not be reached (ConnectionError)"
