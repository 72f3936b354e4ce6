"""Sessions, the current user and the role list."""

from __future__ import annotations

from typing import Any

from sandbox.central import problems
from sandbox.central.auth import create_session, live_session, verify_password
from sandbox.central.clock import iso
from sandbox.central.context import Context
from sandbox.central.records import actor_json
from sandbox.central.router import Request, Response, Router, json_response, success

# Central's seeded roles; ids follow the order of its migrations (App User is 2).
ROLES: list[dict[str, Any]] = [
    {"id": 1, "name": "Administrator", "system": "admin", "verbs": ["*"]},
    {"id": 2, "name": "App User", "system": "app-user",
     "verbs": ["form.read", "submission.create", "open_form.read"]},
    {"id": 5, "name": "Project Manager", "system": "manager",
     "verbs": ["project.read", "form.list", "form.read", "form.create", "form.update",
               "submission.read", "submission.list", "submission.create"]},
    {"id": 6, "name": "Project Viewer", "system": "viewer",
     "verbs": ["project.read", "form.list", "form.read", "submission.read", "submission.list"]},
    {"id": 7, "name": "Data Collector", "system": "formfill",
     "verbs": ["project.read", "form.list", "form.read", "submission.create", "open_form.list",
               "open_form.read"]},
    {"id": 8, "name": "Public Link", "system": "pub-link",
     "verbs": ["form.read", "submission.create", "open_form.read"]},
]
ROLE_CREATED_AT = "2018-12-12T00:00:00.000Z"


def role_id(text: str) -> int:
    """Central accepts a role's numeric id or its system name in URLs."""
    for role in ROLES:
        if text in (str(role["id"]), role["system"]):
            return int(role["id"])
    raise problems.not_found()


def _session_json(row: Any) -> dict[str, Any]:
    return {"token": row["token"], "csrf": row["csrf"], "expiresAt": iso(row["expires_at"]),
            "createdAt": iso(row["created_at"])}


def register(router: Router, ctx: Context) -> None:
    def login(req: Request) -> Response:
        body = req.json_body()
        email = body.get("email") if isinstance(body, dict) else None
        password = body.get("password") if isinstance(body, dict) else None
        if not email or not password:
            raise problems.missing_parameters(["email", "password"],
                                              {"email": email, "password": password})
        user = ctx.store.one("SELECT * FROM users WHERE email = ?", (email,))
        if user is None or not verify_password(str(password), user["password"]):
            raise problems.authentication_failed()
        with ctx.store.write() as db:
            session = create_session(db, ctx, user["actor_id"])
            db.execute("UPDATE users SET last_login_at = ? WHERE actor_id = ?",
                       (ctx.now(), user["actor_id"]))
        return json_response(_session_json(session))

    def logout(req: Request) -> Response:
        assert req.auth is not None
        token = req.auth.token if req.params["token"] == "current" else req.params["token"]
        session = live_session(ctx, token or "")
        if session is None:
            raise problems.not_found() if req.params["token"] == "current" \
                else problems.insufficient_rights()
        if session["actor_id"] != req.auth.actor_id:
            req.auth.require_admin()
        with ctx.store.write() as db:
            db.execute("DELETE FROM sessions WHERE token = ?", (session["token"],))
        return success()

    def current_user(req: Request) -> Response:
        assert req.auth is not None
        actor = ctx.store.one("SELECT * FROM actors WHERE id = ?", (req.auth.actor_id,))
        user = ctx.store.one("SELECT * FROM users WHERE actor_id = ?", (req.auth.actor_id,))
        if actor is None or user is None:
            raise problems.not_found()
        out = actor_json(actor)
        out.update({"email": user["email"], "lastLoginAt": iso(user["last_login_at"])})
        if (req.header("x-extended-metadata") or "").lower() == "true":
            out["verbs"] = ["*"] if req.auth.is_admin else []
        return json_response(out)

    def roles(req: Request) -> Response:
        return json_response([{**r, "createdAt": ROLE_CREATED_AT, "updatedAt": None}
                              for r in ROLES])

    def one_role(req: Request) -> Response:
        rid = role_id(req.params["id"])
        role = next(r for r in ROLES if r["id"] == rid)
        return json_response({**role, "createdAt": ROLE_CREATED_AT, "updatedAt": None})

    router.add("POST", "/sessions", login, anonymous=True)
    router.add("DELETE", "/sessions/(?P<token>[^/]+)", logout)
    router.add("GET", "/users/current", current_user)
    router.add("GET", "/roles", roles)
    router.add("GET", "/roles/(?P<id>[^/]+)", one_role)
