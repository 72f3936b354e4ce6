"""Forms that declare entity lists: parse `meta/entity` and `saveto`, record and publish lists."""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from sandbox.central import entity_problems as problems
from sandbox.central.context import Context
from sandbox.central.problems import Problem
from sandbox.common.xml_safety import children, local, parse_xml

# Central accepts entities spec versions 2022.1.0 to 2025.1.x (lib/data/dataset.js).
_SUPPORTED = ((2022, 1), (2025, 1))
_OFFLINE = (2024, 1)  # older versions get the oldEntityVersion warning
_REPEATS = (2025, 1)


@dataclass
class Declaration:
    """One entity list a form def writes to, with its actions and the properties it saves."""

    name: str
    actions: list[str]
    path: str  # "/" for the form's own meta/entity, "/members/" inside a repeat
    is_repeat: bool = False
    properties: list[tuple[str, str, int]] = field(default_factory=list)  # (name, path, order)


def valid_dataset_name(name: str) -> bool:
    """Central's validateDatasetName: an XML-ish identifier, no `.`, no `__` prefix."""
    return _identifier(name, ":_", ":_-")


def valid_property_name(name: str) -> bool:
    """Central's validatePropertyName: as a dataset name, but `.` allowed and not name/label."""
    lowered = name.lower()
    return lowered not in ("name", "label") and _identifier(lowered, "_", "._-")


def _identifier(name: str, first: str, rest: str) -> bool:
    """Central's `\\p{L}`-based patterns: letters, the given marks, ASCII digits after the first."""
    if not name or name.startswith("__"):
        return False
    if not (name[0].isalpha() or name[0] in first):
        return False
    return all(c.isalpha() or ("0" <= c <= "9") or c in rest for c in name[1:])


def _version(text: str) -> tuple[int, int]:
    m = re.match(r"^(\d+)\.(\d+)", text.strip())
    if not m:
        raise problems.invalid_entity_form(f"Entities specification version [{text}] is not "
                                           "supported.")
    return int(m.group(1)), int(m.group(2))


def _entity_blocks(node: Any, path: list[str], out: list[tuple[str, Any]]) -> None:
    for child in children(node):
        if local(child) == "meta":
            entity = next((c for c in children(child) if local(c) == "entity"), None)
            if entity is not None:
                out.append(("/" + "".join(p + "/" for p in path), entity))
        else:
            _entity_blocks(child, [*path, local(child)], out)


def parse(xml: str, fields: list[dict[str, Any]]) -> tuple[list[Declaration], list[dict[str, Any]]]:
    """Datasets a form declares and any workflow warnings, validated as Central does."""
    root = parse_xml(xml.encode("utf-8"))
    if root is None:
        return [], []
    head = next((c for c in children(root) if local(c) == "head"), None)
    model = next((c for c in children(head) if local(c) == "model"), None) \
        if head is not None else None
    if model is None:
        return [], []
    instance = next((c for c in children(model) if local(c) == "instance"), None)
    data = children(instance)[0] if instance is not None and children(instance) else None
    blocks: list[tuple[str, Any]] = []
    if data is not None:
        _entity_blocks(data, [], blocks)
    if not blocks:
        return [], []
    version_text = next((v for k, v in model.attrib.items()
                         if str(k).split("}")[-1] == "entities-version"), None)
    if version_text is None:
        raise problems.invalid_entity_form("Entities specification version is missing.")
    version = _version(version_text)
    if not (_SUPPORTED[0] <= version <= _SUPPORTED[1]):
        raise problems.invalid_entity_form(f"Entities specification version [{version_text}] "
                                           "is not supported.")
    warnings = [] if version >= _OFFLINE else [{
        "type": "oldEntityVersion", "details": {"version": version_text},
        "reason": f"Entities specification version [{version_text}] is not compatible with "
                  "Offline Entities. Please use version 2024.1.0 or later."}]
    declarations = [_declaration(path, entity) for path, entity in blocks]
    _match_properties(declarations, model, data, fields)
    if (len(declarations) > 1 or any(d.is_repeat for d in declarations)) and version < _REPEATS:
        raise problems.invalid_entity_form(
            f"Entities specification version [{version_text}] is not compatible with entities "
            "from repeats or multiple entity lists.  Please use version 2025.1.0 or later.")
    return declarations, warnings


