"""Raw submissions for normalisation tests: payloads the local server served, stored as the sync does."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session

from warehouse.raw import store_page

# One submission per form as the local Central serves it after a simulated visit cycle
# (OData JSON with repeats expanded), plus a registration whose consent was refused.
SAMPLES: dict[str, dict[str, Any]] = json.loads(
    (Path(__file__).parent / "data" / "normalise_samples.json").read_text(encoding="utf-8"))
VERSION = {"child_registration": "2026113003", "home_visit": "2026113001",
           "assistance_plan": "2026113001", "plan_followup": "2026113001"}
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@dataclass
class System:
    submission_date: datetime | None = NOW
    updated_at: datetime | None = None
    deleted_at: datetime | None = None
    review_state: str | None = None
    form_version: str | None = None


@dataclass
class Raw:
    id: str
    data: Mapping[str, Any]
    system: System = field(default_factory=System)

    @property
    def raw(self) -> Mapping[str, Any]:
        deleted = self.system.deleted_at.isoformat() if self.system.deleted_at else None
        return {**self.data, "__id": self.id,
                "__system": {"deletedAt": deleted, "formVersion": self.system.form_version}}


def sample(name: str, submission_id: str | None = None) -> dict[str, Any]:
    """A deep copy of a sample payload, with its own instance id."""
    data = copy.deepcopy(SAMPLES[name])
    for key in ("__id", "__system"):
        data.pop(key, None)
    if submission_id:
        data["meta"]["instanceID"] = submission_id
    return data


def store(session: Session, form_id: str, submissions: list[Raw], *, project_id: str = "1",
          source: str = "central") -> None:
    """Write submissions into the raw layer exactly as a sync page would, and commit."""
    store_page(session, submissions, source=source, project_id=project_id, form_id=form_id,
               checker_for=lambda _version: None, now=NOW)
    session.commit()


def raw(form_id: str, submission_id: str, data: Mapping[str, Any], *, version: str | None = None,
        deleted: bool = False) -> Raw:
    return Raw(id=submission_id, data=data, system=System(
        form_version=version or VERSION.get(form_id, "2026113001"),
        deleted_at=NOW if deleted else None))
