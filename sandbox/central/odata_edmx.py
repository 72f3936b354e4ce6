"""The two documents of an OData service (`….svc` and its `$metadata`), for forms and entity lists."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from sandbox.central.router import (
    ODATA_JSON,
    ODATA_XML,
    Request,
    Response,
    Router,
    json_response,
    xml_response,
)

EDM = "http://docs.oasis-open.org/odata/ns/edm"

_CAPABILITIES = ('          <Annotation Term="Org.OData.Capabilities.V1.ConformanceLevel" '
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
                <Collection>{paths}
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


def property_paths(names: list[str]) -> str:
    """`<PropertyPath>` lines, each after a newline, for the non-filterable collection."""
    return "".join(f"\n                  <PropertyPath>{n}</PropertyPath>" for n in names)


def capability_annotations(paths: str) -> str:
    """The annotations Central puts on a primary entity set; `paths` from property_paths."""
    return _CAPABILITIES.replace("{paths}", paths)


def entity_type_head(name: str, system_type: str | None) -> str:
    """An EntityType's opening lines: its `__id` key and, on a primary set, `__system`."""
    head = (f'      <EntityType Name="{name}">\n'
            '        <Key><PropertyRef Name="__id"/></Key>\n'
            '        <Property Name="__id" Type="Edm.String"/>')
    if system_type is not None:
        head += f'\n        <Property Name="__system" Type="{system_type}"/>'
    return head


def entity_set(name: str, fqdn: str, annotations: str | None) -> str:
    """An EntitySet of the container, annotated when it is the primary one."""
    lines = [f'        <EntitySet Name="{name}" EntityType="{fqdn}.{name}">']
    if annotations is not None:
        lines.append(annotations)
    lines.append("        </EntitySet>")
    return "\n".join(lines)


def _schema(namespace: str, body: str) -> str:
    return f'    <Schema xmlns="{EDM}" Namespace="{namespace}">\n{body}\n    </Schema>'


def document(system_namespace: str, system_body: str, namespace: str, body: str) -> str:
    """The EDMX envelope: Central's system schema (its `metadata` type), then the user schema."""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0">\n'
            "  <edmx:DataServices>\n" + _schema(system_namespace, system_body) + "\n"
            + _schema(namespace, body) + "\n  </edmx:DataServices>\n</edmx:Edmx>")


def add_document_routes(router: Router, svc: str, domain: Callable[[], str],
                        sets: Callable[[Request], list[str]],
                        metadata: Callable[[Request], str]) -> None:
    """Serve the JSON service document at `svc` and the EDMX at `svc/$metadata`.

    `sets` names the entity sets of the requested service and `metadata` renders its EDMX;
    both answer 404 first when the form or entity list is not there.
    """
    def service(req: Request) -> Response:
        names = sets(req)
        path = urlsplit(req.original_url).path
        response = json_response({"@odata.context": f"{domain()}{path}/$metadata",
                                  "value": [{"name": n, "kind": "EntitySet", "url": n}
                                            for n in names]})
        response.headers = [("Content-Type", "application/json; odata.metadata=minimal")]
        return response

    router.add("GET", svc, service, kind=ODATA_JSON)
    router.add("GET", svc + r"/(?:\$|%24)metadata", lambda req: xml_response(metadata(req)),
               kind=ODATA_XML)
