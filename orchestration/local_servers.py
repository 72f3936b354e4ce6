"""`odksync sandbox`: the local Central- and Kobo-compatible servers, found by the other commands."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console

from orchestration.central import (
    local_admin_password,
    local_state_dir,
    running_local_url,
    write_server_marker,
)
from orchestration.kobo import local_kobo_token
from orchestration.kobo import local_state_dir as kobo_state_dir
from orchestration.settings import LOCAL_ADMIN_EMAIL, Settings


def serve_local(settings: Settings, *, console: Console, port: int, kobo_port: int) -> None:
    """Serve both until Ctrl-C; while they run, `odksync sync` and friends use them."""
    from sandbox.central import CentralSandbox
    from sandbox.kobo import KoboSandbox

    central = CentralSandbox(local_state_dir(settings), port=port, admin_email=LOCAL_ADMIN_EMAIL,
                             admin_password=local_admin_password(settings))
    kobo = KoboSandbox(kobo_state_dir(settings), port=kobo_port, token=local_kobo_token(settings))
    with central, kobo:
        marker = write_server_marker(settings, central.url)
        secrets = settings.data_dir / "secrets"
        console.print(f"ODK Central-compatible server: {central.url} (log in as {LOCAL_ADMIN_EMAIL}; "
                      f"password in {secrets / 'local_central_password'})")
        console.print(f"KoboToolbox-compatible server: {kobo.url} (API token in "
                      f"{secrets / 'local_kobo_token'})")
        console.print("Ctrl-C stops both; their state stays under "
                      f"{settings.data_dir} for the next start.")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            console.print("stopped")
        finally:
            marker.unlink(missing_ok=True)


@contextmanager
def local_central_up(settings: Settings) -> Iterator[None]:
    """Keep one local Central serving this data dir for the duration, found by every command and
    Dagster resource inside it through the same marker `odksync sandbox` writes.

    Nothing to do when ODK_CENTRAL_URL is set or a local server already serves this data dir.
    """
    if not settings.uses_local_central or running_local_url(settings) is not None:
        yield
        return
    from sandbox.central import CentralSandbox

    with CentralSandbox(local_state_dir(settings), admin_email=LOCAL_ADMIN_EMAIL,
                        admin_password=local_admin_password(settings)) as central:
        marker = write_server_marker(settings, central.url)
        try:
            yield
        finally:
            marker.unlink(missing_ok=True)
