"""Submission XML → the flat JSON KPI's data API serves (`group/field` keys, repeats as lists)."""

from __future__ import annotations

from typing import Any

from lxml import etree

from sandbox.common.xml_safety import children, local, parse_xml

XFORMS = "http://www.w3.org/2002/xforms"


def repeat_paths(xform: str | None) -> set[str]:
    """Paths (without the root) of the form's repeats, from the body's <repeat nodeset=…>."""
    if not xform:
        return set()
    root = parse_xml(xform.encode("utf-8"))
    if root is None:
        return set()
    found = set()
    for repeat in root.iter(f"{{{XFORMS}}}repeat"):
        nodeset = repeat.get("nodeset") or ""
        parts = [p for p in nodeset.split("/") if p]
        if len(parts) > 1:
            found.add("/".join(parts[1:]))
    return found


def _walk(element: etree._Element, prefix: str, repeats: set[str], out: dict[str, Any]) -> None:
    seen: dict[str, int] = {}
    for child in children(element):
        seen[local(child)] = seen.get(local(child), 0) + 1
    for child in children(element):
        name = local(child)
        path = f"{prefix}{name}"
        if path in repeats or seen[name] > 1:
            item: dict[str, Any] = {}
            _walk(child, f"{path}/", repeats, item)
            if item:
                out.setdefault(path, []).append(item)
        elif children(child):
            _walk(child, f"{path}/", repeats, out)
        elif child.text is not None and child.text.strip() != "":
            # Kobo keeps values as the strings Collect sent, and leaves empty ones out.
            out[path] = child.text.strip()


def flatten(root: etree._Element, xform: str | None) -> dict[str, Any]:
    """The answers of one submission, keyed as Kobo keys them."""
    out: dict[str, Any] = {}
    _walk(root, "", repeat_paths(xform), out)
    return out
