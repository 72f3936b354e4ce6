"""The Dagster UI as a data manager sees it: the webserver on loopback with a small demo's data, opened
in headless Chromium, shows every asset in the graph, their materialisations and a check result."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from orchestration.assets.report import report_months
from orchestration.checks import asset_checks
from orchestration.definitions import defs
from orchestration.resources import default_resources
from tests.conftest import REPO, skip_or_fail
from tests.integration.test_sync import _submit
from tests.support.local_central import ADMIN, LocalCentral

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright
except ImportError:  # a pinned dev dependency; the test says how to install it
    sync_playwright = None  # type: ignore[assignment]

CHROMIUM = "/usr/bin/chromium"  # Debian's package (apt-get install chromium)
ASSETS = ["central_submissions", "central_attachments", "kobo_submissions", "normalised_submissions",
          "quarantine", "matched_children", "review_queue", "plan_status", "entity_pushback", "eef_report",
          "moe_suphanburi", "pmj_ratchaburi", "nfe_kamphaengsaen"]
STARTUP_LIMIT_SECONDS = 180  # how long the webserver may take to load the definitions


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def dagster_home(central: LocalCentral, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """DAGSTER_HOME holding one materialisation of the whole graph over a few simulated visits."""
    monkeypatch.setenv("ODK_CENTRAL_URL", central.server.url)
    monkeypatch.setenv("ODK_CENTRAL_USERNAME", ADMIN)
    monkeypatch.setenv("ODK_CENTRAL_PASSWORD", central.config.password.get_secret_value())
    monkeypatch.setenv("ODK_CENTRAL_PROJECT_ID", str(central.project_id))
    monkeypatch.setenv("ODKSYNC_DATA_DIR", str(tmp_path / "data"))
    for name in ("DATABASE_URL", "KOBO_URL", "KOBO_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    _submit(central, 4, seed=91)
    home = tmp_path / "dagster"
    home.mkdir()
    (home / ".nux").mkdir()
    (home / ".nux" / "nux.yaml").write_text("seen: 1\n")  # no newsletter pop-up over the graph
    assets = [defs.get_assets_def(k) for k in defs.get_repository_def().asset_graph.get_all_asset_keys()]
    monthly = [a for a in assets if a.partitions_def == report_months]
    by_form = [a for a in assets if a not in monthly]
    with dg.DagsterInstance.local_temp(str(home)) as instance:
        month = report_months.get_last_partition_key()
        for key, selected in (("child_registration", by_form), (month, monthly)):
            result = dg.materialize([*assets, *asset_checks], partition_key=key, instance=instance,
                                    resources=default_resources(),
                                    selection=dg.AssetSelection.assets(*selected))
            assert result.success
    return home


@pytest.fixture
def webserver(dagster_home: Path, tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "DAGSTER_HOME": str(dagster_home), "DAGSTER_DISABLE_TELEMETRY": "yes"}
    log = (tmp_path / "webserver.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "dagster_webserver", "-h", "127.0.0.1", "-p", str(port),
         "-w", str(REPO / "workspace.yaml")], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_LIMIT_SECONDS
        while True:
            try:
                urllib.request.urlopen(f"{url}/server_info", timeout=5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the webserver did not start: {(tmp_path / 'webserver.log').read_text()}")
                time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _expand_all_groups(page: Any) -> None:
    """The lineage graph opens with its groups folded; Alt+E is its "Expand all groups". A press
    sent before the graph listens is lost, so press again until the assets show."""
    first = page.get_by_text(ASSETS[0], exact=True)
    for _ in range(12):
        page.keyboard.press("Alt+e")
        try:
            first.first.wait_for(timeout=5_000)
            return
        except PlaywrightTimeout:
            continue
    first.first.wait_for()  # fails with Playwright's own message


@pytest.fixture
def browser_present() -> None:
    """Chromium and Playwright, looked for before the webserver is started for nothing."""
    if shutil.which(CHROMIUM) is None:
        skip_or_fail(f"no Chromium at {CHROMIUM}: apt-get install chromium")
    if sync_playwright is None:
        skip_or_fail("the playwright package is not installed (pip install -e '.[dev]')")


def test_the_ui_shows_every_asset_a_materialisation_and_a_check_result(
    browser_present: None, webserver: str, tmp_path: Path
) -> None:
    with sync_playwright() as playwright:
        # --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            # Wide enough that the fitted graph draws whole names, not the zoomed-out "centr…_submissions".
            page = browser.new_page(viewport={"width": 2560, "height": 1440})
            page.set_default_timeout(60_000)
            page.goto(f"{webserver}/asset-groups")
            page.get_by_text("core", exact=True).first.wait_for()
            _expand_all_groups(page)
            for name in ASSETS:
                page.get_by_text(name, exact=True).first.wait_for()
            page.get_by_text("Materialized", exact=True).first.wait_for()
            page.get_by_text("2 / 2 Passed").first.wait_for()
            page.screenshot(path=str(tmp_path / "asset-graph.png"), full_page=True)

            page.goto(f"{webserver}/assets/quarantine?view=checks")
            page.get_by_text("Evaluation result").wait_for()
            # The check's own evidence, rendered once the page has loaded it.
            page.get_by_text("held submission(s) in quarantine (threshold 5.0%)").first.wait_for()
            page.get_by_text("Passed", exact=True).first.wait_for()
            body = page.inner_text("body")
            page.screenshot(path=str(tmp_path / "quarantine-check.png"), full_page=True)

            # The report's picture: children per status per LAO, drawn from its metadata's markdown.
            page.goto(f"{webserver}/assets/eef_report")
            page.get_by_text("[Show Markdown]").first.click()  # the metadata row `picture`
            picture = page.locator("img[src^='data:image/png;base64,']").first
            picture.wait_for()
            width = picture.evaluate("img => img.naturalWidth")
            page.screenshot(path=str(tmp_path / "eef-report.png"), full_page=True)
        finally:
            browser.close()
    assert "quarantine_is_below_threshold" in body
    assert "0.0% of 4 held submission(s) in quarantine (threshold 5.0%)" in body
    assert (tmp_path / "asset-graph.png").stat().st_size > 10_000
    assert width == 720  # the PNG itself, decoded by the browser
