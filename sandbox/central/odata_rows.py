"""Shape stored submission rows for one OData request: expand, select, repeat tables, WKT."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sandbox.central import problems
from sandbox.central.xforms import sanitize_odata_identifier as sanitize

SYSTEM_FIELDS = ("submissionDate", "updatedAt", "submitterId", "submitterName",
                 "attachmentsPresent", "attachmentsExpected", "status", "reviewState",
                 "deviceId", "edits", "formVersion", "deletedAt")
NAV = "@odata.navigationLink"


@dataclass
class Shape:
    """What the query string asks of each row."""

    expand: bool
    wkt: bool
    metadata: set[str] | None  # `__`-names listed in $select, None without $select
    selected: set[str] | None  # sanitized field paths to keep, None for all


def sanitized_path(path: str) -> str:
    return "/".join(sanitize(p) if p else p for p in path.split("/"))


def select_paths(fields: list[dict[str, Any]], select: str | None, table: str
                 ) -> set[str] | None:
    """Central's filterFields: validate `$select` and return the field paths it keeps."""
    if not select or select == "*":
        return None
    tree = {sanitized_path(f["path"]): f for f in fields}
    keep: set[str] = set()
    prefix = ""
    id_keys = {"__id"}
    parent_key = "__Submissions"
    if table != "Submissions":
        segments = table.split(".")[1:]
        for i, seg in enumerate(segments):
            prefix += f"/{seg}"
            if prefix not in tree:
                raise problems.not_found()
            keep.add(prefix)
            if tree[prefix]["type"] == "repeat" and i < len(segments) - 1:
                parent_key = "__Submissions" + prefix.replace("/", "-")
        id_keys.add(parent_key + "-id")
    for prop in (p.strip() for p in select.split(",")):
        if prop in id_keys or (table == "Submissions" and
                               (prop == "__system" or (prop.startswith("__system/") and
                                                       prop[9:] in SYSTEM_FIELDS))):
            continue
        path = f"{prefix}/{prop}"
        if path not in tree:
            raise problems.property_not_found(prop)
        keep.add(path)
        parent = path.rsplit("/", 1)[0]
        while parent and parent != prefix and parent not in keep:
            if tree[parent]["type"] == "repeat":
                raise problems.unsupported_select_field(prop)
            keep.add(parent)
            parent = parent.rsplit("/", 1)[0]
        if tree[path]["type"] == "structure":
            keep.update(p for p in tree if p.startswith(path + "/") and
                        not _inside_repeat(tree, path, p))
    return keep


def _inside_repeat(tree: dict[str, dict[str, Any]], top: str, path: str) -> bool:
    parent = path.rsplit("/", 1)[0]
    while parent != top:
        if tree[parent]["type"] == "repeat":
            return True
        parent = parent.rsplit("/", 1)[0]
    return False


def metadata_names(select: str | None) -> set[str] | None:
    if not select or select == "*":
        return None
    return {p.strip() for p in select.split(",") if p.strip().startswith("__")}


def _prune(data: dict[str, Any], path: str, shape: Shape) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key == "__id" or key.startswith("__"):
            out[key] = value
            continue
        if key.endswith(NAV):
            if shape.selected is None or f"{path}/{key[: -len(NAV)]}" in shape.selected:
                out[key] = value
            continue
        if isinstance(value, list):
            if shape.expand:
                out[key] = [_prune(bag, f"{path}/{key}", shape) for bag in value]
            continue
        if shape.selected is not None and f"{path}/{key}" not in shape.selected:
            continue
        if isinstance(value, dict) and not _is_geo(value):
            out[key] = _prune(value, f"{path}/{key}", shape)
        elif shape.wkt and _is_geo(value):
            out[key] = to_wkt(value)
        else:
            out[key] = value
    return out


def _is_geo(value: Any) -> bool:
    return isinstance(value, dict) and value.get("type") in ("Point", "LineString", "Polygon") \
        and "coordinates" in value


def _num(value: Any) -> str:
    return str(value)


def to_wkt(geo: dict[str, Any]) -> str:
    """Central's `$wkt=true` rendering of a GeoJSON value."""
    if geo["type"] == "Point":
        return f"POINT ({' '.join(_num(c) for c in geo['coordinates'])})"
    points = geo["coordinates"] if geo["type"] == "LineString" else geo["coordinates"][0]
    joined = ",".join(" ".join(_num(c) for c in p) for p in points)
    return f"LINESTRING ({joined})" if geo["type"] == "LineString" else f"POLYGON (({joined}))"


def main_row(stored: dict[str, Any], instance_id: str, system: dict[str, Any],
             shape: Shape) -> dict[str, Any]:
    """One `Submissions` row: fields, then `__id` and `__system`, then repeat links."""
    pruned = _prune(stored, "", shape)
    out: dict[str, Any] = {}
    tail: dict[str, Any] = {}
    for key, value in pruned.items():
        (tail if key.endswith(NAV) or isinstance(value, list) else out)[key] = value
    meta = shape.metadata
    if meta is None or "__id" in meta:
        out["__id"] = instance_id
    if meta is None or "__system" in meta:
        out["__system"] = system
    elif any(m.startswith("__system/") for m in meta):
        out["__system"] = {k: v for k, v in system.items() if f"__system/{k}" in meta}
    out.update(tail)
    return out


def repeat_rows(stored: dict[str, Any], instance_id: str, table: str, shape: Shape
                ) -> list[dict[str, Any]]:
    """Rows of a `Submissions.<repeat>` table from one submission, in document order."""
    parts = table.split(".")[1:]
    found: list[dict[str, Any]] = []

    def descend(node: Any, depth: int, path: str, parent_id: str, parent_path: str,
                ancestry: list[str]) -> None:
        if depth == len(parts):
            return
        value = node.get(parts[depth]) if isinstance(node, dict) else None
        here = f"{path}/{parts[depth]}"
        names = [*ancestry, parts[depth]]
        if isinstance(value, list):
            for bag in value:
                if depth == len(parts) - 1:
                    found.append(_repeat_row(bag, f"__Submissions{parent_path}-id", parent_id,
                                             here, shape))
                else:
                    descend(bag, depth + 1, here, bag["__id"], "-" + "-".join(names), names)
        elif isinstance(value, dict):
            descend(value, depth + 1, here, parent_id, parent_path, names)

    descend(stored, 0, "", instance_id, "", [])
    return found


def _repeat_row(bag: dict[str, Any], parent_key: str, parent_id: str, path: str,
                shape: Shape) -> dict[str, Any]:
    pruned = _prune(bag, path, shape)
    out: dict[str, Any] = {}
    for key, value in pruned.items():
        if key == "__id":
            if shape.metadata is None or "__id" in shape.metadata:
                out["__id"] = value
            if shape.metadata is None or parent_key in shape.metadata:
                out[parent_key] = parent_id
        else:
            out[key] = value
    return out
