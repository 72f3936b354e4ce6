"""The audit log only grows: the database itself refuses UPDATE and DELETE (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DatabaseError

from warehouse.audit import APPEND_ONLY_MESSAGE, AuditError, events, record


def test_an_event_is_written_with_who_what_fields_rows_basis_and_when(engine: Engine) -> None:
    event = record(engine, actor="somchai", action="export", fields=["sex", "child_key", "sex"],
                   row_count=12, legal_basis="pdpa-s24-4", subject="eef",
                   details={"file": "eef_plan_status_2026-10.csv", "sha256": "ab" * 32})
    [stored] = events(engine)
    assert stored.id == event.id
    assert (stored.actor, stored.action, stored.fields, stored.row_count, stored.legal_basis) == (
        "somchai", "export", ["child_key", "sex"], 12, "pdpa-s24-4")
    assert stored.details == {"file": "eef_plan_status_2026-10.csv", "sha256": "ab" * 32}
    assert stored.occurred_at is not None


@pytest.mark.parametrize("statement", [
    "UPDATE audit_event SET row_count = 0",
    "UPDATE audit_event SET actor = 'someone else' WHERE action = 'child_erase'",
    "DELETE FROM audit_event",
    "DELETE FROM audit_event WHERE action = 'child_erase'",
])
def test_update_and_delete_are_refused_by_the_database(engine: Engine, statement: str) -> None:
    record(engine, actor="somchai", action="child_erase", subject="3f2a9c", row_count=1)
    with pytest.raises(DatabaseError, match=APPEND_ONLY_MESSAGE), engine.begin() as connection:
        connection.execute(text(statement))
    [kept] = events(engine)
    assert (kept.actor, kept.row_count) == ("somchai", 1)


def test_truncate_is_refused_on_postgresql(engine: Engine) -> None:
    record(engine, actor="somchai", action="purge", row_count=3)
    statement = "TRUNCATE audit_event" if engine.dialect.name == "postgresql" else "DELETE FROM audit_event"
    with pytest.raises(DatabaseError, match=APPEND_ONLY_MESSAGE), engine.begin() as connection:
        connection.execute(text(statement))
    assert len(events(engine)) == 1


def test_appending_still_works_after_a_refused_change(engine: Engine) -> None:
    record(engine, actor="a", action="child_show", subject="k1")
    with pytest.raises(DatabaseError), engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_event"))
    record(engine, actor="b", action="delivery", row_count=5)
    assert [e.actor for e in events(engine)] == ["a", "b"]
    assert [e.actor for e in events(engine, action="delivery")] == ["b"]


@pytest.mark.parametrize("kwargs, message", [
    ({"action": "drop_everything"}, "unknown audit action"),
    ({"action": "export", "row_count": -1}, "negative"),
    ({"action": "export", "actor": ""}, "needs an actor"),
])
def test_a_malformed_event_is_refused_before_writing(engine: Engine, kwargs: dict, message: str) -> None:
    with pytest.raises(AuditError, match=message):
        record(engine, **{"actor": "somchai", **kwargs})
    assert events(engine) == []
