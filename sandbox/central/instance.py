"""Submission XML: its identity (form id, version, instanceID) and its OData row, built once.

What real Central does with untidy submissions (lib/model/frames/submission.js
`Submission.fromXml`, lib/data/odata.js `submissionToOData`), reproduced here:

- No `meta/instanceID` (nor a root-level `instanceID` element): Central mints a random
  UUID v4 *without* the `uuid:` prefix and accepts the submission.
- No `id` attribute on the root element (which is also what any non-XML body gives):
  400.2 "Required parameter form ID xml attribute missing.".
- Elements the form does not define: kept verbatim in the stored XML (and in `.xml`
  downloads) but absent from OData, including everything nested inside them.
- Fields the form defines but the XML lacks, or empty elements: `null` in OData (groups
  still appear as objects of nulls); a repeat with no instance has no navigation link.
- `int` values go through JavaScript's parseInt and `decimal` through parseFloat: "12abc"
  becomes 12, "abc" becomes NaN, which JSON.stringify writes as `null`.
- `dateTime` is trimmed and a bare `+07` offset becomes `+07:00`; every other type
  (date, time, select, string…) stays the text as sent; a repeated non-repeat element's
  text is concatenated.
- `geopoint`/`geotrace`/`geoshape` become GeoJSON (lon, lat[, alt]) with accuracy under
  `properties`; unparseable points are dropped, an unparseable geopoint is `null`.
"""

from __future__ import annotations

import hashlib
import math
import re
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from lxml import etree

from sandbox.central import problems
from sandbox.central.xforms import sanitize_odata_identifier as sanitize
from sandbox.common.xml_safety import children, local, parse_xml

_INT = re.compile(r"^\s*([+-]?\d+)")
_FLOAT = re.compile(r"^\s*([+-]?(?:Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?))")
_MAX_SAFE = 2**53
_URI_SAFE = "-_.!~*'()"  # what JavaScript's encodeURIComponent leaves alone


@dataclass
class Instance:
    """The identity Central reads from a submission before storing it."""

    xml: bytes
    xml_form_id: str
    version: str
    instance_id: str
    deprecated_id: str | None
    instance_name: str | None
    root: etree._Element
    # An encrypted envelope (Collect, for a form with base64RsaPublicKey) carries these instead
    # of the form's fields: the sealed AES key, the name of the sealed XML and its signature.
    local_key: str | None = None
    enc_data_attachment_name: str | None = None
    signature: str | None = None
    media: list[str] = field(default_factory=list)  # <media><file> names, sealed (.enc)

    @property
    def encrypted(self) -> bool:
        return self.local_key is not None


def _text_of(root: etree._Element, *names: str) -> str | None:
    current = root
    for name in names:
        found = next((c for c in children(current) if local(c) == name), None)
        if found is None:
            return None
        current = found
    return current.text if current.text else None


def parse_instance(data: bytes) -> Instance:
    root = parse_xml(data)
    form_id = root.get("id") if root is not None else None
    if root is None or not form_id or not form_id.strip():
        raise problems.missing_parameter("form ID xml attribute")
    instance_id = _text_of(root, "meta", "instanceID") or _text_of(root, "instanceID")
    local_key = _text_of(root, "base64EncryptedKey")
    if local_key is not None and instance_id is None:
        # The instanceID is an input of the decryption: without it the data cannot be read.
        raise problems.missing_parameter("instanceId (required for encrypted submissions)")
    media = [(f.text or "").strip() for m in children(root) if local(m) == "media"
             for f in children(m) if local(f) == "file" and (f.text or "").strip()]
    return Instance(
        xml=data, xml_form_id=form_id, version=root.get("version") or "",
        instance_id=instance_id or str(uuid.uuid4()),
        deprecated_id=_text_of(root, "meta", "deprecatedID"),
        instance_name=_text_of(root, "meta", "instanceName"), root=root,
        local_key=local_key, enc_data_attachment_name=_text_of(root, "encryptedXmlFile"),
        signature=_text_of(root, "base64EncryptedElementSignature"), media=media)


def js_number(value: float) -> float | int | None:
    """A JS number as JSON.stringify writes it: NaN and ±Infinity become null."""
    if math.isnan(value) or math.isinf(value):
        return None
    if value.is_integer() and abs(value) < 1e21:
        return int(value)
    return value


def parse_int(text: str) -> float | int | None:
    m = _INT.match(text)
    if not m:
        return None
    number = int(m.group(1))
    return number if abs(number) <= _MAX_SAFE else js_number(float(number))


def parse_float(text: str) -> float | int | None:
    m = _FLOAT.match(text)
    return js_number(float(m.group(1).replace("Infinity", "inf"))) if m else None


def _float_or_nan(text: str) -> float:
    m = _FLOAT.match(text)
    return float(m.group(1).replace("Infinity", "inf")) if m else math.nan