def _declaration(path: str, entity: Any) -> Declaration:
    attrs = {str(k).split("}")[-1]: v for k, v in entity.attrib.items()}
    name = (attrs.get("dataset") or "").strip() if "dataset" in attrs else None
    if name is None:
        raise problems.invalid_entity_form("Dataset name is missing.")
    if not valid_dataset_name(name):
        raise problems.invalid_entity_form("Invalid dataset name.")
    actions: list[str] = [a for a in ("create", "update") if a in attrs]
    if not actions:
        raise problems.invalid_entity_form("The form must specify at least one entity action, "
                                           "for example, create or update.")
    return Declaration(name, actions, path)


def _match_properties(declarations: list[Declaration], model: Any, data: Any,
                      fields: list[dict[str, Any]]) -> None:
    """Central's matchFieldsWithDatasets: each saveto field joins its closest list."""
    envelope = local(data)
    saveto: dict[str, str] = {}
    for bind in children(model):
        if local(bind) != "bind":
            continue
        prop = next((v for k, v in bind.attrib.items() if str(k).split("}")[-1] == "saveto"),
                    None)
        if prop is not None:
            nodeset = bind.get("nodeset", "")
            saveto["/" + "/".join(p.split(":")[-1] for p in nodeset.split("/")[2:])
                   if nodeset.startswith(f"/{envelope}/") else nodeset] = prop
    if any(not valid_property_name(p) for p in saveto.values()):
        raise problems.invalid_entity_form("Invalid entity property name.")
    by_length = sorted(declarations, key=lambda d: -d.path.count("/"))
    repeats = sorted((f["path"] for f in fields if f["type"] == "repeat"),
                     key=lambda p: -p.count("/"))
    for order, f in enumerate(fields):
        exact = next((d for d in by_length if f["path"] + "/" == d.path), None)
        if exact is not None:
            exact.is_repeat = exact.is_repeat or f["type"] == "repeat"
            continue
        prop = saveto.get(f["path"])
        if prop is None:
            continue
        target = next((d for d in by_length if (f["path"] + "/").startswith(d.path)), None)
        repeat = next((r for r in repeats if (f["path"] + "/").startswith(r + "/")), None)
        if target is None:
            continue
        if repeat is not None and len(repeat) + 1 > len(target.path):
            raise problems.invalid_entity_form("Cannot save properties from a repeat on an "
                                               "entity outside of a repeat.")
        target.properties.append((prop, f["path"], order))
    for d in declarations:
        lowered = [p[0].lower() for p in d.properties]
        if len(set(lowered)) != len(lowered):
            raise problems.invalid_entity_form("Multiple Form Fields cannot be saved to a "
                                               "single property.")


def check_upload(xml: str, fields: list[dict[str, Any]], ignore_warnings: bool) -> None:
    """Refuse an invalid entity form (400.25) or, without ignoreWarnings, an old spec (400.16)."""
    _, warnings = parse(xml, fields)
    if warnings and not ignore_warnings:
        raise Problem(
            400.16, "The Form is valid, but with warnings. Please check the warnings and if "
            "they are acceptable resubmit with ?ignoreWarnings=true",
            {"warnings": {"workflowWarnings": warnings}})


def record_def(db: sqlite3.Connection, ctx: Context, form_id: int, def_id: int,
               carry_from: int | None) -> None:
    """After a def is stored: its lists (unpublished if new) and dataset-linked attachments."""
    form = db.execute("SELECT project_id FROM forms WHERE id = ?", (form_id,)).fetchone()
    defn = db.execute("SELECT xml, fields FROM form_defs WHERE id = ?", (def_id,)).fetchone()
    project_id = form["project_id"]
    declarations, _ = parse(defn["xml"], json.loads(defn["fields"]))
    for d in declarations:
        similar = db.execute("SELECT name FROM datasets WHERE project_id = ? AND lower(name) = "
                             "lower(?) AND name != ? AND published_at IS NOT NULL",
                             (project_id, d.name, d.name)).fetchone()
        if similar is not None:
            raise Problem(
                409.16, f"A dataset named '{similar['name']}' exists and you provided "
                f"'{d.name}' with the same name but different capitalization.",
                {"current": similar["name"], "provided": d.name})
        db.execute("INSERT OR IGNORE INTO datasets (project_id, name, created_at) VALUES "
                   "(?, ?, ?)", (project_id, d.name, ctx.now()))
        ds_id = db.execute("SELECT id FROM datasets WHERE project_id = ? AND name = ?",
                           (project_id, d.name)).fetchone()["id"]
        db.execute("INSERT OR IGNORE INTO dataset_form_defs (dataset_id, form_def_id, actions, "
                   "path, is_repeat) VALUES (?,?,?,?,?)",
                   (ds_id, def_id, json.dumps(d.actions), d.path, int(d.is_repeat)))
        for name, path, order in d.properties:
            db.execute("INSERT OR IGNORE INTO ds_properties (dataset_id, name) VALUES (?, ?)",
                       (ds_id, name))
            prop_id = db.execute("SELECT id FROM ds_properties WHERE dataset_id = ? AND "
                                 "name = ?", (ds_id, name)).fetchone()["id"]
            db.execute("INSERT OR IGNORE INTO ds_property_fields (property_id, form_def_id, "
                       "path, field_order) VALUES (?,?,?,?)", (prop_id, def_id, path, order))
    _link_attachments(db, project_id, def_id, carry_from)


