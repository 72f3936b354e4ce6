"""multipart/form-data bodies as ODK Collect sends them, failing the way Central does."""

from __future__ import annotations

from sandbox.central import problems
from sandbox.common import multipart
from sandbox.common.multipart import Part


def parse_multipart(content_type: str, body: bytes) -> list[Part]:
    """Split a multipart body; malformed input answers 400.39 as Central (busboy) does."""
    try:
        return multipart.parse_multipart(content_type, body, extended=True)
    except multipart.MultipartError:
        raise problems.multipart_failed() from None
