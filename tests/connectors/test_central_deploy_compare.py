"""Deciding whether a form changed: canonical XForms, version suggestions, the settings sheet."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from connectors.central.deploy import (
    canonical_xform,
    declared_form_id,
    definition_changed,
    read_local_form,
    suggest_version,
)

HEAD = (
    '<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml">'
    "<h:head><h:title>T</h:title><model><instance>"
)


def xform(body: str, version: str = "1") -> bytes:
    return (
        f'{HEAD}<data id="f" version="{version}">{body}</data></instance></model></h:head><h:body/></h:html>'
    ).encode()


@pytest.mark.parametrize(
    ("left", "right", "same"),
    [
        (xform("<a/>"), xform("<a/>"), True),
        (xform("<a/>"), b'<?xml version="1.0"?>\n' + xform("\n  <a/>\n"), True),
        (xform("<a/>"), xform("<!-- generated --><a/>"), True),
        (xform("<a/>"), xform("<a></a>"), True),
        (xform("<a/>"), xform("<b/>"), False),
        (xform("<a/>"), xform("<a/>", version="2"), False),
        (xform("<a>ชื่อ</a>"), xform("<a>ชื่อ </a>"), False),
    ],
)
def test_canonical_xform(left: bytes, right: bytes, same: bool) -> None:
    assert (canonical_xform(left) == canonical_xform(right)) is same


@pytest.mark.parametrize(
    ("version", "suggestion"),
    [
        ("2026113001", "2026113002"),
        ("7", "8"),
        ("1.2", "a value greater than the published one"),
        ("", "a value greater than the published one"),
        (None, "a value greater than the published one"),
    ],
)
def test_suggest_version(version: str | None, suggestion: str) -> None:
    assert suggest_version(version) == suggestion


def write(tmp_path: Path, settings: list[list[str]] | None, name: str = "visit.xlsx") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "survey"
    ws.append(["type", "name", "label"])
    ws.append(["text", "q", "Q"])
    if settings is not None:
        sheet = wb.create_sheet("settings")
        for r in settings:
            sheet.append(r)
    path = tmp_path / name
    wb.save(path)
    return path


@pytest.mark.parametrize(
    ("settings", "declared"),
    [
        (None, None),
        ([["version"], ["3"]], None),
        ([["form_id", "version"], ["visit", "3"]], "visit"),
        ([["version", "form_id"], ["3", " visit "]], "visit"),
        ([["form_id"]], None),
    ],
)
def test_declared_form_id(tmp_path: Path, settings: list[list[str]] | None, declared: str | None) -> None:
    assert declared_form_id(write(tmp_path, settings)) == declared


def test_local_form_takes_the_fallback_id_and_version(tmp_path: Path) -> None:
    path = write(tmp_path, [["version"], ["2026113001"]])
    local = read_local_form(path, form_id="home_visit", attachments=None)
    assert (local.form_id, local.version) == ("home_visit", "2026113001")
    assert b'id="home_visit"' in local.xform
    assert not definition_changed(local, local.xform, None)
    assert not definition_changed(local, b"<garbage", local.xlsx)  # identical upload wins
    assert definition_changed(local, b"<garbage", None)


def test_conflicting_form_ids_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, [["form_id", "version"], ["visit", "1"]])
    with pytest.raises(ValueError, match="declares form_id 'visit'"):
        read_local_form(path, form_id="other", attachments=None)
