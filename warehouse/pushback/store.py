"""Push-back's state: which submission created each entity (asked of Central once), and a log of runs.

`entity_push_link` exists because the warehouse cannot see an entity's uuid in the registration that
created it (Central's OData leaves out `meta/entity`'s attributes): the creating submission is asked
for once per entity (its first version's `source`) and kept here, so that later runs find the child
through that submission's current assignment (which follows merges and splits) without asking again.
`entity_push_run` records each run's counts, never personal data.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel


class EntityLink(SQLModel, table=True):
    __tablename__ = "entity_push_link"

    dataset: str = Field(primary_key=True, max_length=64)
    uuid: str = Field(primary_key=True, max_length=64)
    entity_created_at: datetime | None = None  # Central's createdAt: the older entity of a child is kept
    instance_id: str | None = Field(default=None, max_length=255)  # the creating submission, if any
    source_checked: bool = False  # whether Central was asked for the creating submission
    first_seen_at: datetime


class PushRun(SQLModel, table=True):
    __tablename__ = "entity_push_run"

    id: int | None = Field(default=None, primary_key=True)
    target: str = Field(max_length=16)  # central | kobo
    started_at: datetime
    finished_at: datetime | None = None
    ok: bool = False
    entities: int = 0  # read from the list (Kobo: rows written to children.csv)
    updated: int = 0  # entities written (Kobo: 1 when the file was uploaded)
    unchanged: int = 0
    conflicts_retried: int = 0  # 409 (someone changed the entity meanwhile), re-read and retried
    conflicts_left: int = 0  # still stale after the retry: left for the next run
    merged_marked: int = 0  # newly given merged_into
    skipped_merged: int = 0  # already merged: never written again
    cleared_erased: int = 0  # personal properties cleared (erased children)
    unlinked: int = 0  # entities no warehouse child is linked to yet
    error: str | None = None
