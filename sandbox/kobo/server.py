"""The HTTP server: token auth, routing, request log, faults, and the KoboSandbox facade."""

from __future__ import annotations

import hashlib
import json
import socket
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from sandbox.common.faults import Faults
from sandbox.kobo import routes_assets, routes_data, routes_files, routes_imports, routes_openrosa
from sandbox.kobo.context import Context
from sandbox.kobo.store import Store
from sandbox.kobo.web import Problem, Request, Response, Router, json_response

DEFAULT_USERNAME = "odksync"


@dataclass(frozen=True)
class RequestRecord:
    """One answered request, as tests inspect them (e.g. "a second deploy wrote nothing")."""

    method: str
    path: str
    query: str
    status: int
    at: datetime


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def build_router(ctx: Context) -> Router:
    router = Router()
    for module in (routes_imports, routes_files, routes_data, routes_assets, routes_openrosa):
        module.register(router, ctx)
    return router


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = -1  # headers and body leave in one write
    sandbox: KoboSandbox

    def setup(self) -> None:
        super().setup()
        # Small writes must not wait on delayed ACKs (keep-alive clients would stall 40 ms).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the request log records every request instead."""

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        response = self.sandbox.answer(self.command, self.path,
                                       {k.lower(): v for k, v in self.headers.items()}, body)
        self.send_response(response.status)
        for key, value in response.headers:
            self.send_header(key, value)
        if response.status not in (204, 304):
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD" and response.status not in (204, 304):
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle


class KoboSandbox:
    """A local KoboToolbox-compatible server, its state kept under `data_dir`.

    One user owns everything; `token` is that user's API token (`Authorization: Token …`).
    """

    def __init__(self, data_dir: Path, *, token: str, host: str = "127.0.0.1", port: int = 0,
                 username: str = DEFAULT_USERNAME) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.host, self._requested_port, self.username = host, port, username
        self.faults = Faults()
        self.request_log: list[RequestRecord] = []
        self._log_lock = threading.Lock()
        self.store = Store(self.data_dir / "kobo.sqlite3")
        with self.store.write() as db:
            db.execute("DELETE FROM tokens WHERE username = ?", (username,))
            db.execute("INSERT INTO tokens (digest, username) VALUES (?, ?)",
                       (token_digest(token), username))
        self.ctx = Context(self.store, username)
        self._router = build_router(self.ctx)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.server_address[1] if self._server else self._requested_port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

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

    def _dispatch(self, method: str, target: str, headers: dict[str, str],
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

    def answer(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Response:
        """Faults first, then the real handling; every answer is logged."""
        fault = self.faults.match(method, target)
        response: Response | None = None
        if fault is not None:
            if fault.delay_seconds:
                time.sleep(fault.delay_seconds)
            if fault.status is not None:
                response = json_response({"detail": f"Injected fault: HTTP {fault.status}."},
                                         fault.status)
                if fault.retry_after is not None:
                    response.headers.append(("Retry-After", str(fault.retry_after)))
        if response is None:
            response = self._dispatch(method, target, headers, body)
        parts = urlsplit(target)
        with self._log_lock:
            self.request_log.append(RequestRecord(method, parts.path, parts.query,
                                                  response.status, datetime.now(UTC)))
        return response

    def clear_request_log(self) -> None:
        with self._log_lock:
            self.request_log.clear()

    def start(self) -> KoboSandbox:
        handler = type("Handler", (_Handler,), {"sandbox": self})
        self._server = ThreadingHTTPServer((self.host, self._requested_port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name="kobo-sandbox")
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> KoboSandbox:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def serve(data_dir: Path, port: int, token: str, host: str = "127.0.0.1") -> None:
    """Run in the foreground until Ctrl-C; prints the URL, never the token."""
    sandbox = KoboSandbox(data_dir, host=host, port=port, token=token).start()
    print(json.dumps({"kobo_sandbox": sandbox.url}), flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
