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
    """An element's name without its namespace."""
    return etree.QName(el.tag).localname if isinstance(el.tag, str) else ""


def children(el: etree._Element) -> list[etree._Element]:
    return [c for c in el if isinstance(c.tag, str)]
