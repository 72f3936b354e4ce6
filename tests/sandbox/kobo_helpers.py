"""Helpers of the Kobo sandbox tests: a token session, imports that wait, a form with a repeat."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import openpyxl
import requests

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def session(token: str) -> requests.Session:
    s = requests.Session()
    s.headers["Authorization"] = f"Token {token}"
    return s


def household_xlsform(directory: Path, *, version: str = "2026113001") -> Path:
    """A form with a group and a repeat, to see Kobo's flat `group/field` keys."""
    workbook = openpyxl.Workbook()
    survey = workbook.active
    assert survey is not None
    survey.title = "survey"
    for row in (["type", "name", "label"], ["text", "child_name", "ชื่อเด็ก"],
                ["begin_group", "household", "ครัวเรือน"], ["integer", "members", "จำนวนสมาชิก"],
                ["end_group", "", ""], ["begin_repeat", "goals", "เป้าหมาย"],
                ["text", "goal", "เป้าหมาย"], ["end_repeat", "", ""]):
        survey.append(row)
    settings = workbook.create_sheet("settings")
    settings.append(["form_id", "version", "form_title"])
    settings.append(["household", version, "แบบสำรวจครัวเรือน"])
    path = directory / "household.xlsx"
    workbook.save(path)
    return path


def wait_import(s: requests.Session, url: str) -> dict[str, Any]:
    for _ in range(200):
        body: dict[str, Any] = s.get(url).json()
        if body["status"] != "processing":
            return body
        time.sleep(0.05)
    raise AssertionError(f"import {url} never finished")


def import_form(s: requests.Session, base: str, path: Path,
                destination: str | None = None) -> tuple[requests.Response, dict[str, Any]]:
    data = {"destination": destination} if destination else {}
    started = s.post(f"{base}/api/v2/imports/", data=data,
                     files={"file": (path.name, path.read_bytes(), XLSX)})
    return started, wait_import(s, started.json()["url"])


def household_submission(asset_uid: str, formhub: str, goals: list[str],
                         instance_id: str | None = None) -> bytes:
    repeats = "".join(f"<goals><goal>{g}</goal></goals>" for g in goals)
    instance_id = instance_id or f"uuid:{uuid.uuid4()}"
    return (f'<data id="{asset_uid}"><formhub><uuid>{formhub}</uuid></formhub>'
            f"<child_name>ด.ญ. มะลิ</child_name><household><members>5</members></household>"
            f"{repeats}<meta><instanceID>{instance_id}</instanceID></meta></data>").encode()
