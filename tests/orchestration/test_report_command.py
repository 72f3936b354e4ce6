"""`odksync report --period YYYY-MM [--out DIR]`: the files under the data folder by default, a short
Thai and English summary, and clear refusals of a bad period."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from tests.orchestration.test_cli import odksync
from tests.warehouse.report_state import SECRET, build


def test_report_writes_the_files_and_prints_what_they_hold(engine: Engine, database_url: str,
                                                           tmp_path: Path) -> None:
    with Session(engine) as session:
        build(session)
    env = {"ODKSYNC_DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": database_url, "ODKSYNC_SECRET": SECRET}
    done = odksync("report", "--period", "2026-03", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    out = tmp_path / "data" / "reports" / "2026-03"
    assert sorted(p.name for p in out.iterdir()) == [
        "eef_plan_status_2026-03.csv", "eef_plan_status_2026-03.json", "eef_plan_status_2026-03.xlsx",
        "manifest.json"]
    first_line = done.stdout.splitlines()[0]
    assert first_line.startswith("รายงาน กสศ. งวด 2026-03: 3 แถว (rows), ข้อยกเว้น 6 (exceptions) "
                                 "ในนั้นยังไม่มีความยินยอมให้เปิดเผยแก่ กสศ. 2 (no consent for the fund, "
                                 "basis consent)")
    assert "ถอนความยินยอม 1" in first_line and "ลบข้อมูลแล้ว 1" in first_line and SECRET not in done.stdout
    elsewhere = tmp_path / "elsewhere"
    again = odksync("report", "--period", "2026-03", "--out", str(elsewhere), cwd=tmp_path, env=env)
    assert again.returncode == 0, again.stderr
    assert (elsewhere / "eef_plan_status_2026-03.csv").read_bytes() == (
        out / "eef_plan_status_2026-03.csv").read_bytes()
    assert json.loads((elsewhere / "manifest.json").read_text(encoding="utf-8"))["rows"] == 3


def test_a_bad_period_is_refused_in_thai_and_english(tmp_path: Path) -> None:
    env = {"ODKSYNC_DATA_DIR": str(tmp_path / "data"), "ODKSYNC_SECRET": SECRET}
    for period, words in (("2026-13", "YYYY-MM"), ("2569-03", "Gregorian"), ("03/2026", "งวดรายงาน")):
        done = odksync("report", "--period", period, cwd=tmp_path, env=env)
        assert done.returncode == 2 and words in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "data" / "reports").exists()
