"""What one entity of the `children` list should hold, and which properties differ: pure, no I/O.

Rules (ARCHITECTURE.md, Identity; DOMAIN.md §5.2):

* an entity linked to a child gets the warehouse's `child_id` and the properties push-back keeps
  (plan status, next follow-up, sensitive consent, the current plan, and the LAO of the child's
  latest registration, so a moved child's kept entity shows in the new LAO's list); a property the
  warehouse knows nothing about is left as the field has it;
* when several entities belong to one child (matching merged their children), the oldest entity
  (Central's `createdAt`, then uuid) is kept; each other one gets `merged_into` = the kept
  entity's uuid — the value the forms' list can resolve (`name` of children.csv) — and is never
  written again (the forms' choice filter `merged_into = ''` hides it);
* an erased child's entities lose every personal property and their status, the label becomes a
  neutral text, and only the warehouse's opaque `child_id` stays as the tombstone marker (an empty
  `lao_code` also takes the entity out of every enumerator's filtered list); their status is never
  written again.

Only differing properties are sent, so a second run over the same state writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

# The properties push-back keeps (forms/xlsform/README.md, "The children entity list").
PUSHED = ("child_id", "plan_status", "next_followup_due", "sensitive_consent", "plan_id", "plan_version",
          "plan_date", "plan_interventions", "lao_code")
# Personal or case properties an erasure empties (child_id, opaque, stays; merged_into stays).
ERASED_EMPTY = ("full_name", "nickname", "village", "birth_year", "registered_on", "lao_code",
                "plan_status", "next_followup_due", "sensitive_consent", "plan_id", "plan_version",
                "plan_date", "plan_interventions")
ERASED_LABEL = "ข้อมูลถูกลบตามคำขอ"  # "data deleted on request": the entity's label after erasure
MERGED_INTO = "merged_into"

# What a decision does; the orchestration counts them.
UPDATE, UNCHANGED, MARK_MERGED, SKIP_MERGED, CLEAR_ERASED, UNLINKED = (
    "update", "unchanged", "mark_merged", "skip_merged", "clear_erased", "unlinked")


@dataclass(frozen=True)
class ChildState:
    """One (active) child as the warehouse knows it: the entity properties it can vouch for."""

    child_id: str
    erased: bool = False
    values: Mapping[str, str] = field(default_factory=dict)  # of PUSHED; absent = unknown, leave


@dataclass(frozen=True)
class EntityNow:
    """An entity as just read from Central: its label, properties (strings) and version."""

    uuid: str
    label: str | None
    data: Mapping[str, str | None]
    version: int | None
    created_at: datetime | None = None


@dataclass(frozen=True)
class Decision:
    uuid: str
    action: str  # one of the constants above
    data: dict[str, str] = field(default_factory=dict)  # only the properties that differ
    label: str | None = None  # a new label, or None to leave it

    @property
    def writes(self) -> bool:
        return bool(self.data) or self.label is not None


def kept_entities(entities: Iterable[tuple[str, datetime | None, str]]) -> dict[str, str]:
    """Child id → the uuid of its kept entity, from (uuid, createdAt, child id) triples: the oldest,
    an entity with no createdAt counting as newest, the uuid breaking ties."""
    best: dict[str, tuple[bool, datetime, str]] = {}
    for uuid, created_at, child_id in entities:
        key = (created_at is None, created_at or datetime.max, uuid)
        if child_id not in best or key < best[child_id]:
            best[child_id] = key
    return {child_id: key[2] for child_id, key in best.items()}


def _held(entity: EntityNow, name: str) -> str:
    value = entity.data.get(name)
    return "" if value is None else str(value)


def _differing(entity: EntityNow, wanted: Mapping[str, str]) -> dict[str, str]:
    return {name: value for name, value in wanted.items() if _held(entity, name) != value}


def decide(entity: EntityNow, child: ChildState | None, kept_uuid: str | None) -> Decision:
    """What to write to `entity`, linked to `child` (None: no child yet), whose kept entity is
    `kept_uuid` (None: this one, or not known)."""
    if child is None:
        return Decision(entity.uuid, UNLINKED)
    if child.erased:
        wanted = dict.fromkeys(ERASED_EMPTY, "")
        wanted["child_id"] = child.child_id
        changed = _differing(entity, wanted)
        label = ERASED_LABEL if entity.label != ERASED_LABEL else None
        if not changed and label is None:
            return Decision(entity.uuid, UNCHANGED)
        return Decision(entity.uuid, CLEAR_ERASED, changed, label)
    if _held(entity, MERGED_INTO):
        return Decision(entity.uuid, SKIP_MERGED)
    if kept_uuid is not None and kept_uuid != entity.uuid:
        return Decision(entity.uuid, MARK_MERGED, {MERGED_INTO: kept_uuid})
    wanted = {"child_id": child.child_id, **{k: v for k, v in child.values.items() if k in PUSHED}}
    changed = _differing(entity, wanted)
    return Decision(entity.uuid, UPDATE if changed else UNCHANGED, changed)

