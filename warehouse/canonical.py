"""One canonical JSON encoding of a received submission: computed once, hashed and stored as is."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

import orjson


def legacy_encoding(raw: Mapping[str, Any]) -> bytes:
    """The encoding content hashes were first taken of; rows hashed by it stay valid (see raw.py)."""
    return json.dumps(raw, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def encode(raw: Mapping[str, Any]) -> bytes:
    """Compact UTF-8 JSON with sorted keys: the same bytes as the legacy encoding for nearly every
    row (only a few float spellings differ, e.g. 1e-7), far faster; what orjson cannot encode (an
    integer beyond 64 bits) takes the legacy route."""
    try:
        return orjson.dumps(raw, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        return legacy_encoding(raw)


def digest_of(encoded: bytes) -> str:
    return hashlib.sha256(encoded).hexdigest()


class Canonical(dict[str, Any]):
    """A submission with its canonical JSON text: the warehouse's engines store `text` unchanged
    (see `dump_json`), so a row is encoded once for its hash and its payload. Anywhere else it is
    an ordinary dict (and any other JSON encoder writes it as one)."""

    __slots__ = ("text",)

    def __init__(self, raw: Mapping[str, Any], encoded: bytes) -> None:
        super().__init__(raw)
        self.text = encoded.decode("utf-8")


def dump_json(value: Any) -> str:
    """The JSON serializer of the warehouse's engines: a Canonical's own text, else `json.dumps`."""
    if type(value) is Canonical:
        return value.text
    return json.dumps(value)
