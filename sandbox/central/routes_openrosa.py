"""OpenRosa form list and manifest for Collect, list links on draft media, and review states."""

from __future__ import annotations

import json
import sqlite3
from urllib.parse import quote, urlsplit
from xml.sax.saxutils import escape

from sandbox.central import actor_properties, entity_problems, problems
from sandbox.central.auth import can_use_form
from sandbox.central.context import Context
from sandbox.central.entity_csv import linked_dataset, restricted_actor
from sandbox.central.records import def_or_404, form_or_404, project_or_404, shown_def
from sandbox.central.router import OPENROSA, Request, Response, Router, json_response, xml_response
from sandbox.central.routes_submissions import openrosa_headers
from sandbox.central.submissions_logic import (
    admin_submission_or_404,
    existing,
    stamp,
    submission_json,
)

_FORM = r"/projects/(?P<projectId>[^/]+)/forms/(?P<xmlFormId>[^/]+?)"
REVIEW_STATES = ("hasIssues", "edited", "approved", "rejected")


def _openrosa(body: str) -> Response:
    response = xml_response(body, 200, "text/xml")
    response.headers += openrosa_headers()
    return response


def _base_path(req: Request) -> str:
    """Central's path.resolve(originalUrl, '..'): the request path up one segment."""
    path = urlsplit(req.original_url).path
    return path.rsplit("/", 1)[0]


def _has_media(ctx: Context, def_id: int) -> bool:
    return ctx.store.one("SELECT 1 FROM form_attachments WHERE form_def_id = ?",
                         (def_id,)) is not None


