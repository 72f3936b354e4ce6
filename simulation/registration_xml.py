"""Serialises a synthetic child as the child_registration instance that ODK Collect submits."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Literal, TypeAlias
from xml.sax.saxutils import escape, quoteattr

if TYPE_CHECKING:
    from simulation.generator import SyntheticChild

FORM_ID = "child_registration"
CONSENT_VERSION = "notice-2026-11"  # the form's consent_version calculate
ROOT = "data"  # pyxform's default instance root name
DATASET = "children"  # the entity list the registration creates
ENTITY_NAMESPACE = uuid.UUID("9d1f3e52-7a0b-4c88-b1e4-2f6a9c0d5e17")

# Collect copies the namespace declarations of the XForm's root onto the submission root.
_NAMESPACES = (
    ' xmlns:h="http://www.w3.org/1999/xhtml"'
    ' xmlns:jr="http://openrosa.org/javarosa"'
    ' xmlns:orx="http://openrosa.org/xforms"'
    ' xmlns:odk="http://www.opendatakit.org/xforms"'
    ' xmlns:xsd="http://www.w3.org/2001/XMLSchema"'
    ' xmlns:ev="http://www.w3.org/2001/xml-events"'
)

# None: the question was not relevant, so Collect leaves its element out of the submission;
# "": relevant but unanswered, sent as an empty element.
Node: TypeAlias = "tuple[str, str | list[Node] | None]"
MalformedKind = Literal["unknown_field", "missing_required", "wrong_type", "missing_instance_id"]


def _yn(value: bool | None) -> str | None:
    return None if value is None else ("1" if value else "0")


def _opt(value: object | None) -> str:
    return "" if value is None else str(value)


def _when(condition: bool, value: str | None) -> str | None:
    return value if condition else None


def _group(relevant: bool, nodes: list[Node]) -> list[Node] | None:
    return nodes if relevant else None


def instance_tree(child: SyntheticChild, *, form_version: str, instance_id: str) -> list[Node]:
    """The submission as nested (name, value) pairs in the form's instance order."""
    c = child
    ok = c.consent_ok
    assent_asked = c.consent_given and 10 <= c.consent_age < 20
    nid = c.national_id
    check_ok = None
    confirm = None
    if nid:
        from warehouse.identifiers import th_id_check_digit

        check_ok = th_id_check_digit(nid[:12]) == int(nid[12])
        if nid[0] == "9" or (nid[0] == "0" and not check_ok):
            confirm = "1"
    label = f"{c.first_name} {c.last_name}" if ok else f"ไม่ยินยอม {c.lao_code}"
    case = case_properties(c) if ok else {}
    list_label = entity_label(c, case.get("village", "")) if ok else ""
    return [
        ("start", c.start.isoformat(timespec="milliseconds")),
        ("end", c.end.isoformat(timespec="milliseconds")),
        ("today", c.today.isoformat()),
        ("deviceid", c.deviceid),
        ("username", c.enumerator),
        ("phonenumber", ""),
        ("enumerator_id", c.enumerator),
        ("lao", [
            ("lao_province", c.lao_province),
            ("lao_district", c.lao_district),
            ("lao_code", c.lao_code),
        ]),
        ("consent", [
            ("consent_notice", ""),
            ("consent_age", str(c.consent_age)),
            ("consent_by", c.consent_by),
            ("consent_given", _yn(c.consent_given)),
            ("child_assent", _when(assent_asked, _yn(c.child_assent))),
            ("consent_ok", "1" if ok else "0"),
            ("consent_scope", _when(ok, " ".join(c.consent_scope))),
            ("consent_version", CONSENT_VERSION),
            ("consent_refused", _when(not ok, "")),
        ]),
        ("child", _group(ok, [
            ("id_scheme", c.id_scheme),
            ("national_id", _when(c.id_scheme in ("TH_PID", "NONTHAI_PID"), nid)),
            ("id_check_ok", None if check_ok is None else ("1" if check_ok else "0")),
            ("id_confirm", confirm),
            ("g_code", _when(c.id_scheme == "GCODE", c.g_code)),
            ("sex", c.sex),
            ("birth_date_precision", c.birth_date_precision),
            ("birth_date", _when(c.birth_date_precision != "EST", _opt(c.birth_date))),
            ("age_estimate", _when(c.birth_date_precision == "EST", str(c.consent_age))),
            ("age_years", str(c.age_years)),
            ("prefix", c.prefix),
            ("first_name", c.first_name),
            ("last_name", c.last_name),
            ("nickname", _opt(c.nickname)),
            ("former_names", _opt(c.former_names)),
            ("nationality_status", c.nationality_status),
        ])),
        ("address", _group(ok, [
            ("house_no", _opt(c.house_no)),
            ("moo", _opt(c.moo)),
            ("village_name", _opt(c.village_name)),
            ("province_code", c.province_code),
            ("district_code", c.district_code),
            ("subdistrict_code", c.subdistrict_code),
            ("geopoint", _opt(c.geopoint)),
            ("residence_status", c.residence_status),
        ])),
        ("guardian", _group(ok, [
            ("guardian_relationship", c.guardian_relationship),
            ("guardian_name", _when(c.guardian_relationship != "SELF", _opt(c.guardian_name))),
            ("guardian_phone", _opt(c.guardian_phone)),
            ("lives_with", c.lives_with),
        ])),
        ("education", _group(ok, [
            ("ever_enrolled", _yn(c.ever_enrolled)),
            ("oos_category", c.oos_category),
            ("highest_level", _when(c.ever_enrolled, _opt(c.highest_level))),
            ("last_school", _when(c.ever_enrolled, _opt(c.last_school))),
            ("year_left_be", _when(c.ever_enrolled and c.oos_category != "ATRISK",
                                   _opt(c.year_left_be))),
            ("leave_reasons", " ".join(c.leave_reasons)),
            ("urgent_flag", _yn(c.urgent)),
        ])),
        ("case", _group(ok, [
            *case.items(),
            ("list_label", list_label),
            ("list_preview", ""),
        ])),
        ("instance_label", label),
        ("meta", [
            # create_if is a boolean calculate: Collect writes it as "true"/"false".
            ("entity", [("@dataset", DATASET), ("@create", "true" if ok else "false"),
                        ("@id", entity_id(instance_id)), ("label", list_label)]),
            ("instanceID", instance_id),
            ("instanceName", label),
        ]),
    ]


