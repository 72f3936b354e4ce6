"""A local HTTPS endpoint that takes partner-agency files, for the delivery tests.

Its certificate comes from a throwaway CA (trustme), so a client verifies TLS against `ca_file` exactly
as it would against a real server. It records every request, answers the statuses a test scripts
before accepting, and honours Idempotency-Key: a file whose key it already accepted is answered with
the same receipt and not counted again.
"""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import trustme


@dataclass
class Inbox:
    url: str
    ca_file: Path
    token: str
    requests: list[dict[str, object]] = field(default_factory=list)
    accepted: dict[str, bytes] = field(default_factory=dict)  # idempotency key → the file
    script: list[int] = field(default_factory=list)  # statuses to answer, in order, before accepting


@pytest.fixture
def https_inbox(tmp_path: Path) -> Iterator[Inbox]:
    authority = trustme.CA()
    certificate = authority.issue_cert("127.0.0.1", "localhost")
    ca_file = tmp_path / "inbox-ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    lock = threading.Lock()
    inbox = Inbox(url="", ca_file=ca_file, token="tok-" + "7" * 24)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with lock:
                inbox.requests.append({"path": self.path, "headers": dict(self.headers.items()),
                                       "body": body})
                if self.headers.get("Authorization") != f"Bearer {inbox.token}":
                    return self._answer(401, {"error": "bad token"})
                if inbox.script:
                    return self._answer(inbox.script.pop(0), {"error": "scripted"})
                key = self.headers.get("Idempotency-Key") or ""
                if key not in inbox.accepted:
                    inbox.accepted[key] = body
                receipt = f"rcpt-{list(inbox.accepted).index(key) + 1}"
            self._answer(201, {"receipt": receipt, "bytes": len(body)})

        def _answer(self, status: int, document: dict[str, object]) -> None:
            payload = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            pass  # quiet: the test reads `requests`

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate.configure_cert(context)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    inbox.url = f"https://127.0.0.1:{server.server_address[1]}/partners/inbox"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield inbox
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
