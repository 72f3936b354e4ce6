"""Tiny XLSForms with entity lists and the submissions Collect sends from them, for the tests."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from connectors.central.client import CentralClient
from connectors.central.entity_models import Entity

# A real Central creates entities in a background worker, seconds after the submission.
ENTITY_WAIT_SECONDS = 60.0


def write_registration_form(
    directory: Path,
    form_id: str,
    dataset: str,
    *,
    version: str = "1",
    extra_fields: tuple[tuple[str, str, str], ...] = (),
) -> Path:
    """A form that creates one entity per submission in `dataset`: first_name, age, village."""
    workbook, survey = _survey(["type", "name", "label", "save_to"])
    survey.append(["text", "fname", "ชื่อ / Name", "first_name"])
    survey.append(["integer", "age", "อายุ / Age", "age"])
    survey.append(["text", "village", "หมู่บ้าน / Village", "village"])
    for row in extra_fields:
        survey.append([*row, ""])
    entities = workbook.create_sheet("entities")
    entities.append(["list_name", "label"])
    entities.append([dataset, "concat(${fname}, ' ', ${village})"])
    return _save(workbook, directory / f"{form_id}.xlsx", [form_id, version, "ลงทะเบียน contract"])


def write_reader_form(directory: Path, form_id: str, dataset: str, *, version: str = "1") -> Path:
    """A follow-up form that selects a child from `<dataset>.csv` and shows one of its properties."""
    workbook, survey = _survey(["type", "name", "label", "calculation"])
    survey.append([f"select_one_from_file {dataset}.csv", "child", "เด็ก / Child", ""])
    survey.append(["calculate", "child_village", "",
                   f"instance('{dataset}')/root/item[name=${{child}}]/village"])
    survey.append(["note", "show_village", "หมู่บ้าน: ${child_village}", ""])
    return _save(workbook, directory / f"{form_id}.xlsx", [form_id, version, "ติดตาม contract"])


def _survey(header: list[str]) -> tuple[Workbook, Worksheet]:
    """A new workbook whose first sheet is the survey sheet with this header row."""
    workbook = openpyxl.Workbook()
    survey = workbook.active
    assert isinstance(survey, Worksheet)
    survey.title = "survey"
    survey.append(header)
    return workbook, survey


def _save(workbook: Workbook, path: Path, settings_row: list[str]) -> Path:
    """The workbook with its settings sheet (form_id, version, form_title), saved at `path`."""
    settings = workbook.create_sheet("settings")
    settings.append(["form_id", "version", "form_title"])
    settings.append(settings_row)
    workbook.save(path)
    return path


def registration_xml(form_id: str, dataset: str, *, version: str = "1", first_name: str, age: int,
                     village: str, entity_id: str | None = None) -> tuple[bytes, str]:
    """A submission as Collect writes it for write_registration_form, and its entity's uuid."""
    entity_id = entity_id or str(uuid.uuid4())
    xml = (
        f'<?xml version="1.0"?><data id="{form_id}" version="{version}">'
        f"<fname>{first_name}</fname><age>{age}</age><village>{village}</village>"
        f"<meta><instanceID>uuid:{uuid.uuid4()}</instanceID>"
        f'<entity dataset="{dataset}" id="{entity_id}" create="1"><label>{first_name} {village}</label>'
        f"</entity></meta></data>"
    ).encode()
    return xml, entity_id


def wait_for_entity(
    client: CentralClient, dataset: str, entity_id: str, sandbox: Any | None
) -> Entity | None:
    """The entity once the server's worker has made it: the sandbox's queue is drained, a real
    Central's worker is waited for (up to ENTITY_WAIT_SECONDS); None if it never appears."""
    deadline = time.monotonic() + ENTITY_WAIT_SECONDS
    while True:
        if sandbox is not None:
            sandbox.drain_entity_queue()
        entity = client.get_entity(dataset, entity_id)
        if entity is not None or time.monotonic() > deadline:
            return entity
        time.sleep(0.5)