def _link_attachments(db: sqlite3.Connection, project_id: int, def_id: int,
                      carry_from: int | None) -> None:
    """A new form links `<list>.csv` to published lists; a new version carries links over."""
    rows = db.execute("SELECT name, type FROM form_attachments WHERE form_def_id = ?",
                      (def_id,)).fetchall()
    for row in rows:
        if carry_from is not None:
            old = db.execute("SELECT a.dataset_id FROM attachment_datasets a JOIN "
                             "form_attachments f ON f.form_def_id = a.form_def_id AND "
                             "f.name = a.name WHERE a.form_def_id = ? AND a.name = ? AND "
                             "f.type = ?", (carry_from, row["name"], row["type"])).fetchone()
            dataset_id = old["dataset_id"] if old else None
        elif row["type"] == "file" and row["name"].endswith(".csv"):
            found = db.execute("SELECT id FROM datasets WHERE project_id = ? AND name = ? AND "
                               "published_at IS NOT NULL",
                               (project_id, row["name"][:-4])).fetchone()
            dataset_id = found["id"] if found else None
        else:
            dataset_id = None
        if dataset_id is not None:
            db.execute("INSERT OR REPLACE INTO attachment_datasets (form_def_id, name, "
                       "dataset_id) VALUES (?, ?, ?)", (def_id, row["name"], dataset_id))


def publish_def(db: sqlite3.Connection, ctx: Context, def_id: int, published_at: str) -> None:
    """Central's publishIfExists, then autoLinkWithDataset for lists this publish created."""
    created = db.execute("SELECT d.* FROM datasets d JOIN dataset_form_defs f ON "
                         "f.dataset_id = d.id WHERE f.form_def_id = ? AND d.published_at IS "
                         "NULL", (def_id,)).fetchall()
    added = db.execute("SELECT DISTINCT p.dataset_id FROM ds_properties p JOIN "
                       "ds_property_fields f ON f.property_id = p.id WHERE f.form_def_id = ? "
                       "AND p.published_at IS NULL", (def_id,)).fetchall()
    db.execute("UPDATE ds_properties SET published_at = ? WHERE published_at IS NULL AND id IN "
               "(SELECT property_id FROM ds_property_fields WHERE form_def_id = ?)",
               (published_at, def_id))
    for ds in created:
        db.execute("UPDATE datasets SET published_at = ?, last_audit = ? WHERE id = ?",
                   (published_at, published_at, ds["id"]))
        attachment = db.execute(
            "SELECT * FROM form_attachments WHERE form_def_id = ? AND name = ? AND type = "
            "'file' AND name != 'itemsets.csv' AND content IS NULL",
            (def_id, f"{ds['name']}.csv")).fetchone()
        linked = db.execute("SELECT 1 FROM attachment_datasets WHERE form_def_id = ? AND "
                            "name = ?", (def_id, f"{ds['name']}.csv")).fetchone()
        if attachment is not None and linked is None:
            db.execute("INSERT INTO attachment_datasets (form_def_id, name, dataset_id) "
                       "VALUES (?, ?, ?)", (def_id, attachment["name"], ds["id"]))
    for row in added:
        db.execute("UPDATE datasets SET last_audit = ? WHERE id = ?", (ctx.now(),
                                                                      row["dataset_id"]))
