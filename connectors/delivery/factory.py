"""The deliverer for a configured destination."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from connectors.delivery.base import Deliverer
from connectors.delivery.config import Destination, FolderDestination, HttpsDestination, SftpDestination


def deliverer_for(destination: Destination, *, outbox: Path, environ: Mapping[str, str],
                  verify_tls: bool = True) -> Deliverer:
    """`outbox` is the default folder (ODKSYNC_DATA_DIR/outbox/<agency>) for a folder without a path."""
    if isinstance(destination, FolderDestination):
        from connectors.delivery.folder import FolderDeliverer

        return FolderDeliverer(destination.path or outbox)
    if isinstance(destination, SftpDestination):
        from connectors.delivery.sftp import SftpDeliverer

        return SftpDeliverer(destination, environ)
    if isinstance(destination, HttpsDestination):
        from connectors.delivery.https import HttpsDeliverer

        return HttpsDeliverer(destination, environ, verify_tls=verify_tls)
    raise TypeError(f"unknown destination {destination!r}")
