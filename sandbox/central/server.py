"""The CentralSandbox facade: Central's store, clock, entity worker and dispatch on shared HTTP."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Self

from sandbox.central import actor_properties
from sandbox.central.auth import ADMIN_ROLE, hash_password
from sandbox.central.clock import Clock
from sandbox.central.context import Context
from sandbox.central.dispatch import build_router, dispatch
from sandbox.central.entities_schema import install as install_entity_tables
from sandbox.central.entity_worker import EntityWorker
from sandbox.central.router import Response, json_response
from sandbox.central.routes_trash import purge
from sandbox.central.store import Store
from sandbox.common.server import RequestRecord, SandboxServer, wait_until_interrupted

__all__ = ["CentralSandbox", "RequestRecord", "serve"]


class CentralSandbox(SandboxServer):
    """A local ODK Central–compatible server, its state kept under `data_dir`."""

    thread_name = "central-sandbox"

    def __init__(self, data_dir: Path, *, host: str = "127.0.0.1", port: int = 0,
                 admin_email: str = "admin@odksync.local", admin_password: str,
                 domain: str | None = None, entity_delay: float = 0.2) -> None:
        super().__init__(data_dir, host=host, port=port,
                         log_path=Path(data_dir) / "central-requests.log")
        self._domain = domain
        self.clock = Clock()
        self.store = Store(self.data_dir / "central.sqlite3")
        install_entity_tables(self.store)
        actor_properties.install(self.store)
        self.ctx = Context(self.store, self.clock, self._public_url)
        self.entity_worker = EntityWorker(self.ctx, entity_delay)
        self.ctx.entity_worker = self.entity_worker
        self._router = build_router(self.ctx)
        self._ensure_admin(admin_email, admin_password)

    def _public_url(self) -> str:
        return (self._domain or self.url).rstrip("/")

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

    def fault_response(self, status: int) -> Response:
        return json_response({"message": f"Injected fault: HTTP {status}.", "code": status}, status)

    def dispatch(self, method: str, target: str, headers: dict[str, str],
                 body: bytes) -> Response:
        return dispatch(self.ctx, self._router, method, target, headers, body)

    def advance_clock(self, delta: timedelta) -> None:
        """Move the clock; submissions in the trash longer than 30 days are then purged."""
        self.clock.advance(delta)
        purge(self.ctx)

    def purge_deleted(self, *, force: bool = False) -> int:
        """Run Central's purge of deleted submissions now (all of them when `force`)."""
        return purge(self.ctx, force)

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

    def start(self) -> Self:
        self.entity_worker.start()
        return super().start()

    def stop(self) -> None:
        self.entity_worker.stop()
        super().stop()


def serve(data_dir: Path, port: int, admin_email: str, admin_password: str,
          host: str = "127.0.0.1") -> None:
    """Run in the foreground until Ctrl-C; prints the URL, never the password."""
    sandbox = CentralSandbox(data_dir, host=host, port=port, admin_email=admin_email,
                             admin_password=admin_password).start()
    print(f"ODK Central sandbox listening on {sandbox.url} (admin {admin_email})", flush=True)
    wait_until_interrupted(sandbox)