def register(router: Router, ctx: Context) -> None:
    def form_list(req: Request) -> Response:
        assert req.auth is not None
        project = project_or_404(ctx, req.params["projectId"])
        forms = ctx.store.all("SELECT * FROM forms WHERE project_id = ? AND current_def_id IS "
                              "NOT NULL AND state = 'open' ORDER BY xml_form_id",
                              (project["id"],))
        wanted = req.query.get("formID")
        items = []
        for form in forms:
            if (wanted and form["xml_form_id"] != wanted) or \
                    not can_use_form(ctx, req.auth, form["id"]):
                continue
            defn = def_or_404(ctx, form["current_def_id"])
            base = f"{ctx.domain()}{_base_path(req)}/forms/{quote(form['xml_form_id'], safe='')}"
            manifest = (f"\n      <manifestUrl>{escape(base)}/manifest</manifestUrl>"
                        if _has_media(ctx, defn["id"]) else "")
            items.append(
                f"\n    <xform>\n      <formID>{escape(form['xml_form_id'])}</formID>"
                f"\n      <name>{escape(defn['name'] or form['xml_form_id'])}</name>"
                f"\n      <version>{escape(defn['version'])}</version>"
                f"\n      <hash>md5:{defn['hash']}</hash>"
                f"\n      <downloadUrl>{escape(base)}.xml</downloadUrl>{manifest}\n    </xform>")
        return _openrosa('<?xml version="1.0" encoding="UTF-8"?>\n  <xforms xmlns="http://'
                         'openrosa.org/xforms/xformsList">' + "".join(items) + "\n  </xforms>")

    def manifest(req: Request) -> Response:
        assert req.auth is not None
        form = form_or_404(ctx, req.params["projectId"], req.params["xmlFormId"])
        defn = shown_def(ctx, form)
        if defn is None or (defn["published_at"] is None and not req.auth.is_admin):
            raise problems.not_found()
        if not can_use_form(ctx, req.auth, form["id"]):
            raise problems.insufficient_rights()
        base = f"{ctx.domain()}{_base_path(req)}"
        project_path = urlsplit(req.original_url).path.split("/forms/")[0]
        files = []
        for row in ctx.store.all("SELECT * FROM form_attachments WHERE form_def_id = ? ORDER "
                                 "BY name", (defn["id"],)):
            dataset = linked_dataset(ctx, defn["id"], row["name"]) \
                if row["content"] is None else None
            if row["content"] is None and dataset is None:
                continue  # Central lists only media with a source
            kind, integrity = "", ""
            digest = row["md5"]
            if dataset is not None:
                kind = (' type="approvalEntityList"' if dataset["approval_required"]
                        else ' type="entityList"')
                digest = actor_properties.open_rosa_hash(ctx, dataset, restricted_actor(req))
                integrity = (f"\n      <integrityUrl>{escape(ctx.domain() + project_path)}"
                             f"/datasets/{quote(dataset['name'], safe='')}/integrity"
                             "</integrityUrl>")
            files.append(
                f"\n    <mediaFile{kind}>\n      <filename>{escape(row['name'])}</filename>"
                f"\n      <hash>md5:{digest}</hash>\n      <downloadUrl>{escape(base)}"
                f"/attachments/{quote(row['name'], safe='')}</downloadUrl>{integrity}"
                "\n    </mediaFile>")
        return _openrosa('<?xml version="1.0" encoding="UTF-8"?>\n  <manifest xmlns="http://'
                         'openrosa.org/xforms/xformsManifest">' + "".join(files) +
                         "\n  </manifest>")

    def link_attachment(req: Request) -> Response:
        """PATCH …/draft/attachments/{name} `{"dataset": true|false}`, as Central answers."""
        assert req.auth is not None
        form = form_or_404(ctx, req.params["projectId"], req.params["xmlFormId"])
        req.auth.require_admin()
        defn = def_or_404(ctx, form["draft_def_id"])
        name = req.params["name"]
        dataset = ctx.store.one("SELECT * FROM datasets WHERE project_id = ? AND name = ? AND "
                                "published_at IS NOT NULL",
                                (form["project_id"], name[:-4] if name.endswith(".csv")
                                 else name))
        if dataset is None:
            raise problems.not_found()
        row = ctx.store.one("SELECT * FROM form_attachments WHERE form_def_id = ? AND name = ?",
                            (defn["id"], name))
        if row is None:
            raise problems.not_found()
        body = req.json_body()
        link = bool(body.get("dataset")) if isinstance(body, dict) else False
        if row["type"] != "file" and link:
            raise entity_problems.dataset_link_not_allowed()
        with ctx.store.write() as db:
            db.execute("UPDATE form_attachments SET content = NULL, content_type = NULL, "
                       "md5 = NULL, updated_at = ? WHERE form_def_id = ? AND name = ?",
                       (ctx.now(), defn["id"], name))
            db.execute("DELETE FROM attachment_datasets WHERE form_def_id = ? AND name = ?",
                       (defn["id"], name))
            if link:
                db.execute("INSERT INTO attachment_datasets (form_def_id, name, dataset_id) "
                           "VALUES (?, ?, ?)", (defn["id"], name, dataset["id"]))
        fresh = ctx.store.one("SELECT * FROM form_attachments WHERE form_def_id = ? AND "
                              "name = ?", (defn["id"], name))
        assert fresh is not None
        return json_response(_attachment(fresh, link))

    def review(req: Request) -> Response:
        """PATCH a submission's reviewState; an approval may make its entity (approvalRequired)."""
        assert req.auth is not None
        form, row = admin_submission_or_404(ctx, req)
        body = req.json_body()
        state = body.get("reviewState") if isinstance(body, dict) else None
        if state not in REVIEW_STATES:
            raise problems.unexpected_value("reviewState", str(state),
                                            "not a valid review state")
        with ctx.store.write() as db:
            db.execute("UPDATE submissions SET review_state = ?, updated_at = ? WHERE id = ?",
                       (state, ctx.now(), row["id"]))
            stamp(db, row["id"], form["id"])
        if ctx.entity_worker is not None:
            ctx.entity_worker.enqueue(row["id"], "submission.update", req.auth.actor_id, state)
        fresh = existing(ctx, form["id"], req.params["instanceId"])
        assert fresh is not None
        return json_response(submission_json(ctx, fresh, False))

    def integrity(req: Request) -> Response:
        """Which of the list's entities a phone should keep: those this actor may not see (the
        access filter) are reported deleted, as Central's getEntitiesState does."""
        assert req.auth is not None
        project = project_or_404(ctx, req.params["projectId"])
        dataset = ctx.store.one("SELECT * FROM datasets WHERE project_id = ? AND name = ? AND "
                                "published_at IS NOT NULL", (project["id"], req.params["name"]))
        if dataset is None:
            raise problems.not_found()
        if not req.auth.is_admin and not any(
                can_use_form(ctx, req.auth, f["id"]) for f in ctx.store.all(
                    "SELECT DISTINCT f.id FROM attachment_datasets a JOIN forms f ON "
                    "f.current_def_id = a.form_def_id WHERE a.dataset_id = ? AND f.state != "
                    "'closed'", (dataset["id"],))):
            raise problems.insufficient_rights()
        actor_id = restricted_actor(req)
        checks, filtered = actor_properties.visible(ctx, dataset["id"], actor_id)
        wanted = {i.strip() for i in req.query["id"].split(",")} if req.query.get("id") else None
        items = []
        for row in ctx.store.all("SELECT e.uuid, e.deleted_at, d.data FROM entities e JOIN "
                                 "entity_defs d ON d.entity_id = e.id AND d.current = 1 WHERE "
                                 "e.dataset_id = ? ORDER BY e.id", (dataset["id"],)):
            if wanted is not None and row["uuid"] not in wanted:
                continue
            gone = row["deleted_at"] is not None or (
                filtered and not actor_properties.matches(json.loads(row["data"]), checks))
            items.append(f'\n      <entity id="{escape(row["uuid"])}">\n        <deleted>'
                         f"{'true' if gone else 'false'}</deleted>\n      </entity>")
        return _openrosa('<?xml version="1.0" encoding="UTF-8"?>\n  <data>\n    <entities>'
                         + "".join(items) + "\n    </entities>\n  </data>")

    router.add("GET", r"/projects/(?P<projectId>[^/]+)/formList", form_list, kind=OPENROSA)
    router.add("GET", r"/projects/(?P<projectId>[^/]+)/datasets/(?P<name>[^/]+)/integrity",
               integrity, kind=OPENROSA)
    router.add("GET", _FORM + "/manifest", manifest, kind=OPENROSA)
    router.add("PATCH", _FORM + r"/draft/attachments/(?P<name>[^/]+)", link_attachment)
    router.add("PATCH", _FORM + r"/submissions/(?P<instanceId>[^/]+)", review)


def _attachment(row: sqlite3.Row, linked: bool) -> dict[str, object]:
    from sandbox.central.clock import iso

    out: dict[str, object] = {"name": row["name"], "type": row["type"],
                              "exists": row["content"] is not None or linked,
                              "blobExists": row["content"] is not None,
                              "datasetExists": linked}
    if row["updated_at"] is not None:
        out["updatedAt"] = iso(row["updated_at"])
    return out
