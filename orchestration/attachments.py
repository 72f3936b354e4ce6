"""Fetch the media files of current submissions into the content store, once each."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from connectors.central.client import CentralClient
from connectors.central.errors import AttachmentTooLarge
from warehouse.content_store import ContentStore, attachment_name_problem, storable_name
from warehouse.encrypted import not_sealed
from warehouse.models import Attachment, Submission
from warehouse.upsert import upsert


@dataclass
class AttachmentResult:
    """What one pass over a form's attachments did."""

    downloaded: int = 0
    unchanged: int = 0
    missing: int = 0
    refused: int = 0  # names that could act as paths or hide characters: never fetched
    too_large: int = 0  # over ODKSYNC_MAX_ATTACHMENT_BYTES: refused, nothing kept


# States of a file that is never fetched again (until its submission names another file).
REFUSED_STATES = ("refused_name", "too_large")
log = logging.getLogger(__name__)


def fetch_attachments(
    client: CentralClient, project_id: int, engine: Engine, store: ContentStore, *, form_id: str
) -> AttachmentResult:
    """Download what current submissions name and the store lacks; ETags spare unchanged files.

    Only submissions whose files are not all held are asked about, so a form without media, or
    whose media are all in the store, costs no request.
    """
    result = AttachmentResult()
    key = {"source": "central", "project_id": str(project_id), "form_id": form_id}
    with Session(engine) as session:
        pending = _pending(session, key)
        for submission in pending:
            held = {a.name: a for a in session.exec(select(Attachment).where(
                *_key_filter(key), col(Attachment.submission_id) == submission.submission_id))}
            rows = []
            for info in client.list_attachments(form_id, submission.submission_id,
                                                project_id=project_id):
                problem = attachment_name_problem(info.name)
                name = info.name if problem is None else storable_name(str(info.name))
                known = held.get(name)
                row: dict[str, Any] = {**key, "submission_id": submission.submission_id, "name": name,
                       "checked_at": datetime.now(UTC), "state": "missing", "sha256": None,
                       "size": None, "etag": None}
                if problem is not None:
                    log.warning("%s %s: attachment %r refused (%s); not fetched", form_id,
                                submission.submission_id, name, problem)
                    result.refused += 1
                    rows.append({**row, "state": "refused_name"})
                    continue
                if not info.exists:
                    result.missing += 1
                    rows.append(row)
                    continue
                if known is not None and known.state in REFUSED_STATES:
                    result.too_large += known.state == "too_large"
                    rows.append({**row, "state": known.state, "size": known.size})
                    continue
                etag = known.etag if known and known.sha256 and store.has(known.sha256) else None
                scratch = store.scratch()
                try:
                    done = client.download_attachment(form_id, submission.submission_id, info.name,
                                                      scratch, etag=etag, project_id=project_id,
                                                      max_bytes=store.max_file_bytes)
                except AttachmentTooLarge as exc:
                    log.warning("%s %s: %s", form_id, submission.submission_id, exc)
                    scratch.unlink(missing_ok=True)
                    result.too_large += 1
                    rows.append({**row, "state": "too_large", "size": exc.size})
                    continue
                if done.not_modified and known is not None:
                    result.unchanged += 1
                    row.update(state="present", sha256=known.sha256, size=known.size, etag=etag)
                else:
                    known_digest = (done.sha256, done.size) if done.sha256 and done.size is not None \
                        else None
                    sha256, size = store.ingest(scratch, digest=known_digest)
                    result.downloaded += 1
                    row.update(state="present", sha256=sha256, size=size, etag=done.etag)
                rows.append(row)
            upsert(session, Attachment, rows, keys=[*key, "submission_id", "name"])
            session.commit()
    return result


def _key_filter(key: dict[str, str]) -> tuple[Any, ...]:
    return (col(Attachment.source) == key["source"], col(Attachment.project_id) == key["project_id"],
            col(Attachment.form_id) == key["form_id"])


def _pending(session: Session, key: dict[str, str]) -> list[Submission]:
    """Current submissions that name more files than the warehouse holds (one query, not N)."""
    held = (select(Attachment.submission_id, func.count().label("present"))
            .where(*_key_filter(key), col(Attachment.state) == "present")
            .group_by(col(Attachment.submission_id)).subquery())
    present = func.coalesce(held.c.present, 0)
    return list(session.exec(
        select(Submission)
        .outerjoin(held, held.c.submission_id == Submission.submission_id)
        .where(col(Submission.source) == key["source"],
               col(Submission.project_id) == key["project_id"],
               col(Submission.form_id) == key["form_id"], col(Submission.deleted_at).is_(None),
               col(Submission.attachments_expected) > 0,
               # Sealed (.enc) files of encrypted submissions cannot be read: never fetched.
               not_sealed(),
               (present < func.coalesce(Submission.attachments_present, 0))
               | (present < Submission.attachments_expected))
    ).all())


@dataclass
class AttachmentSummary:
    """A form's media as the warehouse holds them: expected by current submissions, present, bytes."""

    expected: int = 0
    present: int = 0
    missing: int = 0
    bytes: int = 0

    def as_metadata(self) -> dict[str, int]:
        return {"expected": self.expected, "present": self.present, "missing": self.missing,
                "bytes": self.bytes}


def attachment_summary(engine: Engine, *, project_id: str, form_id: str,
                       source: str = "central") -> AttachmentSummary:
    """Files current readable submissions name, and how many of them the store holds.

    Encrypted submissions are left out: their sealed files are never fetched.
    """
    key = {"source": source, "project_id": project_id, "form_id": form_id}
    current = (col(Submission.source) == source, col(Submission.project_id) == project_id,
               col(Submission.form_id) == form_id, col(Submission.deleted_at).is_(None),
               not_sealed())
    with Session(engine) as session:
        expected = session.exec(select(func.coalesce(func.sum(Submission.attachments_expected), 0))
                                .where(*current)).one()
        present, size = session.exec(
            select(func.count(), func.coalesce(func.sum(Attachment.size), 0))
            .select_from(Attachment)
            .join(Submission, (col(Submission.submission_id) == col(Attachment.submission_id))
                  & (col(Submission.source) == col(Attachment.source))
                  & (col(Submission.project_id) == col(Attachment.project_id))
                  & (col(Submission.form_id) == col(Attachment.form_id)))
            .where(*_key_filter(key), *current, col(Attachment.state) == "present")).one()
    expected, present = int(expected or 0), int(present or 0)
    return AttachmentSummary(expected=expected, present=present,
                             missing=max(expected - present, 0), bytes=int(size or 0))
