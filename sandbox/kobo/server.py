"""The KoboSandbox facade: token auth and routing on the shared HTTP server scaffolding."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from sandbox.common.server import RequestRecord, SandboxServer, wait_until_interrupted
from sandbox.kobo import routes_assets, routes_data, routes_files, routes_imports, routes_openrosa
from sandbox.kobo.context import Context
from sandbox.kobo.store import Store
from sandbox.kobo.web import Problem, Request, Response, Router, json_response

__all__ = ["DEFAULT_USERNAME", "KoboSandbox", "RequestRecord", "serve", "token_digest"]

DEFAULT_USERNAME = "odksync"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def build_router(ctx: Context) -> Router:
    router = Router()
    for module in (routes_imports, routes_files, routes_data, routes_assets, routes_openrosa):
        module.register(router, ctx)
    return router


class KoboSandbox(SandboxServer):
    """A local KoboToolbox-compatible server, its state kept under `data_dir`.

    One user owns everything; `token` is that user's API token (`Authorization: Token …`).
    """

    thread_name = "kobo-sandbox"
    reads_chunked = False  # this server has always read bodies by Content-Length only

    def __init__(self, data_dir: Path, *, token: str, host: str = "127.0.0.1", port: int = 0,
                 username: str = DEFAULT_USERNAME) -> None:
        super().__init__(data_dir, host=host, port=port, log_path=None)
        self.username = username
        self.store = Store(self.data_dir / "kobo.sqlite3")
        with self.store.write() as db:
            db.execute("DELETE FROM tokens WHERE username = ?", (username,))
            db.execute("INSERT INTO tokens (digest, username) VALUES (?, ?)",
                       (token_digest(token), username))
        self.ctx = Context(self.store, username)
        self._router = build_router(self.ctx)

    def _authenticate(self, headers: dict[str, str]) -> str:
        """DRF's TokenAuthentication: `Token <key>`; no header is 401, a wrong key too."""
        scheme, _, key = (headers.get("authorization") or "").partition(" ")
        if scheme.lower() != "token":
            raise Problem.detail(401, "Authentication credentials were not provided.")
        row = self.store.one("SELECT username FROM tokens WHERE digest = ?",
                             (token_digest(key.strip()),))
        if row is None:
            raise Problem.detail(401, "Invalid token.")
        return str(row["username"])

    def dispatch(self, method: str, target: str, headers: dict[str, str],
                 body: bytes) -> Response:
        parts = urlsplit(target)
        path = parts.path
        if path.endswith(".json"):  # DRF's format suffix: /data.json ≡ /data/?format=json
            path = path[: -len(".json")] + "/"
        found = self._router.match(method, path)
        if found is None:
            status = 405 if self._router.allows(path) else 404
            return json_response({"detail": "Not found." if status == 404 else
                                  f'Method "{method}" not allowed.'}, status)
        route, params = found
        base = f"http://{headers.get('host') or f'{self.host}:{self.port}'}"
        req = Request(method=method, path=path, query=dict(parse_qsl(parts.query)),
                      headers=headers, body=body, base=base, params=params)
        try:
            req.user = self._authenticate(headers)
            return route.handler(req)
        except Problem as err:
            response = json_response(err.body, err.status)
            if err.status == 401:
                response.headers.append(("WWW-Authenticate", "Token"))
            return response

    def fault_response(self, status: int) -> Response:
        return json_response({"detail": f"Injected fault: HTTP {status}."}, status)


def serve(data_dir: Path, port: int, token: str, host: str = "127.0.0.1") -> None:
    """Run in the foreground until Ctrl-C; prints the URL, never the token."""
    sandbox = KoboSandbox(data_dir, host=host, port=port, token=token).start()
    print(json.dumps({"kobo_sandbox": sandbox.url}), flush=True)
    wait_until_interrupted(sandbox)
