"""OData service document and EDMX metadata for a form, shaped as Central's formats/odata.js."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from sandbox.central import odata_edmx
from sandbox.central.xforms import sanitize_odata_identifier as sanitize

FQDN_ROOT = "org.opendatakit.user"
TYPE_MAP = {"int": "Edm.Int64", "decimal": "Edm.Decimal", "boolean": "Edm.Boolean",
            "geopoint": "Edm.GeographyPoint", "geotrace": "Edm.GeographyLineString",
            "geoshape": "Edm.GeographyPolygon", "date": "Edm.Date",
            "dateTime": "Edm.DateTimeOffset"}


def table_names(fields: list[dict[str, Any]]) -> list[str]:
    """`Submissions` plus one `Submissions.<path>` entity set per repeat."""
    return ["Submissions"] + [
        "Submissions." + ".".join(sanitize(p) for p in f["path"][1:].split("/"))
        for f in fields if f["type"] == "repeat"]


def _parts(path: str) -> list[str]:
    return [sanitize(p) for p in path[1:].split("/")]


def _entity_types(fqdn: str, fields: list[dict[str, Any]]
                  ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    submissions: dict[str, Any] = {"name": "Submissions", "primary": True, "path": None,
                                   "properties": []}
    entities, complexes, stack = [submissions], [], [submissions]
    for f in fields:
        out = stack[-1]
        while out["path"] is not None and not f["path"].startswith(out["path"] + "/"):
            stack.pop()
            out = stack[-1]
        name = sanitize(f["name"])
        type_name = ".".join(_parts(f["path"]))
        if f["type"] == "structure":
            complex_type = {"name": type_name, "path": f["path"], "properties": []}
            complexes.append(complex_type)
            stack.append(complex_type)
            out["properties"].append({"name": name, "type": f"{fqdn}.{type_name}"})
        elif f["type"] == "repeat":
            parent = next((o for o in reversed(stack) if o.get("repeat")), None)
            id_parts = ["Submissions"] + (_parts(parent["path"]) if parent else [])
            entity = {"name": f"Submissions.{type_name}", "path": f["path"], "repeat": True,
                      "properties": [{"name": f"__{'-'.join(id_parts)}-id",
                                      "type": "Edm.String"}]}
            entities.append(entity)
            stack.append(entity)
            out["properties"].append({"name": name, "navigation": True,
                                      "type": f"Collection({fqdn}.Submissions.{type_name})"})
        else:
            out["properties"].append({"name": name,
                                      "type": TYPE_MAP.get(f["type"], "Edm.String")})
    return entities, complexes


def _props(props: list[dict[str, Any]]) -> str:
    lines = []
    for p in props:
        tag = "NavigationProperty" if p.get("navigation") else "Property"
        lines.append(f'        <{tag} Name="{p["name"]}" Type="{p["type"]}"/>')
    return "\n".join(lines)


_SYSTEM = """\
      <ComplexType Name="metadata">
        <Property Name="submissionDate" Type="Edm.DateTimeOffset"/>
        <Property Name="updatedAt" Type="Edm.DateTimeOffset"/>
        <Property Name="deletedAt" Type="Edm.DateTimeOffset"/>
        <Property Name="submitterId" Type="Edm.String"/>
        <Property Name="submitterName" Type="Edm.String"/>
        <Property Name="attachmentsPresent" Type="Edm.Int64"/>
        <Property Name="attachmentsExpected" Type="Edm.Int64"/>
        <Property Name="status" Type="org.opendatakit.submission.Status"/>
        <Property Name="reviewState" Type="org.opendatakit.submission.ReviewState"/>
        <Property Name="deviceId" Type="Edm.String"/>
        <Property Name="edits" Type="Edm.Int64"/>
        <Property Name="formVersion" Type="Edm.String"/>
      </ComplexType>
      <EnumType Name="Status">
        <Member Name="notDecrypted"/>
        <Member Name="missingEncryptedFormData"/>
      </EnumType>
      <EnumType Name="ReviewState">
        <Member Name="hasIssues"/>
        <Member Name="edited"/>
        <Member Name="rejected"/>
        <Member Name="approved"/>
      </EnumType>"""


def edmx(xml_form_id: str, fields: list[dict[str, Any]]) -> str:
    """The CSDL document Central's edmxFor renders for this field list."""
    fqdn = f"{FQDN_ROOT}.{sanitize(xml_form_id)}"
    entities, complexes = _entity_types(fqdn, fields)
    body: list[str] = []
    for e in entities:
        primary = bool(e.get("primary"))
        body.append(odata_edmx.entity_type_head(
            e["name"], "org.opendatakit.submission.metadata" if primary else None))
        if e["properties"]:
            body.append(_props(e["properties"]))
        body.append("      </EntityType>")
    for c in complexes:
        body.append(f'      <ComplexType Name="{c["name"]}">')
        if c["properties"]:
            body.append(_props(c["properties"]))
        body.append("      </ComplexType>")
    body.append(f'      <EntityContainer Name="{escape(xml_form_id)}">')
    for e in entities:
        annotations = None
        if e.get("primary"):
            # With no fields Central's form template leaves an empty line in the collection.
            paths = odata_edmx.property_paths([p["name"] for p in e["properties"]]) or "\n"
            annotations = odata_edmx.capability_annotations(paths)
        body.append(odata_edmx.entity_set(e["name"], fqdn, annotations))
    body.append("      </EntityContainer>")
    return odata_edmx.document("org.opendatakit.submission", _SYSTEM, fqdn, "\n".join(body))
