"""One hardened lxml parser for every XML document a client sends (no entities, no network)."""

from __future__ import annotations

from lxml import etree

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                          remove_comments=True, remove_pis=True, load_dtd=False)


def parse_xml(data: bytes) -> etree._Element | None:
    """The root element, or None when the bytes are not well-formed XML."""
    try:
        return etree.fromstring(data, _PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return None


def local(el: etree._Element) -> str:
    """An element's name without its namespace (Central's stripNamespacesFromPath does the same)."""
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    return etree.QName(tag).localname


def qualified(el: etree._Element) -> str:
    """An element's name with its prefix, as it is written in the document."""
    name = local(el)
    return f"{el.prefix}:{name}" if el.prefix else name


def children(el: etree._Element) -> list[etree._Element]:
    return [c for c in el if isinstance(c.tag, str)]
