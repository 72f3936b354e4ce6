"""The EDMX document Central serves for an entity list (its edmxForEntities)."""

from __future__ import annotations

from sandbox.central import odata_edmx
from sandbox.central.xforms import sanitize_odata_identifier as sanitize

_SYSTEM = """\
      <ComplexType Name="metadata">
        <Property Name="createdAt" Type="Edm.DateTimeOffset"/>
        <Property Name="creatorId" Type="Edm.String"/>
        <Property Name="creatorName" Type="Edm.String"/>
        <Property Name="updates" Type="Edm.Int64"/>
        <Property Name="updatedAt" Type="Edm.DateTimeOffset"/>
        <Property Name="deletedAt" Type="Edm.DateTimeOffset"/>
        <Property Name="version" Type="Edm.Int64"/>
        <Property Name="conflict" Type="Edm.String"/>
      </ComplexType>"""


def edmx(dataset: str, names: list[str]) -> str:
    """Central's edmxForEntities: `__id`, `__system`, `label`, then every property as a string."""
    fqdn = f"org.opendatakit.user.{sanitize(dataset)}"
    props = "".join(f'\n        <Property Name="{sanitize(n)}" Type="Edm.String"/>' for n in names)
    annotations = odata_edmx.capability_annotations(
        odata_edmx.property_paths([sanitize(n) for n in names]))
    body = (odata_edmx.entity_type_head("Entities", "org.opendatakit.entity.metadata")
            + '\n        <Property Name="label" Type="Edm.String"/>' + props
            + "\n      </EntityType>\n"
            f'      <EntityContainer Name="{dataset}">\n'
            + odata_edmx.entity_set("Entities", fqdn, annotations)
            + "\n      </EntityContainer>")
    return odata_edmx.document("org.opendatakit.entity", _SYSTEM, fqdn, body)
