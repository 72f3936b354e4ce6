"""Threaded HTTP scaffolding both sandboxes share: keep-alive handler, faults, request log."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

from sandbox.common.faults import CUT_CHUNKED, DROP, DROP_AFTER_HEADERS, STATUS, TRUNCATE, Fault, Faults
from sandbox.common.router import Response

_TOKEN_IN_PATH = re.compile(r"(/(?:key|test|sessions)/)(?!current(?:/|$))[^/]+")


@dataclass(frozen=True)
class RequestRecord:
    """One answered request, as tests and the demo inspect them (e.g. "a second deploy wrote nothing")."""

    method: str
    path: str
    query: str
    status: int  # 0 when an injected fault dropped the connection before the request was handled
    at: datetime
    fault: str | None = None  # the kind of injected fault this request met, if any


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = -1  # headers and body leave in one write; http.server flushes per request
    sandbox: SandboxServer

    def setup(self) -> None:
        super().setup()
        # Small writes must not wait on delayed ACKs (keep-alive clients would stall 40 ms).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the request log records every request instead."""

    def _body(self) -> bytes:
        if self.sandbox.reads_chunked and (
                self.headers.get("Transfer-Encoding") or "").lower() == "chunked":
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
        response, fault = self.sandbox.answer(self.command, self.path,
                                              {k.lower(): v for k, v in self.headers.items()}, body)
        if fault is not None and fault.cuts_answer:
            self._cut(response, fault)
            return
        assert response is not None
        self.send_response(response.status)
        for key, value in response.headers:
            self.send_header(key, value)
        if response.status not in (204, 304):  # RFC 9110 forbids a length on these
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD" and response.status not in (204, 304):
            self.wfile.write(response.body)

    def _cut(self, response: Response | None, fault: Fault) -> None:
        """Send the answer broken the way `fault` says, then close the connection."""
        self.close_connection = True
        has_body = (response is not None and response.body and self.command != "HEAD"
                    and response.status not in (204, 304))
        if response is None or fault.kind == DROP or not has_body:
            return  # nothing written: the connection closes without a byte
        body = response.body
        kept = body[: int(len(body) * fault.keep)]  # always short: keep < 1
        self.send_response(response.status)
        for key, value in response.headers:
            self.send_header(key, value)
        self.send_header("Connection", "close")
        if fault.kind in (DROP_AFTER_HEADERS, TRUNCATE):
            self.send_header("Content-Length", str(len(body)))
        elif fault.kind == CUT_CHUNKED:
            self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()  # cut_unframed: no length, the body ends with the connection
        if fault.kind == CUT_CHUNKED:
            half = len(kept) // 2
            for chunk in (kept[:half], kept[half:]):
                if chunk:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        elif fault.kind != DROP_AFTER_HEADERS:
            self.wfile.write(kept)
        self.wfile.flush()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle


class SandboxServer:
    """A local server with its state under `data_dir`; subclasses say how to answer a request.

    Every request meets the injected faults first, then `dispatch`; every answer is logged in
    `request_log` and, when `log_path` is given, appended to that file as a JSON line.
    """

    thread_name = "sandbox"
    reads_chunked = True  # whether a `Transfer-Encoding: chunked` request body is decoded

    def __init__(self, data_dir: Path, *, host: str, port: int, log_path: Path | None) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.host, self._requested_port = host, port
        self.faults = Faults()
        self.request_log: list[RequestRecord] = []
        self._log_lock = threading.Lock()
        self._log_path = log_path
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.server_address[1] if self._server else self._requested_port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def dispatch(self, method: str, target: str, headers: dict[str, str],
                 body: bytes) -> Response:
        """The real handling of one request."""
        raise NotImplementedError

    def fault_response(self, status: int) -> Response:
        """The body an injected fault answers with, in the server's own error shape."""
        raise NotImplementedError

    def answer(self, method: str, target: str, headers: dict[str, str],
               body: bytes) -> tuple[Response | None, Fault | None]:
        """Faults first, then the real handling; every request is logged.

        Returns the answer (None when a fault drops the request unhandled) and the fault that
        fired, which the handler applies to the way the answer is sent.
        """
        fault = self.faults.match(method, target)
        response: Response | None = None
        if fault is not None:
            if fault.delay_seconds:
                time.sleep(fault.delay_seconds)
            if fault.kind == STATUS and fault.status is not None:
                response = self.fault_response(fault.status)
                if fault.retry_after is not None:
                    response.headers.append(("Retry-After", str(fault.retry_after)))
        if response is None and (fault is None or fault.handles_request):
            response = self.dispatch(method, target, headers, body)
        parts = urlsplit(target)
        self._record(RequestRecord(method, parts.path, parts.query,
                                   response.status if response is not None else 0,
                                   datetime.now(UTC), fault.kind if fault is not None else None))
        return response, fault

    def _record(self, record: RequestRecord) -> None:
        with self._log_lock:
            self.request_log.append(record)
            if self._log_path is not None:
                # Tokens in paths (app-user keys, revoked sessions) are credentials: not on disk.
                line = json.dumps({"method": record.method, "path": _TOKEN_IN_PATH.sub(
                                   r"\1***", record.path),
                                   "query": record.query, "status": record.status,
                                   "at": record.at.isoformat(), "fault": record.fault})
                with self._log_path.open("a", encoding="utf-8") as fh:
                    fh.write(line + "\n")

    def clear_request_log(self) -> None:
        with self._log_lock:
            self.request_log.clear()

    def start(self) -> Self:
        handler = type("Handler", (_Handler,), {"sandbox": self})
        self._server = ThreadingHTTPServer((self.host, self._requested_port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name=self.thread_name)
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

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def wait_until_interrupted(sandbox: SandboxServer) -> None:
    """Block the foreground until Ctrl-C, then stop the (already started) server."""
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
