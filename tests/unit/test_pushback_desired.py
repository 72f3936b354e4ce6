"""Push-back's decision for one entity: only differing properties, merged entities left alone, erased
children cleared (warehouse.pushback.desired, pure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from warehouse.pushback.desired import (
    CLEAR_ERASED,
    ERASED_EMPTY,
    ERASED_LABEL,
    MARK_MERGED,
    SKIP_MERGED,
    UNCHANGED,
    UNLINKED,
    UPDATE,
    ChildState,
    EntityNow,
    decide,
    kept_entities,
)

REGISTERED = {"lao_code": "6810104", "nickname": "ปาล์ม", "child_id": "", "full_name": "ขจิตร อะคะปัน",
              "village": "หมู่ 11", "birth_year": "2011", "registered_on": "2026-04-26", "plan_status": "10",
              "next_followup_due": "2026-05-10", "sensitive_consent": "", "plan_id": "", "plan_version": "",
              "plan_date": "", "plan_interventions": "", "merged_into": ""}
CHILD = ChildState("C1", values={"plan_status": "40", "next_followup_due": "2026-06-01", "plan_id": "p1",
                                 "plan_version": "1", "plan_date": "2026-05-20",
                                 "plan_interventions": "NFE SCHOLARSHIP"})


def entity(uuid: str = "e1", **changes: str) -> EntityNow:
    return EntityNow(uuid=uuid, label="ขจิตร อะคะปัน (ปาล์ม) · หมู่ 11", data={**REGISTERED, **changes},
                     version=3)


def test_only_the_properties_that_differ_are_sent() -> None:
    decision = decide(entity(plan_status="40", plan_id="p1"), CHILD, None)
    assert decision.action == UPDATE
    assert decision.data == {"child_id": "C1", "next_followup_due": "2026-06-01", "plan_version": "1",
                             "plan_date": "2026-05-20", "plan_interventions": "NFE SCHOLARSHIP"}
    assert decision.label is None


def test_an_entity_that_already_shows_the_warehouse_state_is_not_written() -> None:
    decision = decide(entity(child_id="C1", **CHILD.values), CHILD, "e1")
    assert (decision.action, decision.writes) == (UNCHANGED, False)


def test_what_the_warehouse_does_not_know_is_left_as_the_field_has_it() -> None:
    decision = decide(entity(sensitive_consent="1"), ChildState("C1", values={"plan_status": "20"}), None)
    assert decision.data == {"child_id": "C1", "plan_status": "20"}


def test_a_missing_or_null_property_counts_as_empty() -> None:
    bare = EntityNow(uuid="e1", label="x", data={"plan_status": None}, version=1)
    assert decide(bare, ChildState("C1", values={"plan_status": ""}), None).data == {"child_id": "C1"}


def test_the_newer_entity_of_a_merged_child_is_marked_once_then_never_written() -> None:
    newer = entity("e2")
    first = decide(newer, CHILD, "e1")
    assert (first.action, first.data) == (MARK_MERGED, {"merged_into": "e1"})
    marked = entity("e2", merged_into="e1")
    later = decide(marked, CHILD, "e1")
    assert (later.action, later.writes) == (SKIP_MERGED, False)
    # even if the status moves on, or the kept entity changes, a merged entity is not written
    assert decide(marked, ChildState("C1", values={"plan_status": "50"}), "e9").writes is False


def test_an_erased_child_loses_every_personal_property_and_its_status() -> None:
    decision = decide(entity(child_id="C1", merged_into=""), ChildState("C1", erased=True), "e1")
    assert decision.action == CLEAR_ERASED
    assert decision.label == ERASED_LABEL
    assert set(decision.data) == {k for k in ERASED_EMPTY if REGISTERED[k]}
    assert all(v == "" for v in decision.data.values())
    assert "child_id" not in decision.data  # the opaque id stays: the tombstone's marker
    cleared = EntityNow(uuid="e1", label=ERASED_LABEL,
                        data={**REGISTERED, **dict.fromkeys(ERASED_EMPTY, ""), "child_id": "C1"}, version=4)
    assert decide(cleared, ChildState("C1", erased=True), "e1").writes is False


def test_an_erased_childs_merged_duplicate_is_cleared_too() -> None:
    decision = decide(entity("e2", merged_into="e1"), ChildState("C1", erased=True), "e1")
    assert decision.action == CLEAR_ERASED and decision.data["full_name"] == ""
    assert "merged_into" not in decision.data


def test_an_entity_no_child_is_linked_to_is_left_alone() -> None:
    assert decide(entity(), None, None).action == UNLINKED


@pytest.mark.parametrize(("entities", "kept"), [
    ([("b", datetime(2026, 1, 2, tzinfo=UTC), "C1"), ("a", datetime(2026, 1, 3, tzinfo=UTC), "C1")], "b"),
    ([("b", datetime(2026, 1, 2, tzinfo=UTC), "C1"), ("a", datetime(2026, 1, 2, tzinfo=UTC), "C1")], "a"),
    ([("b", None, "C1"), ("a", datetime(2026, 1, 3, tzinfo=UTC), "C1")], "a"),
])
def test_the_oldest_entity_of_a_child_is_kept(entities: list[tuple[str, datetime | None, str]],
                                              kept: str) -> None:
    assert kept_entities(entities) == {"C1": kept}
    assert kept_entities(reversed(entities)) == {"C1": kept}
