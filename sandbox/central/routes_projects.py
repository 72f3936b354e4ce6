"""Projects, app users (field keys) and form assignments."""

from __future__ import annotations

from typing import Any

from sandbox.central import actor_properties, problems
from sandbox.central.auth import APP_USER_EXPIRY, create_session
from sandbox.central.clock import iso
from sandbox.central.context import Context
from sandbox.central.records import actor_json, form_or_404, project_json, project_or_404
from sandbox.central.router import Request, Response, Router, json_response, success
from sandbox.central.routes_auth import role_id


def _extended(ctx: Context, row: Any) -> dict[str, Any]:
    out = project_json(row)
    counts = ctx.store.one(
        "SELECT (SELECT COUNT(*) FROM forms WHERE project_id = :p) AS forms, "
        "(SELECT COUNT(*) FROM field_keys k JOIN actors a ON a.id = k.actor_id "
        " WHERE k.project_id = :p AND a.deleted_at IS NULL) AS app_users, "
        "(SELECT MAX(s.created_at) FROM submissions s JOIN forms f ON f.id = s.form_id "
        " WHERE f.project_id = :p) AS last", {"p": row["id"]})  # type: ignore[arg-type]
    out.update({"forms": counts["forms"] if counts else 0,
                "appUsers": counts["app_users"] if counts else 0,
                "lastSubmission": iso(counts["last"]) if counts else None,
                "datasets": 0, "lastEntity": None})
    return out


def app_user_json(ctx: Context, actor: Any, extended: bool) -> dict[str, Any]:
    key = ctx.store.one("SELECT * FROM field_keys WHERE actor_id = ?", (actor["id"],))
    session = ctx.store.one("SELECT token FROM sessions WHERE actor_id = ?", (actor["id"],))
    out = actor_json(actor)
    out.update({"projectId": key["project_id"] if key else None,
                "token": session["token"] if session else None})
    if extended and key is not None:
        creator = ctx.store.one("SELECT * FROM actors WHERE id = ?", (key["created_by"],))
        out.update({"createdBy": actor_json(creator) if creator else None, "lastUsed": None,
                    "properties": actor_properties.of_actor(ctx, actor["id"])})
    return out


