"""Submission routes: OpenRosa intake as Collect uses it, and the REST create/list/get."""

from __future__ import annotations

from sandbox.central import problems
from sandbox.central.context import Context
from sandbox.central.instance import parse_instance
from sandbox.central.multipart import parse_multipart
from sandbox.central.odata_feed import not_modified, selection_etag
from sandbox.central.records import form_or_404, project_or_404
from sandbox.central.router import OPENROSA, Request, Response, Router, json_response, xml_response
from sandbox.central.routes_versions import openrosa_edit
from sandbox.central.submissions_logic import (
    add_files,
    admin_submission_or_404,
    any_def,
    check_can_submit,
    create,
    existing,
    form_for_submission,
    submission_json,
)

XML_PART = "xml_submission_file"


def openrosa_message(message: str, nature: str = "", status: int = 201) -> Response:
    """Central's OpenRosa response template (formats/openrosa.js), with its headers."""
    body = ('\n  <OpenRosaResponse xmlns="http://openrosa.org/http/response" items="0">\n'
            f'    <message nature="{nature}">{message}</message>\n  </OpenRosaResponse>')
    response = xml_response(body, status, "text/xml")
    response.headers += openrosa_headers()
    return response


def openrosa_headers() -> list[tuple[str, str]]:
    # The http.server layer adds the Date header Central also sends here.
    return [("Content-Language", "en"), ("X-OpenRosa-Version", "1.0"),
            ("X-OpenRosa-Accept-Content-Length", "100000000")]


def openrosa_precheck(req: Request) -> None:
    """Central's openRosaPreprocessor, which runs before authentication."""
    header = req.header("x-openrosa-version")
    if header != "1.0":
        raise problems.invalid_header("X-OpenRosa-Version", header)


def register(router: Router, ctx: Context) -> None:
    def head(req: Request) -> Response:
        project_or_404(ctx, req.params["projectId"])
        response = Response(204, b"", openrosa_headers())
        response.headers.append(("Content-Type", "text/xml; charset=utf-8"))
        return response

    def openrosa_submit(req: Request) -> Response:
        assert req.auth is not None
        parts = parse_multipart(req.header("content-type") or "", req.body)
        xml_part = next((p for p in parts if p.name == XML_PART), None)
        if xml_part is None:
            raise problems.missing_multipart_field(XML_PART)
        inst = parse_instance(xml_part.data)
        project = project_or_404(ctx, req.params["projectId"])
        form, defn = form_for_submission(ctx, project["id"], inst)
        try:
            check_can_submit(ctx, req.auth, form)
        except problems.Problem as err:
            # Central turns a missing right into 401.2 on the OpenRosa intake.
            raise problems.authentication_failed() from err
        files = [p for p in parts if p.name != XML_PART]
        device, agent = req.query.get("deviceID"), req.header("user-agent")
        if inst.deprecated_id is not None:
            openrosa_edit(ctx, req.auth, form, defn, inst, files, device, agent)
            return openrosa_message("full submission upload was successful!")
        extant = any_def(ctx, form["id"], inst.instance_id)
        if extant is not None:
            if extant["deleted_at"] is not None:
                raise problems.duplicate_submission()
            if not extant["current"]:
                raise problems.deprecating_old_submission(inst.instance_id, "instanceId")
            if bytes(extant["xml"]) != inst.xml:
                raise problems.xml_conflict()
            add_files(ctx, extant, files)
        else:
            create(ctx, req.auth, form, defn, inst, files, device, agent)
        return openrosa_message("full submission upload was successful!")

    def rest_submit(req: Request) -> Response:
        assert req.auth is not None
        inst = parse_instance(req.body)
        project = project_or_404(ctx, req.params["projectId"])
        form, defn = form_for_submission(ctx, project["id"], inst, req.params["xmlFormId"])
        check_can_submit(ctx, req.auth, form)
        if inst.xml_form_id != req.params["xmlFormId"]:
            raise problems.unexpected_value("form id", inst.xml_form_id,
                                            "did not match the form ID in the URL")
        create(ctx, req.auth, form, defn, inst, [], req.query.get("deviceID"),
               req.header("user-agent"))
        row = existing(ctx, form["id"], inst.instance_id)
        assert row is not None
        return json_response(submission_json(ctx, row, False))

    def extended(req: Request) -> bool:
        return (req.header("x-extended-metadata") or "").lower() == "true"

    def list_submissions(req: Request) -> Response:
        """The REST list; `?deleted=true` lists the deleted ones, with the feed's ETag."""
        assert req.auth is not None
        form = form_or_404(ctx, req.params["projectId"], req.params["xmlFormId"])
        req.auth.require_admin()
        deleted = "IS NOT NULL" if req.flag("deleted") else "IS NULL"
        where = f"s.form_id = ? AND s.draft = 0 AND s.deleted_at {deleted}"
        tag = selection_etag(ctx.store.read(), where, [form["id"]],
                             "ORDER BY s.created_at DESC, s.id DESC")
        if (unchanged := not_modified(req, tag)) is not None:
            return unchanged
        rows = ctx.store.all(f"SELECT * FROM submissions s WHERE {where} "
                             "ORDER BY created_at DESC, id DESC", (form["id"],))
        response = json_response([submission_json(ctx, r, extended(req)) for r in rows])
        response.headers.append(("ETag", f'W/"{tag}"'))
        return response

    def one(req: Request) -> Response:
        _, row = admin_submission_or_404(ctx, req)
        if req.params.get("xml"):
            return xml_response(bytes(row["xml"]))
        return json_response(submission_json(ctx, row, extended(req)))

    project = r"/projects/(?P<projectId>[^/]+)"
    base = project + r"/forms/(?P<xmlFormId>[^/]+)/submissions"
    router.add("GET", project + "/submission", head, kind=OPENROSA)
    router.add("POST", project + "/submission", openrosa_submit, kind=OPENROSA)
    router.add("POST", base, rest_submit)
    router.add("GET", base, list_submissions)
    router.add("GET", base + r"/(?P<instanceId>[^/]+?)(?P<xml>\.xml)", one)
    router.add("GET", base + r"/(?P<instanceId>[^/]+)", one)