def _point(text: str) -> tuple[list[float], float] | None:
    parts = [_float_or_nan(p) for p in re.split(r"\s+", text)]
    if len(parts) < 2 or math.isnan(parts[0]) or math.isnan(parts[1]):
        return None
    coords = [parts[1], parts[0]]
    if len(parts) > 2 and not math.isnan(parts[2]):
        coords.append(parts[2])
    accuracy = parts[3] if len(parts) > 3 else math.nan
    return [js_number(c) for c in coords], accuracy  # type: ignore[misc]


def _geo(kind: str, text: str) -> Any:
    if kind == "geopoint":
        found = _point(text)
        if found is None:
            return None
        out: dict[str, Any] = {"type": "Point", "coordinates": found[0]}
        if not math.isnan(found[1]):
            out["properties"] = {"accuracy": js_number(found[1])}
        return out
    chunks = re.split(r"; ?", text)
    coords: list[list[float]] = []
    accuracies: list[Any] = []
    for chunk in chunks:
        found = _point(chunk)
        if found is None:
            if len(chunks) == 1 and len(re.split(r"\s+", chunk)) < 2:
                return None
            continue
        coords.append(found[0])
        accuracies.append(js_number(found[1]) or None)
    geo: dict[str, Any] = ({"type": "LineString", "coordinates": coords} if kind == "geotrace"
                           else {"type": "Polygon", "coordinates": [coords]})
    if any(a is not None for a in accuracies):
        geo["properties"] = {"accuracies": accuracies}
    return geo


def convert(kind: str, text: str, previous: Any) -> Any:
    """One primitive value, typed the way submissionToOData types it."""
    if kind == "int":
        return parse_int(text)
    if kind == "decimal":
        return parse_float(text)
    if kind in ("geopoint", "geotrace", "geoshape"):
        return _geo(kind, text)
    if kind == "dateTime":
        trimmed = text.strip()
        return f"{trimmed}:00" if re.search(r"[+-]\d\d$", trimmed) else trimmed
    return (previous or "") + text


@dataclass
class Schema:
    """The form's fields indexed for walking a submission."""

    fields: list[dict[str, Any]]
    by_path: dict[str, dict[str, Any]] = field(default_factory=dict)
    kids: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for f in self.fields:
            self.by_path[f["path"]] = f
            self.kids.setdefault(f["path"].rsplit("/", 1)[0], []).append(f)

    def frame(self, path: str) -> dict[str, Any]:
        """Central's generateDataFrame: every known non-repeat child, null or a nested frame."""
        out: dict[str, Any] = {}
        for child in self.kids.get(path, []):
            if child["type"] == "structure":
                out[sanitize(child["name"])] = self.frame(child["path"])
            elif child["type"] != "repeat":
                out[sanitize(child["name"])] = None
        return out


def _hash_id(instance_id: str, stack: list[tuple[dict[str, Any], int | None]]) -> str:
    if not stack:
        return instance_id
    parts = [f"Submissions#{instance_id}"]
    parts += [f"{f['name']}#" if f["type"] == "structure" else f"{f['name']}#{n}"
              for f, n in stack]
    return hashlib.sha1("%%".join(parts).encode("utf-8")).hexdigest()


def _nav_link(instance_id: str, stack: list[tuple[dict[str, Any], int | None]]) -> str:
    out = [f"Submissions('{quote(instance_id, safe=_URI_SAFE)}')"]
    for i, (f, _) in enumerate(stack):
        if f["type"] == "repeat" and i < len(stack) - 1:
            out.append(f"{sanitize(f['name'])}('{_hash_id(instance_id, stack[: i + 1])}')")
        else:
            out.append(sanitize(f["name"]))
    return "/".join(out)


def _text(el: etree._Element) -> str:
    return (el.text or "") + "".join(c.tail or "" for c in el)


def build_row(schema: Schema, inst: Instance) -> tuple[dict[str, Any], list[str]]:
    """The fully expanded OData row (no `__id`/`__system`) and the attachment names it expects."""
    expected: list[str] = []
    row = schema.frame("")

    def walk(el: etree._Element, path: str, data: dict[str, Any],
             stack: list[tuple[dict[str, Any], int | None]], counters: dict[str, int]) -> None:
        for child in children(el):
            child_path = f"{path}/{local(child)}"
            f = schema.by_path.get(child_path)
            if f is None:
                continue  # unknown element: kept in the XML, invisible to OData
            name = sanitize(f["name"])
            if f["type"] == "structure":
                sub = data.setdefault(name, schema.frame(child_path))
                walk(child, child_path, sub, [*stack, (f, None)], counters)
            elif f["type"] == "repeat":
                index = counters.get(child_path, -1) + 1
                counters[child_path] = index
                here = [*stack, (f, index)]
                data[f"{name}@odata.navigationLink"] = _nav_link(inst.instance_id, here)
                bag = schema.frame(child_path)
                bag["__id"] = _hash_id(inst.instance_id, here)
                data.setdefault(name, []).append(bag)
                walk(child, child_path, bag, here, {})
            else:
                text = _text(child)
                if text:
                    data[name] = convert(f["type"], text, data.get(name))
                    if f.get("binary") and text.strip():
                        expected.append(text.strip())

    walk(inst.root, "", row, [], {})
    return row, expected
