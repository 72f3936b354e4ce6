"""Storing OpenRosa submissions as Kobo does: edits keep `_id` and `meta/rootUuid`, take a new `_uuid`."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from lxml import etree

from sandbox.common.multipart import Part
from sandbox.common.xml_safety import local
from sandbox.kobo.context import Context, new_uid, submission_stamp
from sandbox.kobo.flatten import flatten

UUID_PREFIX = "uuid:"


class Rejected(Exception):
    """A submission Kobo refuses; the status and the OpenRosa message to send back."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


@dataclass(frozen=True)
class Stored:
    status: int  # 201 created or edited, 202 duplicate
    message: str


def _meta(root: etree._Element, name: str) -> str | None:
    for element in root.iter():
        if isinstance(element.tag, str) and local(element) == name:
            parent = element.getparent()
            if parent is not None and local(parent) == "meta" and element.text:
                return element.text.strip()
    return None


def strip_uuid(value: str) -> str:
    return value[len(UUID_PREFIX):] if value.startswith(UUID_PREFIX) else value


def find_asset(ctx: Context, root: etree._Element, flat: dict[str, Any]) -> sqlite3.Row:
    """By `formhub/uuid` first, then the root `id` (the asset uid, Kobo's id_string); the
    sandbox also takes the XLSForm's own form_id, so that XML built from the source form fits."""
    rows = ctx.store.all("SELECT * FROM assets WHERE owner = ? AND deployed_version_id IS NOT "
                         "NULL ORDER BY date_created", (ctx.username,))
    form_id = root.get("id") or ""
    for match in (lambda r: flat.get("formhub/uuid") == r["deployment_uuid"],
                  lambda r: form_id == r["uid"],
                  lambda r: form_id == json.loads(r["content"]).get("settings", {}).get("form_id")):
        for row in rows:
            if match(row):
                return row
    raise Rejected(404, f"Form with id_string '{form_id}' does not exist on this account.")


def _attachments(ctx: Context, db: sqlite3.Connection, submission_id: int,
                 files: list[Part]) -> None:
    db.execute("DELETE FROM attachments WHERE submission_id = ?", (submission_id,))
    for part in files:
        db.execute("INSERT INTO attachments (uid, submission_id, filename, mimetype, content) "
                   "VALUES (?, ?, ?, ?, ?)",
                   (new_uid("att"), submission_id, part.filename or part.name,
                    part.content_type or "application/octet-stream", part.data))


def store_submission(ctx: Context, xml: bytes, root: etree._Element, files: list[Part],
                     user: str | None) -> Stored:
    instance_id = _meta(root, "instanceID")
    if not instance_id:
        raise Rejected(400, "Submission is missing meta/instanceID.")
    flat = flatten(root, None)
    asset = find_asset(ctx, root, flat)
    if not asset["deployment_active"]:
        raise Rejected(400, f"Form '{asset['uid']}' is not accepting submissions.")
    flat = flatten(root, asset["deployed_xform"])
    # The deployed XForm calculates these; XML built elsewhere may lack them.
    flat.setdefault("__version__", asset["deployed_version_id"])
    flat.setdefault("formhub/uuid", asset["deployment_uuid"])
    new_uuid = strip_uuid(instance_id)
    deprecated = _meta(root, "deprecatedID")
    with ctx.store.write() as db:
        same = db.execute("SELECT id, xml FROM submissions WHERE asset_uid = ? AND uuid = ?",
                          (asset["uid"], new_uuid)).fetchone()
        if same is not None:
            if hashlib.sha256(same["xml"]).digest() == hashlib.sha256(xml).digest():
                return Stored(202, "Duplicate submission")
            raise Rejected(409, "Submission with this instanceID already exists with other "
                           "content.")
        original = None
        if deprecated:
            original = db.execute("SELECT id, root_uuid, submission_time FROM submissions "
                                  "WHERE asset_uid = ? AND uuid = ?",
                                  (asset["uid"], strip_uuid(deprecated))).fetchone()
        root_uuid = (original["root_uuid"] if original is not None
                     else strip_uuid(_meta(root, "rootUuid") or instance_id))
        flat["meta/rootUuid"] = UUID_PREFIX + root_uuid
        if original is not None:
            db.execute("UPDATE submissions SET uuid = ?, xml = ?, data = ?, submitted_by = ? "
                       "WHERE id = ?", (new_uuid, xml, json.dumps(flat), user, original["id"]))
            submission_id = original["id"]
        else:
            cur = db.execute("INSERT INTO submissions (asset_uid, uuid, root_uuid, xml, data, "
                             "submitted_by, submission_time) VALUES (?, ?, ?, ?, ?, ?, ?)",
                             (asset["uid"], new_uuid, root_uuid, xml, json.dumps(flat), user,
                              submission_stamp()))
            submission_id = int(cur.lastrowid or 0)
        _attachments(ctx, db, submission_id, files)
    return Stored(201, "Successful submission.")
