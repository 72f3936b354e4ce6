"""The HTTP server: keep-alive handler, request log, faults, and the CentralSandbox facade."""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from sandbox.central.auth import ADMIN_ROLE, hash_password
from sandbox.central.clock import Clock
from sandbox.central.context import Context
from sandbox.central.dispatch import build_router, dispatch
from sandbox.central.entities_schema import install as install_entity_tables
from sandbox.central.entity_worker import EntityWorker
from sandbox.central.router import Response, json_response
from sandbox.central.store import Store
from sandbox.common.faults import Faults


@dataclass(frozen=True)
class RequestRecord:
    """One answered request, as tests and the demo inspect them."""

    method: str
    path: str
    query: str
    status: int
    at: datetime


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = -1  # headers and body leave in one write; http.server flushes per request
    sandbox: CentralSandbox

    def setup(self) -> None:
        super().setup()
        # Small writes must not wait on delayed ACKs (keep-alive clients would stall 40 ms).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the request log file records every request instead."""

    def _body(self) -> bytes:
        if (self.headers.get("Transfer-Encoding") or "").lower() == "chunked":
            data = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return bytes(data)
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self) -> None:
        body = self._body()
        response = self.sandbox.answer(self.command, self.path,
                                       {k.lower(): v for k, v in self.headers.items()}, body)
        self.send_response(response.status)
        for key, value in response.headers:
            self.send_header(key, value)
        if response.status not in (204, 304):  # RFC 9110 forbids a length on these
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD" and response.status not in (204, 304):
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle


class CentralSandbox:
    """A local ODK Central–compatible server, its state kept under `data_dir`."""

    def __init__(self, data_dir: Path, *, host: str = "127.0.0.1", port: int = 0,
                 admin_email: str = "admin@odksync.local", admin_password: str,
                 domain: str | None = None, entity_delay: float = 0.2) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.host, self._requested_port, self._domain = host, port, domain
        self.faults = Faults()
        self.request_log: list[RequestRecord] = []
        self._log_lock = threading.Lock()
        self._log_path = self.data_dir / "central-requests.log"
        self.clock = Clock()
        self.store = Store(self.data_dir / "central.sqlite3")
        install_entity_tables(self.store)
        self.ctx = Context(self.store, self.clock, self._public_url)
        self.entity_worker = EntityWorker(self.ctx, entity_delay)
        self.ctx.entity_worker = self.entity_worker
        self._router = build_router(self.ctx)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._ensure_admin(admin_email, admin_password)

    def _public_url(self) -> str:
        return (self._domain or self.url).rstrip("/")

    @property
    def port(self) -> int:
        return self._server.server_address[1] if self._server else self._requested_port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _ensure_admin(self, email: str, password: str) -> None:
        """Create the administrator on first start; later starts only reset its password."""
        with self.store.write() as db:
            user = db.execute("SELECT actor_id FROM users WHERE email = ?", (email,)).fetchone()
            if user is None:
                cur = db.execute("INSERT INTO actors (type, display_name, created_at) VALUES "
                                 "('user', ?, ?)", (email, self.ctx.now()))
                db.execute("INSERT INTO users (actor_id, email, password) VALUES (?, ?, ?)",
                           (cur.lastrowid, email, hash_password(password)))
                db.execute("INSERT INTO site_roles (actor_id, role_id) VALUES (?, ?)",
                           (cur.lastrowid, ADMIN_ROLE))
            else:
                db.execute("UPDATE users SET password = ? WHERE actor_id = ?",
                           (hash_password(password), user["actor_id"]))

    def answer(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Response:
        """Faults first, then the real handling; every answer is logged."""
        fault = self.faults.match(method, target)
        response: Response | None = None
        if fault is not None:
            if fault.delay_seconds:
                time.sleep(fault.delay_seconds)
            if fault.status is not None:
                response = json_response({"message": f"Injected fault: HTTP {fault.status}.",
                                          "code": fault.status}, fault.status)
                if fault.retry_after is not None:
                    response.headers.append(("Retry-After", str(fault.retry_after)))
        if response is None:
            response = dispatch(self.ctx, self._router, method, target, headers, body)
        parts = urlsplit(target)
        self._record(RequestRecord(method, parts.path, parts.query, response.status,
                                   datetime.now(UTC)))
        return response

    def _record(self, record: RequestRecord) -> None:
        line = json.dumps({"method": record.method, "path": record.path, "query": record.query,
                           "status": record.status, "at": record.at.isoformat()})
        with self._log_lock:
            self.request_log.append(record)
            with self._log_path.open("a", encoding="utf-8") as fh:
                fh.write(line + "\n")

    def clear_request_log(self) -> None:
        with self._log_lock:
            self.request_log.clear()

    def advance_clock(self, delta: timedelta) -> None:
        self.clock.advance(delta)

    def now(self) -> datetime:
        return self.clock.now()

    def drain_entity_queue(self) -> int:
        """Run the entity worker's pending events now (tests wait on this, not on time)."""
        return self.entity_worker.drain()

    def entity_errors(self) -> list[dict[str, Any]]:
        """Entity processing failures, as Central's `entity.error` audit events record them."""
        rows = self.store.all("SELECT * FROM entity_errors ORDER BY id")
        return [{"submissionId": r["submission_id"], "message": r["message"],
                 "code": r["code"]} for r in rows]

    def start(self) -> CentralSandbox:
        self.entity_worker.start()
        handler = type("Handler", (_Handler,), {"sandbox": self})
        self._server = ThreadingHTTPServer((self.host, self._requested_port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name="central-sandbox")
        self._thread.start()
        return self

    def stop(self) -> None:
        self.entity_worker.stop()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> CentralSandbox:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def serve(data_dir: Path, port: int, admin_email: str, admin_password: str,
          host: str = "127.0.0.1") -> None:
    """Run in the foreground until Ctrl-C; prints the URL, never the password."""
    sandbox = CentralSandbox(data_dir, host=host, port=port, admin_email=admin_email,
                             admin_password=admin_password).start()
    print(f"ODK Central sandbox listening on {sandbox.url} (admin {admin_email})", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
