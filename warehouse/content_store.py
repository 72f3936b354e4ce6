"""A content-addressed folder for attachments: each file once, named by its SHA-256, verified."""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

_CHUNK = 1 << 20


class ContentStore:
    """Files live at `root/ab/cd/<sha256>`; names from submissions never become paths."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.incoming = root / "incoming"
        self.incoming.mkdir(parents=True, exist_ok=True, mode=0o700)

    def path_for(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def has(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    def scratch(self) -> Path:
        """A fresh path in the store's own folder, so ingesting it is one rename."""
        return self.incoming / uuid.uuid4().hex

    def ingest(self, path: Path, *, digest: tuple[str, int] | None = None) -> tuple[str, int]:
        """Move a downloaded file in under its digest (once); returns (sha256, size).

        `digest` is the (sha256, size) the downloader already computed while streaming, so the
        file is not read a second time; without it the file is hashed here.
        """
        sha256, size = digest if digest is not None else file_digest(path)
        target = self.path_for(sha256)
        if target.exists():
            path.unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.chmod(path, 0o600)
            path.replace(target)
        return sha256, size

    def verify(self, sha256: str) -> bool:
        """True when the stored file still has the digest it is named by."""
        path = self.path_for(sha256)
        return path.is_file() and file_digest(path)[0] == sha256


def file_digest(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size
