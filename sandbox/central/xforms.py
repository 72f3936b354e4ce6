"""XForm definitions: id, version, title, hashes, Central's flat field list and expected media."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from sandbox.central import problems
from sandbox.common.xml_safety import children, local, parse_xml, qualified

_MEDIA_FORMS = {"image": "image", "audio": "audio", "video": "video", "big-image": "image"}
_JR_PATH = re.compile(r"^jr://(?:images|audio|video|file|file-csv)/([^/]+)$")


@dataclass
class FormDef:
    """What Central learns from one XForm upload."""

    xml: str
    xml_form_id: str
    version: str
    name: str | None
    hash: str
    sha: str
    sha256: str
    fields: list[dict[str, Any]]
    attachments: list[tuple[str, str]] = field(default_factory=list)  # (name, type)
    public_key: str | None = None  # <submission base64RsaPublicKey=…>: submissions arrive sealed


def sanitize_odata_identifier(name: str) -> str:
    """Central's sanitizeOdataIdentifier: a leading non-letter gets `_`, other runs become `_`."""
    name = re.sub(r"^([^a-zA-Z_])", r"_\1", name)
    return re.sub(r"[^a-zA-Z0-9_]+", "_", name)


def _strip_ns(path: str) -> str:
    return "/".join(part.split(":")[-1] for part in path.split("/"))


def _find(el: etree._Element, *names: str) -> etree._Element | None:
    current: etree._Element | None = el
    for name in names:
        if current is None:
            return None
        current = next((c for c in children(current) if local(c) == name), None)
    return current


def _recurse(node: etree._Element, binds: dict[str, str], repeats: set[str],
             selects: set[str], envelope: str, base: list[str], fields: list[dict[str, Any]]
             ) -> None:
    seen_repeats: set[str] = set()
    for tag in children(node):
        path = [*base, qualified(tag)]
        joined = "/" + "/".join(path)
        binding_path = f"/{envelope}{joined}"
        entry: dict[str, Any] = {"path": _strip_ns(joined), "name": local(tag)}
        if _strip_ns(binding_path) in repeats:
            if binding_path in seen_repeats:
                continue  # the jr:template copy and real instances of one repeat
            seen_repeats.add(binding_path)
            entry["type"] = "repeat"
        elif binding_path in binds:
            entry["type"] = binds[binding_path] or "unknown"
        elif children(tag) or (local(tag) == "entity" and "/meta/entity" in joined):
            entry["type"] = "structure"
        else:
            entry["type"] = "unknown"
        entry["binary"] = True if (entry["type"] == "binary" or entry["path"] == "/meta/audit") \
            else None
        entry["selectMultiple"] = True if binding_path in selects else None
        fields.append(entry)
        if entry["type"] in ("repeat", "structure") and children(tag):
            _recurse(tag, binds, repeats, selects, envelope, path, fields)


def _absolutify(nodeset: str, envelope: str) -> str:
    return nodeset if nodeset.startswith("/") else f"/{envelope}/{nodeset}"


def _attachments(model: etree._Element, body: etree._Element | None) -> list[tuple[str, str]]:
    found: dict[str, str] = {}
    for inst in children(model):
        src = inst.get("src")
        if local(inst) == "instance" and src:
            m = _JR_PATH.match(src.strip())
            if m:
                found.setdefault(m.group(1), "file")
    itext = _find(model, "itext")
    for value in itext.iter() if itext is not None else []:
        form = value.get("form") if isinstance(value.tag, str) else None
        if form in _MEDIA_FORMS and value.text:
            m = _JR_PATH.match(value.text.strip())
            if m:
                found.setdefault(m.group(1), _MEDIA_FORMS[form])
    if body is not None and any(local(e) == "input" and e.get("query") is not None
                                for e in body.iter() if isinstance(e.tag, str)):
        found.setdefault("itemsets.csv", "file")
    return sorted(found.items())


def parse_form(data: bytes) -> FormDef:
    """Read an XForm as Central's Form.fromXml and getFormFields do."""
    root = parse_xml(data)
    model = _find(root, "head", "model") if root is not None else None
    instance = next((c for c in children(model) if local(c) == "instance" and children(c)),
                    None) if model is not None else None
    data_node = children(instance)[0] if instance is not None else None
    if root is None or model is None or data_node is None or not data_node.get("id"):
        raise problems.missing_parameter("formId")
    title = _find(root, "head", "title")
    body = _find(root, "body")
    binds = {_absolutify(b.get("nodeset", ""), qualified(data_node)): b.get("type", "")
             for b in children(model) if local(b) == "bind" and b.get("type") is not None}
    repeats: set[str] = set()
    selects: set[str] = set()
    for el in body.iter() if body is not None else []:
        if not isinstance(el.tag, str):
            continue
        if local(el) == "repeat" and el.get("nodeset"):
            repeats.add(_strip_ns(el.get("nodeset", "")))
        if local(el) == "select":
            ref = el.get("nodeset") or el.get("ref")
            if ref:
                selects.add(ref)
    fields: list[dict[str, Any]] = []
    _recurse(data_node, binds, repeats, selects, qualified(data_node), [], fields)
    text = data.decode("utf-8")
    submission = _find(root, "head", "model", "submission")
    return FormDef(
        xml=text, xml_form_id=data_node.get("id", ""), version=data_node.get("version", ""),
        name=(title.text if title is not None else None), hash=hashlib.md5(data).hexdigest(),
        sha=hashlib.sha1(data).hexdigest(), sha256=hashlib.sha256(data).hexdigest(),
        fields=fields, attachments=_attachments(model, body),
        public_key=(submission.get("base64RsaPublicKey") or None) if submission is not None else None)


def set_version(xml: str, version: str) -> bytes:
    """Central's setVersion: rewrite the version attribute of the primary instance."""
    root = parse_xml(xml.encode("utf-8"))
    model = _find(root, "head", "model") if root is not None else None
    instance = next((c for c in children(model) if local(c) == "instance" and children(c)),
                    None) if model is not None else None
    if root is None or instance is None:
        raise problems.missing_parameter("formId")
    children(instance)[0].set("version", version)
    out: bytes = etree.tostring(root.getroottree(), xml_declaration=False, encoding="utf-8")
    return out


def odata_fields(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Central's sanitizeFieldsForOdata, for `/fields?odata=true`."""
    return [{**f, "name": sanitize_odata_identifier(f["name"]),
             "path": "/".join(sanitize_odata_identifier(p) if p else p
                              for p in f["path"].split("/"))} for f in fields]
