"""The append-only audit log: every export, delivery and data-subject action (PDPA, DOMAIN §5.2).

Rows are only ever inserted. The database itself refuses UPDATE and DELETE on `audit_event` (a
trigger on PostgreSQL and on SQLite, made by migration 0007), so neither a bug nor a person with the
application's credentials can rewrite history through odksync.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Field, Session, SQLModel, col, select

from warehouse.models import json_column

ACTIONS = (
    "export",  # a report or partner export written
    "delivery",  # a file delivered to a destination
    "child_show",  # access / portability
    "child_correct",  # rectification
    "child_erase",  # erasure
    "purge",  # retention
    "sensitive_read",  # a read of S fields
)

APPEND_ONLY_MESSAGE = "audit_event is append-only"


class AuditEvent(SQLModel, table=True):
    """One audited action: who did what, to which fields, how many rows, on what legal basis, when."""

    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    occurred_at: datetime = Field(index=True)
    actor: str = Field(max_length=255)  # the person or process (an OS user, "dagster", a role)
    action: str = Field(max_length=32, index=True)
    subject: str | None = Field(default=None, max_length=255)  # a child key, a file, an agency
    fields: list[str] = json_column()
    row_count: int = 0
    legal_basis: str | None = Field(default=None, max_length=64)  # e.g. pdpa-s24-4, consent
    details: dict[str, Any] = json_column()


class AuditError(ValueError):
    """An audit record that cannot be written as asked (unknown action, negative count)."""


def actor(by: str | None = None, *, fallback: str = "unknown") -> str:
    """Who an audited action is by: the name given (`--by`), else the operating-system user."""
    if by and by.strip():
        return by.strip()
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return fallback


def record(
    engine: Engine,
    *,
    actor: str,
    action: str,
    fields: Iterable[str] = (),
    row_count: int = 0,
    legal_basis: str | None = None,
    subject: str | None = None,
    details: Mapping[str, Any] | None = None,
    session: Session | None = None,
) -> AuditEvent:
    """Append one audit event; inside `session` when given (then the caller commits with its work)."""
    if action not in ACTIONS:
        raise AuditError(f"unknown audit action {action!r}; known: {', '.join(ACTIONS)}")
    if row_count < 0:
        raise AuditError("row_count cannot be negative")
    if not actor:
        raise AuditError("an audit event needs an actor")
    event = AuditEvent(
        occurred_at=datetime.now(UTC),
        actor=actor,
        action=action,
        subject=subject,
        fields=sorted(set(fields)),
        row_count=row_count,
        legal_basis=legal_basis,
        details=dict(details or {}),
    )
    if session is not None:
        session.add(event)
        session.flush()
        return event
    with Session(engine, expire_on_commit=False) as own:
        own.add(event)
        own.commit()
        own.refresh(event)
    return event


def events(engine: Engine, *, action: str | None = None) -> list[AuditEvent]:
    """The audit log in order of writing (optionally one action)."""
    with Session(engine) as session:
        query = select(AuditEvent).order_by(col(AuditEvent.id))
        if action is not None:
            query = query.where(col(AuditEvent.action) == action)
        return list(session.exec(query).all())


# The triggers migration 0007 installs (kept here so tests and the migration read the same text).
SQLITE_TRIGGERS = (
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END",
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END",
)
POSTGRES_TRIGGERS = (
    "CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f"BEGIN RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}'; END $$",
    "CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
    "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()",
)