def register(router: Router, ctx: Context) -> None:
    def extended(req: Request) -> bool:
        return (req.header("x-extended-metadata") or "").lower() == "true"

    def list_projects(req: Request) -> Response:
        assert req.auth is not None
        rows = ctx.store.all("SELECT * FROM projects ORDER BY name, id")
        if not req.auth.is_admin:
            rows = [r for r in rows if r["id"] == req.auth.project_id]
        return json_response([_extended(ctx, r) if extended(req) else project_json(r)
                              for r in rows])

    def create_project(req: Request) -> Response:
        assert req.auth is not None
        req.auth.require_admin()
        body = req.json_body()
        name = body.get("name") if isinstance(body, dict) else None
        if not name:
            raise problems.missing_parameter("name")
        with ctx.store.write() as db:
            cur = db.execute("INSERT INTO projects (name, description, archived, created_at) "
                             "VALUES (?, ?, ?, ?)", (name, body.get("description"),
                                                     body.get("archived"), ctx.now()))
            row = db.execute("SELECT * FROM projects WHERE id = ?", (cur.lastrowid,)).fetchone()
        return json_response(project_json(row))

    def get_project(req: Request) -> Response:
        assert req.auth is not None
        row = project_or_404(ctx, req.params["id"])
        req.auth.require_admin()
        return json_response(_extended(ctx, row) if extended(req) else project_json(row))

    def list_app_users(req: Request) -> Response:
        assert req.auth is not None
        project = project_or_404(ctx, req.params["id"])
        req.auth.require_admin()
        actors = ctx.store.all(
            "SELECT a.* FROM actors a JOIN field_keys k ON k.actor_id = a.id "
            "WHERE k.project_id = ? AND a.deleted_at IS NULL ORDER BY EXISTS (SELECT 1 FROM "
            "sessions s WHERE s.actor_id = a.id) DESC, a.created_at DESC, a.id DESC",
            (project["id"],))
        return json_response([app_user_json(ctx, a, extended(req)) for a in actors])

    def create_app_user(req: Request) -> Response:
        assert req.auth is not None
        project = project_or_404(ctx, req.params["id"])
        req.auth.require_admin()
        body = req.json_body()
        name = body.get("displayName") if isinstance(body, dict) else None
        if not name:
            raise problems.missing_parameter("displayName")
        wanted = body.get("properties")
        values = actor_properties.extract(ctx, project["id"], wanted) if wanted is not None else {}
        with ctx.store.write() as db:
            cur = db.execute("INSERT INTO actors (type, display_name, created_at) VALUES "
                             "('field_key', ?, ?)", (name, ctx.now()))
            actor_id = cur.lastrowid
            db.execute("INSERT INTO field_keys (actor_id, project_id, created_by) VALUES "
                       "(?, ?, ?)", (actor_id, project["id"], req.auth.actor_id))
            assert actor_id is not None
            create_session(db, ctx, actor_id, APP_USER_EXPIRY)
            actor_properties.set_values(db, project["id"], actor_id, values)
        actor = ctx.store.one("SELECT * FROM actors WHERE id = ?", (actor_id,))
        return json_response(app_user_json(ctx, actor, False))

    def delete_app_user(req: Request) -> Response:
        assert req.auth is not None
        project = project_or_404(ctx, req.params["id"])
        req.auth.require_admin()
        key = ctx.store.one("SELECT k.* FROM field_keys k JOIN actors a ON a.id = k.actor_id "
                            "WHERE k.actor_id = ? AND k.project_id = ? AND a.deleted_at IS NULL",
                            (int(req.params["actorId"]) if req.params["actorId"].isdigit()
                             else -1, project["id"]))
        if key is None:
            raise problems.not_found()
        with ctx.store.write() as db:
            db.execute("UPDATE actors SET deleted_at = ? WHERE id = ?", (ctx.now(),
                                                                        key["actor_id"]))
            db.execute("DELETE FROM sessions WHERE actor_id = ?", (key["actor_id"],))
            db.execute("DELETE FROM form_assignments WHERE actor_id = ?", (key["actor_id"],))
        return success()

    def form_assignments(req: Request) -> Response:
        assert req.auth is not None
        form = form_or_404(ctx, req.params["projectId"], req.params["xmlFormId"])
        req.auth.require_admin()
        rows = ctx.store.all("SELECT actor_id, role_id FROM form_assignments WHERE form_id = ?",
                             (form["id"],))
        return json_response([{"actorId": r["actor_id"], "roleId": r["role_id"]} for r in rows])

    def assign(req: Request) -> Response:
        assert req.auth is not None
        form = form_or_404(ctx, req.params["projectId"], req.params["xmlFormId"])
        req.auth.require_admin()
        rid = role_id(req.params["roleId"])
        actor = ctx.store.one("SELECT * FROM actors WHERE id = ? AND deleted_at IS NULL",
                              (int(req.params["actorId"]) if req.params["actorId"].isdigit()
                               else -1,))
        if actor is None:
            raise problems.not_found()
        with ctx.store.write() as db:
            exists = db.execute("SELECT 1 FROM form_assignments WHERE form_id = ? AND "
                                "role_id = ? AND actor_id = ?",
                                (form["id"], rid, actor["id"])).fetchone()
            if exists:
                raise problems.uniqueness_violation(["actorId", "roleId", "acteeId"],
                                                    [actor["id"], rid, form["id"]],
                                                    "assignments")
            db.execute("INSERT INTO form_assignments (form_id, role_id, actor_id) VALUES "
                       "(?, ?, ?)", (form["id"], rid, actor["id"]))
        return success()

    def unassign(req: Request) -> Response:
        assert req.auth is not None
        form = form_or_404(ctx, req.params["projectId"], req.params["xmlFormId"])
        req.auth.require_admin()
        rid = role_id(req.params["roleId"])
        with ctx.store.write() as db:
            cur = db.execute("DELETE FROM form_assignments WHERE form_id = ? AND role_id = ? "
                             "AND actor_id = ?", (form["id"], rid, req.params["actorId"]))
            if cur.rowcount == 0:
                raise problems.not_found()
        return success()

    router.add("GET", "/projects", list_projects)
    router.add("POST", "/projects", create_project)
    router.add("GET", r"/projects/(?P<id>[^/]+)", get_project)
    router.add("GET", r"/projects/(?P<id>[^/]+)/app-users", list_app_users)
    router.add("POST", r"/projects/(?P<id>[^/]+)/app-users", create_app_user)
    router.add("DELETE", r"/projects/(?P<id>[^/]+)/app-users/(?P<actorId>[^/]+)",
               delete_app_user)
    base = r"/projects/(?P<projectId>[^/]+)/forms/(?P<xmlFormId>[^/]+)/assignments"
    router.add("GET", base, form_assignments)
    router.add("POST", base + r"/(?P<roleId>[^/]+)/(?P<actorId>[^/]+)", assign)
    router.add("DELETE", base + r"/(?P<roleId>[^/]+)/(?P<actorId>[^/]+)", unassign)
