"""What deploy reads from a form about entity lists, the deploy order, and which attachments link."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from connectors.central.deploy import LocalForm, read_local_form
from connectors.central.deploy_entities import (
    dataset_attachments,
    declared_dataset,
    deploy_order,
    link_changes,
    referenced_files,
)
from connectors.safe_xml import UnsafeXMLError


def write_form(directory: Path, form_id: str, rows: list[list[str]], *, entity_list: str | None = None,
               header: tuple[str, ...] = ("type", "name", "label")) -> Path:
    workbook = openpyxl.Workbook()
    survey = workbook.active
    assert survey is not None
    survey.title = "survey"
    survey.append(list(header))
    for r in rows:
        survey.append(r)
    if entity_list is not None:
        entities = workbook.create_sheet("entities")
        entities.append(["list_name", "label"])
        entities.append([entity_list, "${fname}"])
    settings = workbook.create_sheet("settings")
    settings.append(["form_id", "version"])
    settings.append([form_id, "1"])
    path = directory / f"{form_id}.xlsx"
    workbook.save(path)
    return path


@pytest.fixture
def forms(tmp_path: Path) -> dict[str, LocalForm]:
    """A registration that creates `kids`, a follow-up and a visit reading kids.csv, one plain form."""
    registration = write_form(tmp_path, "reg", [["text", "fname", "ชื่อ", "first_name"]],
                              entity_list="kids", header=("type", "name", "label", "save_to"))
    followup = write_form(tmp_path, "fu", [["select_one_from_file kids.csv", "child", "เด็ก"],
                                           ["select_one_from_file villages.csv", "village", "หมู่บ้าน"]])
    visit = write_form(tmp_path, "aa_visit", [["select_one_from_file kids.csv", "child", "เด็ก"]])
    plain = write_form(tmp_path, "plain", [["text", "note", "หมายเหตุ"]])
    return {p.stem: read_local_form(p, form_id=None, attachments=None)
            for p in (registration, followup, visit, plain)}


def test_the_entity_declaration_and_referenced_files_are_read_from_the_xform(
    forms: dict[str, LocalForm],
) -> None:
    assert forms["reg"].creates_dataset == "kids"
    assert forms["fu"].creates_dataset is None
    assert forms["fu"].referenced_files == ("kids.csv", "villages.csv")
    assert forms["plain"].referenced_files == ()
    assert declared_dataset(forms["reg"].xform) == "kids"
    assert referenced_files(forms["aa_visit"].xform) == ["kids.csv"]


def test_creating_forms_come_first_and_the_rest_keep_their_order(forms: dict[str, LocalForm]) -> None:
    given = [forms["aa_visit"], forms["fu"], forms["plain"], forms["reg"]]
    assert [f.form_id for f in deploy_order(given)] == ["reg", "aa_visit", "fu", "plain"]
    assert [f.form_id for f in deploy_order([forms["plain"], forms["fu"]])] == ["plain", "fu"]


def test_only_csvs_named_after_an_entity_list_are_linked(forms: dict[str, LocalForm]) -> None:
    assert dataset_attachments(forms["fu"], {"kids"}) == {"kids.csv": "kids"}
    assert dataset_attachments(forms["fu"], {"villages", "kids"}) == {"kids.csv": "kids",
                                                                     "villages.csv": "villages"}
    assert dataset_attachments(forms["fu"], set()) == {}
    assert dataset_attachments(forms["plain"], {"kids"}) == {}


@pytest.mark.parametrize(
    ("remote", "expected"),
    [
        ({"kids.csv": True}, []),
        ({"kids.csv": False}, ["attachment kids.csv (link to entity list kids)"]),
        ({}, ["attachment kids.csv (link to entity list kids)"]),
    ],
)
def test_an_attachment_not_yet_linked_is_a_change(remote: dict[str, bool], expected: list[str]) -> None:
    assert link_changes({"kids.csv": "kids"}, remote) == expected


def test_an_xform_with_an_external_entity_is_not_resolved() -> None:
    hostile = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
               b'<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml">'
               b'<h:head><model><instance><data><meta><entity dataset="&e;"/></meta></data>'
               b"</instance></model></h:head></h:html>")
    with pytest.raises(UnsafeXMLError, match="DOCTYPE"):
        declared_dataset(hostile)