def entity_id(instance_id: str) -> str:
    """The uuid Collect's uuid() gave the entity on first load; fixed by the instance id here."""
    from simulation.generator import simulated_uuid

    return simulated_uuid(instance_id, ENTITY_NAMESPACE)


def case_properties(c: SyntheticChild) -> dict[str, str]:
    """The `case` calculates the registration saves to the child's entity, in form order."""
    village = " ".join(
        x for x in (f"หมู่ {c.moo}" if c.moo is not None else "", c.village_name or "") if x)
    if c.birth_date is None or c.birth_date_precision == "EST":
        birth_year = str(c.today.year - c.consent_age)
    else:
        birth_year = str(c.birth_date.year)
    return {
        "child_id": "",
        "full_name": f"{c.first_name} {c.last_name}",
        "village": village,
        "birth_year": birth_year,
        "registered_on": c.today.isoformat(),
        "plan_status": "10",
        "next_followup_due": (c.today + timedelta(days=14)).isoformat(),
        "sensitive_consent": "", "plan_id": "", "plan_version": "", "plan_date": "",
        "plan_interventions": "", "merged_into": "",
    }


def entity_label(c: SyntheticChild, village: str) -> str:
    """The list_label calculate: how the child appears in the follow-on forms' lists."""
    nickname = f" ({c.nickname})" if c.nickname else ""
    return f"{c.first_name} {c.last_name}{nickname}" + (f" · {village}" if village else "")


def _render(nodes: list[Node], out: list[str]) -> None:
    for name, value in nodes:
        if value is None or name.startswith("@"):
            continue
        if isinstance(value, list):
            # Children named "@x" are the element's attributes (meta/entity's dataset, id, …).
            attrs = "".join(f" {n[1:]}={quoteattr(v)}" for n, v in value
                            if n.startswith("@") and isinstance(v, str))
            out.append(f"<{name}{attrs}>")
            _render(value, out)
            out.append(f"</{name}>")
        elif value == "":
            out.append(f"<{name}/>")
        else:
            out.append(f"<{name}>{escape(value)}</{name}>")


def render(nodes: list[Node], *, form_version: str, form_id: str = FORM_ID) -> bytes:
    """Collect's serialisation: one line, XML declaration, id and version on the root."""
    out = [
        "<?xml version='1.0' ?>",
        f"<{ROOT} id={quoteattr(form_id)} version={quoteattr(form_version)}{_NAMESPACES}>",
    ]
    _render(nodes, out)
    out.append(f"</{ROOT}>")
    return "".join(out).encode("utf-8")


def submission_xml(child: SyntheticChild, *, form_version: str, instance_id: str) -> bytes:
    """The well-formed submission for this child."""
    tree = instance_tree(child, form_version=form_version, instance_id=instance_id)
    return render(tree, form_version=form_version)


def _edit(nodes: list[Node], path: list[str], new: Node | None, *, append: bool = False) -> None:
    """Replace (or drop, or append to) the node at path, in place."""
    for i, (name, value) in enumerate(nodes):
        if name != path[0]:
            continue
        if len(path) > 1 and isinstance(value, list):
            _edit(value, path[1:], new, append=append)
        elif append and isinstance(value, list) and new is not None:
            value.append(new)
        elif new is None:
            del nodes[i]
        else:
            nodes[i] = new
        return
    raise KeyError("/".join(path))


def malformed_xml(
    kind: MalformedKind, child: SyntheticChild, *, form_version: str, instance_id: str
) -> bytes:
    """The child's submission broken in one way; needs a child who gave consent."""
    if not child.consent_ok:
        raise ValueError("malformed variants need a child whose consent was given")
    tree = instance_tree(child, form_version=form_version, instance_id=instance_id)
    if kind == "unknown_field":
        _edit(tree, ["child"], ("shoe_size", "38"), append=True)
    elif kind == "missing_required":
        _edit(tree, ["child", "first_name"], None)
    elif kind == "wrong_type":
        _edit(tree, ["consent", "consent_age"], ("consent_age", "สิบสอง"))
    elif kind == "missing_instance_id":
        _edit(tree, ["meta", "instanceID"], None)
    else:
        raise ValueError(f"unknown malformation {kind!r}")
    return render(tree, form_version=form_version)
