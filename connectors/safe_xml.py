"""One hardened XML parser for every document odksync reads (forms from a server, submissions).

No entity is ever resolved or expanded (XXE, "billion laughs"), nothing is fetched from the network
(external DTDs), huge trees are refused, and a document that declares a DOCTYPE at all is refused:
XForms and submissions never need one, so its presence is itself the attack. This is the client's
own parser; the local servers in sandbox/ keep theirs (the two must not share code).
"""

from __future__ import annotations

from lxml import etree

MAX_XML_BYTES = 50 * 1024 * 1024  # far beyond any XForm or submission; more is refused unread

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                          dtd_validation=False, remove_pis=True)


class UnsafeXMLError(ValueError):
    """XML refused before use: a DOCTYPE/entity declaration, or too large."""


def parse_xml(data: bytes | str, *, what: str = "XML document", max_bytes: int = MAX_XML_BYTES,
              parser: etree.XMLParser | None = None) -> etree._Element:
    """The root element of `data`; UnsafeXMLError for DOCTYPEs and entities, XMLSyntaxError if malformed.

    `parser` may add options (e.g. blank-text removal) but is checked to keep entities unresolved
    and the network off.
    """
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > max_bytes:
        raise UnsafeXMLError(f"{what} is {len(raw):,} bytes, more than the {max_bytes:,} allowed: refused")
    head = raw[:4096].lstrip()
    if b"<!DOCTYPE" in raw.upper() or b"<!ENTITY" in raw.upper():
        raise UnsafeXMLError(f"{what} declares a DOCTYPE or entities, which odksync never accepts "
                             "(protection against XML external entities and entity expansion)")
    root = etree.fromstring(raw, parser or _PARSER)
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None or head.startswith(b"<!"):
        raise UnsafeXMLError(f"{what} declares a DOCTYPE, which odksync never accepts")
    for element in root.iter():
        if isinstance(element, etree._Entity):
            raise UnsafeXMLError(f"{what} uses an entity reference, which odksync never expands")
    return root


def hardened_parser(**options: bool) -> etree.XMLParser:
    """An lxml parser with the safe options forced on (for callers needing e.g. remove_blank_text)."""
    return etree.XMLParser(**{**options, "resolve_entities": False, "no_network": True, "huge_tree": False,
                              "load_dtd": False, "dtd_validation": False})
