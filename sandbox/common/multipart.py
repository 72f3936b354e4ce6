"""multipart/form-data bodies: XLSForm uploads, form media and OpenRosa submissions."""

from __future__ import annotations

import re
from dataclasses import dataclass


class MultipartError(ValueError):
    """The body is not multipart/form-data this parser can split."""


@dataclass
class Part:
    """One part: its form field name, file name, content type and bytes."""

    name: str
    filename: str | None
    content_type: str | None
    data: bytes


def _param(header: str, key: str, extended: bool) -> str | None:
    star = r"\*?" if extended else ""
    found = re.search(rf'(?:^|[;\s]){key}{star}=(?:"([^"]*)"|([^;\s]+))', header, re.I)
    if not found:
        return None
    return found.group(1) if found.group(1) is not None else found.group(2)


def parse_multipart(content_type: str, body: bytes, *, extended: bool = False) -> list[Part]:
    """Split a multipart body into its named parts; anything malformed raises MultipartError.

    `extended` also reads RFC 5987 `name*=`/`filename*=` parameters (value taken as written),
    as Central's busboy does; Kobo's parser only reads the plain ones.
    """
    boundary = _param(content_type, "boundary", extended) if content_type.lower().startswith(
        "multipart/") else None
    if not boundary:
        raise MultipartError("not multipart/form-data with a boundary")
    chunks = body.split(b"--" + boundary.encode("latin-1"))
    if len(chunks) < 2:
        raise MultipartError("no parts")
    parts: list[Part] = []
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break
        head, sep, data = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        if not sep:
            raise MultipartError("a part without headers")
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        name = _param(disposition, "name", extended)
        if name is not None:
            parts.append(Part(name, _param(disposition, "filename", extended),
                              headers.get("content-type"), data.removesuffix(b"\r\n")))
    return parts
