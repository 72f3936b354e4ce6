"""A content-addressed folder for attachments: each file once, named by its SHA-256, verified."""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
import uuid
from pathlib import Path

_CHUNK = 1 << 20
MAX_NAME_LENGTH = 255
# C0/C1 controls, and format characters that reorder or hide text (bidi overrides and isolates,
# zero-width characters, BOM) and lone surrogates (not Unicode at all): a name carrying them can
# show one thing and be another.
_HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u061c\ud800-\udfff]")
_DRIVE = re.compile(r"^[A-Za-z]:")


class ContentStore:
    """Files live at `root/ab/cd/<sha256>`; names from submissions never become paths."""

    def __init__(self, root: Path, *, max_file_bytes: int | None = None) -> None:
        self.root = root
        self.max_file_bytes = max_file_bytes  # larger files are refused (ODKSYNC_MAX_ATTACHMENT_BYTES)
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


def attachment_name_problem(name: object) -> str | None:
    """Why a file name from a submission is refused, or None when it is an ordinary file name.

    Names never become paths in the store (files are named by digest), but a name that could act
    as a path anywhere (`../`, `/etc/passwd`, `C:\\`, a backslash, a look-alike slash after Unicode
    normalisation) or that hides characters is refused outright: such a file is not fetched.
    """
    if not isinstance(name, str) or not name:
        return "empty file name"
    if len(name) > MAX_NAME_LENGTH:
        return f"file name longer than {MAX_NAME_LENGTH} characters"
    if _HIDDEN.search(name):
        return "file name contains control, zero-width or text-direction characters"
    folded = unicodedata.normalize("NFKC", name)
    if "/" in folded or "\\" in folded or "\u2215" in folded or "\u2044" in folded:
        return "file name contains a path separator"
    if folded in (".", "..") or folded.startswith("..") or _DRIVE.match(folded):
        return "file name could name a parent folder or a drive"
    if folded.strip(" .") == "":
        return "file name is only dots and spaces"
    return None


def storable_name(name: str) -> str:
    """The name as it can be kept in a database row and shown: control characters escaped, bounded."""
    shown = _HIDDEN.sub(lambda m: f"\\u{ord(m.group()):04x}", name)
    return shown if len(shown) <= MAX_NAME_LENGTH else shown[: MAX_NAME_LENGTH - 1] + "…"
