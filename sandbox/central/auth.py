"""Who is asking: bearer sessions, app-user keys, Basic auth refusal, and what they may do."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import timedelta

from sandbox.central import problems
from sandbox.central.clock import stamp
from sandbox.central.context import Context
from sandbox.central.router import Request

SESSION_LIFETIME = timedelta(seconds=86400)  # Central's config default.sessionLifetime
APP_USER_EXPIRY = "9999-12-31T23:59:59.000000Z"  # app-user sessions never expire in Central
ADMIN_ROLE, APP_USER_ROLE = 1, 2
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9!$]{64}$")


@dataclass(frozen=True)
class Auth:
    """The authenticated actor of one request."""

    actor_id: int
    actor_type: str  # "user" or "field_key"
    is_admin: bool
    project_id: int | None  # an app user's project
    token: str | None

    def require_admin(self) -> None:
        if not self.is_admin:
            raise problems.insufficient_rights()


def generate_token() -> str:
    """48 random bytes in base64 with / and + swapped for ! and $, as Central makes tokens."""
    raw = base64.b64encode(secrets.token_bytes(48)).decode("ascii")
    return raw.replace("/", "!").replace("+", "$")


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, 20_000)
    return f"{salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    salt_hex, _, _digest = stored.partition("$")
    return hmac.compare_digest(hash_password(password, bytes.fromhex(salt_hex)), stored)


def create_session(db: sqlite3.Connection, ctx: Context, actor_id: int,
                   expires_at: str | None = None) -> sqlite3.Row:
    now = ctx.clock.now()
    token = generate_token()
    expiry = expires_at or stamp(now + SESSION_LIFETIME)
    db.execute("INSERT INTO sessions (token, actor_id, csrf, created_at, expires_at) "
               "VALUES (?, ?, ?, ?, ?)", (token, actor_id, generate_token(), stamp(now), expiry))
    row: sqlite3.Row = db.execute("SELECT * FROM sessions WHERE token = ?", (token,)).fetchone()
    return row


def live_session(ctx: Context, token: str) -> sqlite3.Row | None:
    """The session for a token if it is well formed and not expired (no sliding expiry)."""
    if not _TOKEN_SHAPE.match(token):
        return None
    return ctx.store.one(
        "SELECT s.*, a.type, a.deleted_at AS actor_deleted FROM sessions s "
        "JOIN actors a ON a.id = s.actor_id WHERE s.token = ? AND s.expires_at > ?",
        (token, ctx.now()))


def _auth_for(ctx: Context, actor_id: int, actor_type: str, token: str | None) -> Auth:
    is_admin = ctx.store.one("SELECT 1 FROM site_roles WHERE actor_id = ? AND role_id = ?",
                             (actor_id, ADMIN_ROLE)) is not None
    project_id = None
    if actor_type == "field_key":
        key = ctx.store.one("SELECT project_id FROM field_keys WHERE actor_id = ?", (actor_id,))
        project_id = key["project_id"] if key else None
    return Auth(actor_id, actor_type, is_admin, project_id, token)


def authenticate(ctx: Context, req: Request) -> Auth:
    """Mirror Central's authHandler: key prefix first, then Bearer, then Basic (https only)."""
    header = req.header("authorization") or ""
    if req.field_key is not None:
        # Central answers 403 rather than 401 for a well-formed key it does not know, so
        # that clients do not prompt for credentials.
        if not _TOKEN_SHAPE.match(req.field_key):
            raise problems.authentication_failed()
        session = live_session(ctx, req.field_key)
        if session is None or session["type"] != "field_key" or session["actor_deleted"]:
            raise problems.insufficient_rights()
        return _auth_for(ctx, session["actor_id"], "field_key", req.field_key)
    if header.startswith("Bearer "):
        session = live_session(ctx, header[7:])
        if session is None:
            raise problems.authentication_failed()
        return _auth_for(ctx, session["actor_id"], session["type"], header[7:])
    if header.startswith("Basic "):
        # The sandbox only speaks plain http, where Central refuses Basic auth.
        if req.header("x-forwarded-proto") != "https":
            raise problems.https_only()
        return _basic(ctx, header[6:])
    if header or req.header("cookie") is not None:
        if not header:
            raise problems.https_only()  # cookie auth is also https-only in Central
        raise problems.authentication_failed()
    raise problems.authentication_failed()


def _basic(ctx: Context, encoded: str) -> Auth:
    try:
        plain = base64.b64decode(encoded).decode("utf-8")
    except (ValueError, UnicodeDecodeError) as err:
        raise problems.authentication_failed() from err
    found = re.match(r"^([^:]+):(.+)$", plain)
    if not found:
        raise problems.authentication_failed()
    user = ctx.store.one("SELECT * FROM users WHERE email = ?", (found.group(1),))
    if user is None or not verify_password(found.group(2), user["password"]):
        raise problems.authentication_failed()
    return _auth_for(ctx, user["actor_id"], "user", None)


def can_use_form(ctx: Context, auth: Auth, form_id: int) -> bool:
    """Admins may do anything; app users only what their form assignment allows."""
    if auth.is_admin:
        return True
    return ctx.store.one("SELECT 1 FROM form_assignments WHERE form_id = ? AND actor_id = ?",
                         (form_id, auth.actor_id)) is not None
