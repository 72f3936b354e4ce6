"""An idle sync costs two conditional requests per form (both answered 304) and nothing else."""

from __future__ import annotations

import requests
from sqlalchemy import Engine

from tests.integration.test_sync import FORM, _submit, _sync
from tests.support.local_central import LocalCentral


def test_an_idle_form_costs_two_304s_and_a_change_is_still_seen(
    central: LocalCentral, engine: Engine
) -> None:
    _submit(central, 3, seed=800)
    _sync(central, engine)
    _sync(central, engine)  # the watermark has settled: the next query is the same as this one
    central.server.clear_request_log()
    idle = _sync(central, engine)
    asked = [r for r in central.server.request_log if f"/forms/{FORM}" in r.path]
    assert [r.status for r in asked] == [304, 304]
    assert all(".svc/Submissions" in r.path for r in asked)
    assert idle.mode == "unchanged" and idle.in_sync and idle.fetched == 0

    (new,) = _submit(central, 1, seed=801)
    after = _sync(central, engine)
    assert after.new_submissions == 1 and after.in_sync
    review = central.server.url + f"/v1/projects/{central.project_id}/forms/{FORM}/submissions/{new}"
    _sync(central, engine)
    http = requests.Session()
    token = http.post(f"{central.server.url}/v1/sessions", timeout=30, json={
        "email": central.config.username,
        "password": central.config.password.get_secret_value()}).json()["token"]
    http.headers["Authorization"] = f"Bearer {token}"
    assert http.patch(review, json={"reviewState": "approved"}, timeout=30).status_code == 200
    reviewed = _sync(central, engine)
    assert reviewed.new_versions == 1 and reviewed.mode != "unchanged"
