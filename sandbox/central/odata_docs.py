"""OData service document and EDMX metadata for a form, shaped as Central's formats/odata.js."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

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


def service_document(fields: list[dict[str, Any]], domain: str, path: str) -> dict[str, Any]:
    return {"@odata.context": f"{domain}{path}/$metadata",
            "value": [{"name": t, "kind": "EntitySet", "url": t} for t in table_names(fields)]}


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


_SYSTEM = ('    <Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" '
           'Namespace="org.opendatakit.submission">\n') + """\
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
      </EnumType>
    </Schema>"""

_ANNOTATIONS = ('          <Annotation Term="Org.OData.Capabilities.V1.ConformanceLevel" '
                'EnumMember="Org.OData.Capabilities.V1.ConformanceLevelType/Minimal"/>\n') + """\
          <Annotation Term="Org.OData.Capabilities.V1.BatchSupported" Bool="false"/>
          <Annotation Term="Org.OData.Capabilities.V1.CountRestrictions">
            <Record><PropertyValue Property="Countable" Bool="true"/></Record>
          </Annotation>
          <Annotation Term="Org.OData.Capabilities.V1.FilterFunctions">
            <Record>
              <PropertyValue Property="NonCountableProperties">
                <Collection>
                  <String>eq</String>
                </Collection>
              </PropertyValue>
            </Record>
          </Annotation>
          <Annotation Term="Org.OData.Capabilities.V1.FilterFunctions">
            <Record>
              <PropertyValue Property="Filterable" Bool="true"/>
              <PropertyValue Property="RequiresFilter" Bool="false"/>
              <PropertyValue Property="NonFilterableProperties">
                <Collection>
{paths}
                </Collection>
              </PropertyValue>
            </Record>
          </Annotation>
          <Annotation Term="Org.OData.Capabilities.V1.SortRestrictions">
            <Record><PropertyValue Property="Sortable" Bool="false"/></Record>
          </Annotation>
          <Annotation Term="Org.OData.Capabilities.V1.ExpandRestrictions">
            <Record><PropertyValue Property="Expandable" Bool="false"/></Record>
          </Annotation>"""


def edmx(xml_form_id: str, fields: list[dict[str, Any]]) -> str:
    """The CSDL document Central's edmxFor renders for this field list."""
    fqdn = f"{FQDN_ROOT}.{sanitize(xml_form_id)}"
    entities, complexes = _entity_types(fqdn, fields)
    body: list[str] = []
    for e in entities:
        body.append(f'      <EntityType Name="{e["name"]}">\n'
                    '        <Key><PropertyRef Name="__id"/></Key>\n'
                    '        <Property Name="__id" Type="Edm.String"/>')
        if e.get("primary"):
            body.append('        <Property Name="__system" '
                        'Type="org.opendatakit.submission.metadata"/>')
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
        body.append(f'        <EntitySet Name="{e["name"]}" EntityType="{fqdn}.{e["name"]}">')
        if e.get("primary"):
            paths = "\n".join(f'                  <PropertyPath>{p["name"]}</PropertyPath>'
                              for p in e["properties"])
            body.append(_ANNOTATIONS.replace("{paths}", paths))
        body.append("        </EntitySet>")
    body.append("      </EntityContainer>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0">\n'
            "  <edmx:DataServices>\n" + _SYSTEM + "\n"
            f'    <Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="{fqdn}">\n'
            + "\n".join(body) + "\n    </Schema>\n  </edmx:DataServices>\n</edmx:Edmx>")
