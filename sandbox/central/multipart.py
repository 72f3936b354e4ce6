"""multipart/form-data bodies as ODK Collect sends them (xml_submission_file plus media)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sandbox.central import problems


@dataclass
class Part:
    """One part: its form field name, file name, content type and bytes."""

    name: str
    filename: str | None
    content_type: str | None
    data: bytes


def _param(header: str, key: str) -> str | None:
    m = re.search(rf'(?:^|[;\s]){key}\*?=(?:"([^"]*)"|([^;\s]+))', header, re.I)
    if not m:
        return None
    return m.group(1) if m.group(1) is not None else m.group(2)


def parse_multipart(content_type: str, body: bytes) -> list[Part]:
    """Split a multipart body; malformed input answers 400.39 as Central (busboy) does."""
    if not content_type.lower().startswith("multipart/"):
        raise problems.multipart_failed()
    boundary = _param(content_type, "boundary")
    if not boundary:
        raise problems.multipart_failed()
    delimiter = b"--" + boundary.encode("latin-1")
    chunks = body.split(delimiter)
    if len(chunks) < 2:
        raise problems.multipart_failed()
    parts: list[Part] = []
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break
        chunk = chunk[2:] if chunk.startswith(b"\r\n") else chunk
        head, sep, data = chunk.partition(b"\r\n\r\n")
        if not sep:
            raise problems.multipart_failed()
        if data.endswith(b"\r\n"):
            data = data[:-2]
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        name = _param(disposition, "name")
        if name is None:
            continue
        parts.append(Part(name, _param(disposition, "filename"), headers.get("content-type"),
                          data))
    return parts
