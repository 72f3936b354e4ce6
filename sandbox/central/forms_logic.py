"""Form lifecycle writes: create (as draft or published), new drafts, publishing."""

from __future__ import annotations

import json
import re
import sqlite3

from sandbox.central import entity_forms, problems
from sandbox.central.auth import generate_token
from sandbox.central.context import Context
from sandbox.central.router import Request
from sandbox.central.xforms import FormDef, parse_form, set_version
from sandbox.central.xlsform import is_excel, xlsform_to_xform


def read_definition(req: Request) -> tuple[FormDef, str | None]:
    """The uploaded XForm, converting XLSForm uploads with pyxform first."""
    excel = req.content_type if is_excel(req.content_type) else None
    data = req.body
    if excel:
        data = xlsform_to_xform(data, excel, req.header("x-xlsform-formid-fallback"),
                                req.flag("ignoreWarnings"))
    definition = parse_form(data)
    entity_forms.check_upload(definition.xml, definition.fields, req.flag("ignoreWarnings"))
    if re.search(r"\.(xlsx?|xml)$", definition.xml_form_id):
        raise problems.unexpected_value(
            "formId", definition.xml_form_id,
            "The Form ID cannot end in .xls, .xlsx, or .xml. Please either specify an allowed "
            "ID in the form itself, or rename the file (eg change form.xls.xls to form.xls).")
    return definition, excel


def insert_def(db: sqlite3.Connection, ctx: Context, form_id: int, definition: FormDef,
               excel: str | None, carry_from: int | None = None) -> int:
    """A new draft def, with its expected attachments (content carried over by name)."""
    cur = db.execute(
        "INSERT INTO form_defs (form_id, xml, name, version, hash, sha, sha256, fields, "
        "draft_token, created_at, excel_content_type, key_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (form_id, definition.xml, definition.name, definition.version, definition.hash,
         definition.sha, definition.sha256, json.dumps(definition.fields), generate_token(),
         ctx.now(), excel, ensure_key(db, ctx, definition.public_key)))
    def_id = cur.lastrowid
    assert def_id is not None
    for name, kind in definition.attachments:
        old = db.execute("SELECT * FROM form_attachments WHERE form_def_id = ? AND name = ?",
                         (carry_from, name)).fetchone() if carry_from else None
        db.execute("INSERT INTO form_attachments (form_def_id, name, type, content, "
                   "content_type, md5, updated_at) VALUES (?,?,?,?,?,?,?)",
                   (def_id, name, kind, old["content"] if old else None,
                    old["content_type"] if old else None, old["md5"] if old else None,
                    old["updated_at"] if old else None))
    entity_forms.record_def(db, ctx, form_id, def_id, carry_from)
    return def_id


def ensure_key(db: sqlite3.Connection, ctx: Context, public: str | None) -> int | None:
    """Central's Keys.ensure: one row per distinct public key, shared by every def naming it."""
    if public is None:
        return None
    db.execute("INSERT OR IGNORE INTO keys (public, created_at) VALUES (?, ?)", (public, ctx.now()))
    row = db.execute("SELECT id FROM keys WHERE public = ?", (public,)).fetchone()
    return int(row["id"])


def create_form(ctx: Context, req: Request, project_id: int, actor_id: int) -> int:
    definition, excel = read_definition(req)
    with ctx.store.write() as db:
        taken = db.execute("SELECT 1 FROM forms WHERE project_id = ? AND xml_form_id = ?",
                           (project_id, definition.xml_form_id)).fetchone()
        if taken:
            raise problems.uniqueness_violation(["projectId", "xmlFormId"],
                                                [str(project_id), definition.xml_form_id],
                                                "forms")
        cur = db.execute("INSERT INTO forms (project_id, xml_form_id, created_by, created_at) "
                         "VALUES (?, ?, ?, ?)", (project_id, definition.xml_form_id, actor_id,
                                                 ctx.now()))
        form_id = cur.lastrowid
        assert form_id is not None
        def_id = insert_def(db, ctx, form_id, definition, excel)
        db.execute("UPDATE forms SET draft_def_id = ? WHERE id = ?", (def_id, form_id))
        if req.flag("publish"):
            publish(db, ctx, form_id)
    return form_id


def new_draft(ctx: Context, req: Request, form: sqlite3.Row) -> None:
    """POST …/draft: the uploaded definition, or a copy of the published one without a body."""
    if req.body:
        definition, excel = read_definition(req)
        if definition.xml_form_id != form["xml_form_id"]:
            raise problems.unexpected_value("xmlFormId", definition.xml_form_id,
                                            "does not match the form you are updating")
    else:
        published = ctx.store.one("SELECT * FROM form_defs WHERE id = ?",
                                  (form["current_def_id"],))
        if published is None:
            raise problems.not_found()
        definition, excel = parse_form(published["xml"].encode("utf-8")), \
            published["excel_content_type"]
    with ctx.store.write() as db:
        source = form["draft_def_id"] or form["current_def_id"]
        def_id = insert_def(db, ctx, form["id"], definition, excel, source)
        if form["draft_def_id"]:
            db.execute("DELETE FROM form_attachments WHERE form_def_id = ?",
                       (form["draft_def_id"],))
            db.execute("DELETE FROM form_defs WHERE id = ?", (form["draft_def_id"],))
        db.execute("UPDATE forms SET draft_def_id = ? WHERE id = ?", (def_id, form["id"]))


def publish_draft(ctx: Context, form: sqlite3.Row, version: str | None) -> None:
    """POST …/draft/publish[?version=]: rewrite the version if asked, then publish."""
    draft = ctx.store.one("SELECT * FROM form_defs WHERE id = ?", (form["draft_def_id"],))
    if draft is None:
        raise problems.not_found()
    with ctx.store.write() as db:
        if version:
            definition = parse_form(set_version(draft["xml"], version))
            db.execute("UPDATE form_defs SET xml = ?, version = ?, hash = ?, sha = ?, "
                       "sha256 = ? WHERE id = ?", (definition.xml, definition.version,
                                                   definition.hash, definition.sha,
                                                   definition.sha256, draft["id"]))
        publish(db, ctx, form["id"])


def publish(db: sqlite3.Connection, ctx: Context, form_id: int) -> None:
    form = db.execute("SELECT * FROM forms WHERE id = ?", (form_id,)).fetchone()
    draft = db.execute("SELECT * FROM form_defs WHERE id = ?", (form["draft_def_id"],)).fetchone()
    clash = db.execute("SELECT 1 FROM form_defs WHERE form_id = ? AND version = ? AND "
                       "published_at IS NOT NULL AND id != ?",
                       (form_id, draft["version"], draft["id"])).fetchone()
    if clash:
        raise problems.version_uniqueness(form["xml_form_id"], draft["version"])
    now = ctx.now()
    db.execute("UPDATE form_defs SET published_at = ?, draft_token = NULL WHERE id = ?",
               (now, draft["id"]))
    db.execute("UPDATE forms SET current_def_id = ?, draft_def_id = NULL, updated_at = ?, "
               "data_version = data_version + 1 WHERE id = ?", (draft["id"], now, form_id))
    entity_forms.publish_def(db, ctx, draft["id"], now)
    # Central deletes test submissions made to a draft when it is published.
    db.execute("DELETE FROM submissions WHERE form_id = ? AND draft = 1", (form_id,))
