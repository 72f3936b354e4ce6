"""Submission edits (OpenRosa with deprecatedID, REST PUT) and the `…/versions` subresource."""

from __future__ import annotations

import sqlite3

from sandbox.central import problems
from sandbox.central.auth import Auth
from sandbox.central.context import Context
from sandbox.central.instance import Instance, parse_instance
from sandbox.central.records import project_or_404
from sandbox.central.router import Request, Response, Router, json_response, xml_response
from sandbox.central.submissions_logic import (
    add_files,
    admin_submission_or_404,
    any_def,
    check_can_submit,
    create_version,
    existing,
    form_for_submission,
    submission_json,
    version_json,
)
from sandbox.common.multipart import Part


def openrosa_edit(ctx: Context, auth: Auth, form: sqlite3.Row, defn: sqlite3.Row,
                  inst: Instance, files: list[Part], device: str | None,
                  agent: str | None) -> None:
    """Collect's edit: `meta/deprecatedID` names the version being replaced.

    As Central: an unknown deprecatedID is 404.5; a deprecated version that is no longer
    current is 409.9 unless this very submission already replaced it (then it is a
    resubmission bringing missing media, which must carry identical XML, else 409.1).
    """
    assert inst.deprecated_id is not None
    deprecated = any_def(ctx, form["id"], inst.deprecated_id)
    if deprecated is None:
        raise problems.deprecated_id_not_found(inst.deprecated_id)
    if deprecated["current"]:
        create_version(ctx, auth, form, defn, deprecated, inst, files, device, agent)
        return
    usurper = any_def(ctx, form["id"], inst.instance_id)
    if usurper is None or not usurper["current"]:
        raise problems.deprecating_old_submission(inst.deprecated_id)
    if bytes(usurper["xml"]) != inst.xml:
        raise problems.xml_conflict()
    add_files(ctx, usurper, files)


def register(router: Router, ctx: Context) -> None:
    def put_edit(req: Request) -> Response:
        """REST edit: the body's deprecatedID must be the current version's instanceID."""
        assert req.auth is not None
        inst = parse_instance(req.body)
        if inst.xml_form_id != req.params["xmlFormId"]:
            raise problems.unexpected_value("form id", inst.xml_form_id,
                                            "did not match the form ID in the URL")
        if inst.deprecated_id is None:
            raise problems.expected_deprecation()
        form, row = admin_submission_or_404(ctx, req)
        current = ctx.store.one("SELECT * FROM submission_defs WHERE id = ?",
                                (row["current_def_id"],))
        assert current is not None
        if current["instance_id"] != inst.deprecated_id:
            raise problems.deprecating_old_submission(inst.deprecated_id)
        project = project_or_404(ctx, req.params["projectId"])
        form, defn = form_for_submission(ctx, project["id"], inst, req.params["xmlFormId"])
        check_can_submit(ctx, req.auth, form)
        create_version(ctx, req.auth, form, defn, current, inst, [],
                       req.query.get("deviceID"), req.header("user-agent"))
        fresh = existing(ctx, form["id"], req.params["instanceId"])
        assert fresh is not None
        return json_response(submission_json(ctx, fresh, False))

    def versions(req: Request) -> Response:
        _, row = admin_submission_or_404(ctx, req)
        defs = ctx.store.all(
            "SELECT d.*, f.version AS form_version FROM submission_defs d JOIN form_defs f "
            "ON f.id = d.form_def_id WHERE d.submission_id = ? ORDER BY d.id DESC", (row["id"],))
        return json_response([version_json(d, d["form_version"]) for d in defs])

    def one_version(req: Request) -> Response:
        form, _ = admin_submission_or_404(ctx, req)
        found = ctx.store.one(
            "SELECT d.*, f.version AS form_version FROM submission_defs d JOIN form_defs f "
            "ON f.id = d.form_def_id WHERE d.form_id = ? AND d.instance_id = ?",
            (form["id"], req.params["versionId"]))
        # Central looks the version up in the whole form; only the root must exist.
        if found is None:
            raise problems.not_found()
        if req.params.get("xml"):
            return xml_response(bytes(found["xml"]))
        return json_response(version_json(found, found["form_version"]))

    base = (r"/projects/(?P<projectId>[^/]+)/forms/(?P<xmlFormId>[^/]+)/submissions/"
            r"(?P<instanceId>[^/]+)")
    router.add("PUT", base, put_edit)
    router.add("GET", base + "/versions", versions)
    router.add("GET", base + r"/versions/(?P<versionId>[^/]+?)(?P<xml>\.xml)", one_version)
    router.add("GET", base + r"/versions/(?P<versionId>[^/]+)", one_version)
