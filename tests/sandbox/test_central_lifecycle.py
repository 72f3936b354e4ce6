"""State across restarts, fault injection and the request log."""

from __future__ import annotations

import json
from pathlib import Path

import requests

from sandbox.central import CentralSandbox
from tests.sandbox.central_helpers import PASSWORD, login, start, submit, visit_form, visit_xml


def test_state_survives_a_restart(tmp_path: Path) -> None:
    with start(tmp_path / "c") as first:
        admin = login(first)
        project = admin.post(f"{first.url}/v1/projects", json={"name": "P"}).json()["id"]
        admin.post(f"{first.url}/v1/projects/{project}/forms?publish=true", data=visit_form(),
                   headers={"Content-Type": "application/xml"})
        submit(first, admin, project, visit_xml("uuid:kept"))
    second = CentralSandbox(tmp_path / "c", admin_email="admin@odksync.local",
                            admin_password=PASSWORD)
    with second:
        again = login(second)
        rows = again.get(f"{second.url}/v1/projects/{project}/forms/visit.svc/Submissions")
        assert [r["__id"] for r in rows.json()["value"]] == ["uuid:kept"]


def test_fault_fires_after_n_matching_requests(sandbox: CentralSandbox,
                                               admin: requests.Session, project: int,
                                               form: str) -> None:
    sandbox.faults.add(method="GET", path_pattern=r"\.svc/Submissions", status=503, times=1,
                       after=2, retry_after=7)
    url = f"{sandbox.url}/v1/projects/{project}/forms/{form}.svc/Submissions"
    statuses = [admin.get(url) for _ in range(4)]
    assert [r.status_code for r in statuses] == [200, 200, 503, 200]
    assert statuses[2].headers["Retry-After"] == "7"
    assert statuses[2].json()["code"] == 503
    sandbox.faults.add(path_pattern=r"/projects$", status=500, times=5)
    sandbox.faults.clear()
    assert admin.get(f"{sandbox.url}/v1/projects").status_code == 200


def test_request_log_in_memory_and_on_disk(sandbox: CentralSandbox,
                                           admin: requests.Session) -> None:
    sandbox.clear_request_log()
    admin.get(f"{sandbox.url}/v1/projects?x=1")
    record = sandbox.request_log[-1]
    assert (record.method, record.path, record.query, record.status) == \
        ("GET", "/v1/projects", "x=1", 200)
    lines = (sandbox.data_dir / "central-requests.log").read_text().splitlines()
    assert json.loads(lines[-1])["path"] == "/v1/projects"
    assert PASSWORD not in (sandbox.data_dir / "central-requests.log").read_text()
