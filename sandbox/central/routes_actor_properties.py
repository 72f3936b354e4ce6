"""Actor property names of a project, and one app user: read it, set or unset its values."""

from __future__ import annotations

import sqlite3

from sandbox.central import actor_properties, problems
from sandbox.central.context import Context
from sandbox.central.records import project_or_404
from sandbox.central.router import Request, Response, Router, json_response, success
from sandbox.central.routes_projects import app_user_json

PROJECT = r"/projects/(?P<projectId>[^/]+)"


def _app_user_or_404(ctx: Context, project_id: int, actor_id: str) -> sqlite3.Row:
    row = ctx.store.one("SELECT a.* FROM actors a JOIN field_keys k ON k.actor_id = a.id WHERE "
                        "k.actor_id = ? AND k.project_id = ? AND a.deleted_at IS NULL",
                        (int(actor_id) if actor_id.isdigit() else -1, project_id))
    if row is None:
        raise problems.not_found()
    return row


def register(router: Router, ctx: Context) -> None:
    def extended(req: Request) -> bool:
        return (req.header("x-extended-metadata") or "").lower() == "true"

    def list_names(req: Request) -> Response:
        assert req.auth is not None
        project = project_or_404(ctx, req.params["projectId"])
        req.auth.require_admin()
        if extended(req):
            return json_response(actor_properties.with_values(ctx, project["id"]))
        return json_response([{"name": n} for n in actor_properties.names(ctx, project["id"])])

    def create_name(req: Request) -> Response:
        assert req.auth is not None
        project = project_or_404(ctx, req.params["projectId"])
        req.auth.require_admin()
        body = req.json_body()
        actor_properties.create(ctx, project["id"], body.get("name") if isinstance(body, dict)
                                else None)
        return success()

    def get_app_user(req: Request) -> Response:
        assert req.auth is not None
        project = project_or_404(ctx, req.params["projectId"])
        req.auth.require_admin()
        actor = _app_user_or_404(ctx, project["id"], req.params["actorId"])
        return json_response(app_user_json(ctx, actor, extended(req)))

    def patch_app_user(req: Request) -> Response:
        assert req.auth is not None
        project = project_or_404(ctx, req.params["projectId"])
        req.auth.require_admin()
        actor = _app_user_or_404(ctx, project["id"], req.params["actorId"])
        body = req.json_body()
        wanted = body.get("properties") if isinstance(body, dict) else None
        if wanted is not None:
            values = actor_properties.extract(ctx, project["id"], wanted)
            with ctx.store.write() as db:
                actor_properties.set_values(db, project["id"], actor["id"], values)
        return json_response(app_user_json(ctx, actor, True))

    router.add("GET", PROJECT + "/actor-properties", list_names)
    router.add("POST", PROJECT + "/actor-properties", create_name)
    router.add("GET", PROJECT + r"/app-users/(?P<actorId>[^/]+)", get_app_user)
    router.add("PATCH", PROJECT + r"/app-users/(?P<actorId>[^/]+)", patch_app_user)
