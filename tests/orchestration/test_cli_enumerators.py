"""`odksync enumerators sync|qr` as a data manager runs them, and the QR code as Collect reads it."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import requests
import zxingcpp
from PIL import Image

from orchestration.enumerators import (
    app_user_url,
    decode_settings,
    parse_roster,
    sync_enumerators,
    write_qr_codes,
)
from tests.contract.central_contract import write_requests
from tests.orchestration.test_cli import odksync
from tests.support.local_central import ADMIN, LocalCentral

SAMPLE = Path(__file__).resolve().parents[2] / "config" / "roster.sample.csv"


def _env(central: LocalCentral, data: Path) -> dict[str, str]:
    return {"ODKSYNC_DATA_DIR": str(data), "ODK_CENTRAL_URL": central.server.url,
            "ODK_CENTRAL_USERNAME": ADMIN,
            "ODK_CENTRAL_PASSWORD": central.config.password.get_secret_value(),
            "ODK_CENTRAL_PROJECT_ID": str(central.project_id)}


def test_the_qr_code_decodes_to_settings_that_reach_the_app_user_s_project(
    central: LocalCentral, tmp_path: Path
) -> None:
    staff = parse_roster("code,name,lao_code,role,phone\nqr-01,อรุณี บัวขาว,6720120,enumerator,\n")
    with central.client() as client:
        tokens = sync_enumerators(client, central.project_id, staff).tokens
    out = tmp_path / "qr"
    result = write_qr_codes(staff, tokens, out, base_url=central.server.url, project_id=central.project_id)
    assert result.codes == [out / "qr-01.png"] and result.sheets == [out / "lao-6720120.html"]
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    for path in (*result.codes, *result.sheets):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600

    image = Image.open(result.codes[0])
    assert image.format == "PNG" and image.size[0] == image.size[1] >= 200
    (found,) = zxingcpp.read_barcodes(image)
    assert found.format == zxingcpp.BarcodeFormat.QRCode
    settings = decode_settings(found.text)
    general = settings["general"]
    assert isinstance(general, dict)
    url = app_user_url(central.server.url, tokens["qr-01"], central.project_id)
    assert general["server_url"] == url and url.endswith(f"/projects/{central.project_id}")
    assert (general["app_language"], general["form_update_mode"], general["username"]) == (
        "th", "match_exactly", "qr-01")
    project = settings["project"]
    assert isinstance(project, dict) and project["name"] == "ติดตามเด็ก อบต.ทับตีเหล็ก (6720120)"
    assert re.fullmatch(r"#[0-9a-f]{6}", str(project["color"])) and project["icon"]
    assert "admin" in settings  # Collect requires it
    # The URL is the app user's project as Collect uses it: its form list answers.
    listing = requests.get(f"{general['server_url']}/formList", headers={"X-OpenRosa-Version": "1.0"},
                           timeout=30)
    assert listing.status_code == 200 and "<formID>home_visit</formID>" in listing.text

    sheet = result.sheets[0].read_text(encoding="utf-8")
    assert "อรุณี บัวขาว" in sheet and "qr-01" in sheet and "size: A4" in sheet
    assert sheet.count("data:image/png;base64,") == 1
    assert tokens["qr-01"] not in sheet


def test_sync_twice_writes_nothing_the_second_time_and_qr_never_prints_a_token(
    central: LocalCentral, tmp_path: Path
) -> None:
    env = _env(central, tmp_path)
    first = odksync("enumerators", "sync", "--roster", str(SAMPLE), cwd=tmp_path, env=env)
    assert first.returncode == 0, first.stderr
    assert "สร้างใหม่ 6" in first.stdout
    before = len(central.server.request_log)
    second = odksync("enumerators", "sync", "--roster", str(SAMPLE), cwd=tmp_path, env=env)
    assert second.returncode == 0, second.stderr
    assert "ไม่มีการเปลี่ยนแปลง" in second.stdout and "ไม่เปลี่ยน 6" in second.stdout
    assert write_requests(central.server.request_log, since=before) == []

    made = odksync("enumerators", "qr", "--roster", str(SAMPLE), "--out", str(tmp_path / "codes"),
                   cwd=tmp_path, env=env)
    assert made.returncode == 0, made.stderr
    assert sorted(p.name for p in (tmp_path / "codes").iterdir()) == sorted(
        [f"{k}.png" for k in ("5700708-01", "5700708-02", "5700708-03", "6150611-01", "6150611-02",
                              "6720120-01")] + ["lao-5700708.html", "lao-6150611.html", "lao-6720120.html"])
    with central.client() as client:
        tokens = [u.token for u in client.actors.list_app_users(central.project_id) if u.token]
    assert tokens and not any(t in made.stdout + made.stderr + first.stdout + first.stderr for t in tokens)


def test_a_roster_mistake_stops_before_anything_is_written(central: LocalCentral, tmp_path: Path) -> None:
    bad = tmp_path / "roster.csv"
    bad.write_text("name,lao_code,role,phone\nสมศรี,9999999,enumerator,\n", encoding="utf-8")
    before = len(central.server.request_log)
    done = odksync("enumerators", "sync", cwd=tmp_path, env=_env(central, tmp_path))
    assert done.returncode == 1
    assert "ไม่พบรหัส อปท. 9999999" in done.stderr and "Traceback" not in done.stderr
    assert central.server.request_log[before:] == []
