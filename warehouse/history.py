"""What a submission said on a given date, and when each of its fields changed."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, select

from warehouse.models import SubmissionVersion
from warehouse.reconcile import MARKER

# The source's own bookkeeping changes on every review, and the warehouse's own marks (a version
# found absent) change no answer; history is about what the form said.
_BOOKKEEPING = ("__system", "__id", MARKER)


class FieldChange(BaseModel):
    """One field of one submission changing from one version to the next."""

    field: str
    before: Any
    after: Any
    version_no: int
    changed_at: datetime | None  # the source's time of the version (edit or review), else receipt
    review_state: str | None


def versions(session: Session, *, source: str, project_id: str, form_id: str,
             submission_id: str) -> list[SubmissionVersion]:
    """Every version of one submission, oldest first."""
    return list(session.exec(select(SubmissionVersion).where(
        col(SubmissionVersion.source) == source, col(SubmissionVersion.project_id) == project_id,
        col(SubmissionVersion.form_id) == form_id,
        col(SubmissionVersion.submission_id) == submission_id,
    ).order_by(col(SubmissionVersion.version_no))).all())


def effective_at(version: SubmissionVersion) -> datetime:
    """When a version became what the source said: its edit or review time, else its submission."""
    return version.updated_at or version.submission_date or version.received_at


def as_of(history: list[SubmissionVersion], when: datetime) -> SubmissionVersion | None:
    """The version in force at `when` (None if the submission did not exist yet)."""
    current = None
    for version in history:
        if effective_at(version) <= when:
            current = version
    return current


def field_changes(history: list[SubmissionVersion]) -> list[FieldChange]:
    """Each field that differs between consecutive versions (review-only versions change none)."""
    changes: list[FieldChange] = []
    previous: dict[str, Any] = {}
    for version in history:
        flat = dict(_flatten(version.payload))
        if version.version_no > 1:
            for path in sorted(set(previous) | set(flat)):
                if previous.get(path) != flat.get(path):
                    changes.append(FieldChange(
                        field=path, before=previous.get(path), after=flat.get(path),
                        version_no=version.version_no, changed_at=effective_at(version),
                        review_state=version.review_state))
        previous = flat
    return changes


def _flatten(payload: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in payload.items():
        if key in _BOOKKEEPING or "@odata" in key:
            continue
        path = f"{prefix}/{key}"
        if isinstance(value, Mapping) and "coordinates" not in value:
            yield from _flatten(value, path)
        else:
            yield path, value
