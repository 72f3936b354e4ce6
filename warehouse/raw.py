"""Write pages of received submissions into the raw layer: history appended, current replaced."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Table, insert, select, update
from sqlmodel import Session

from warehouse.canonical import Canonical, digest_of, encode, legacy_encoding
from warehouse.checks import FieldLike, FormChecker, check_submission
from warehouse.encrypted import is_sealed, sealed_issue
from warehouse.models import Submission, SubmissionVersion

_CURRENT: Table = Submission.__table__  # type: ignore[attr-defined]
_VERSIONS: Table = SubmissionVersion.__table__  # type: ignore[attr-defined]
_NO_ISSUES: tuple[()] = ()  # one object for every clean row: its JSON is made once per page
_UNSET = object()


class SystemLike(Protocol):
    """A source's bookkeeping for one submission (read-only, so any shape of it fits)."""

    @property
    def submission_date(self) -> datetime | None: ...
    @property
    def updated_at(self) -> datetime | None: ...
    @property
    def deleted_at(self) -> datetime | None: ...
    @property
    def review_state(self) -> str | None: ...
    @property
    def form_version(self) -> str | None: ...


class SubmissionLike(Protocol):
    """A submission as a connector hands it over: its stable id, system fields and raw object."""

    @property
    def id(self) -> str: ...
    @property
    def system(self) -> SystemLike: ...
    @property
    def data(self) -> Mapping[str, Any]: ...
    @property
    def raw(self) -> Mapping[str, Any]: ...


@dataclass
class PageResult:
    """What one page changed in the raw layer."""

    fetched: int = 0
    new_submissions: int = 0
    new_versions: int = 0
    unchanged: int = 0
    flagged: int = 0
    latest: datetime | None = None
    latest_deleted: datetime | None = None
    flagged_ids: list[str] = field(default_factory=list)


def content_hash(raw: Mapping[str, Any]) -> str:
    """SHA-256 of the submission exactly as received, in its canonical JSON form (canonical.py)."""
    return digest_of(encode(raw))


def legacy_content_hash(raw: Mapping[str, Any]) -> str:
    """The hash rows stored before the canonical encoding carry (the same for nearly every row)."""
    return digest_of(legacy_encoding(raw))


def instance_id_of(data: Mapping[str, Any]) -> str | None:
    meta = data.get("meta")
    value = meta.get("instanceID") if isinstance(meta, Mapping) else None
    return value if isinstance(value, str) and value else None


def store_page(
    session: Session,
    submissions: Sequence[SubmissionLike],
    *,
    source: str,
    project_id: str,
    form_id: str,
    checker_for: Callable[[str | None], FormChecker | None],
    now: datetime,
) -> PageResult:
    """Append changed versions and replace current rows; the caller commits once per page.

    `checker_for(form_version)` returns that version's checker, or None when its fields are unknown.
    Writing is idempotent: a submission whose content is already current writes nothing.
    """
    result = PageResult(fetched=len(submissions))
    if not submissions:
        return result
    # A page may repeat a submission (overlapping windows): the last occurrence wins.
    by_id = {s.id: s for s in submissions}
    existing = {
        row.submission_id: row
        for row in session.execute(
            select(_CURRENT.c.submission_id, _CURRENT.c.id, _CURRENT.c.content_hash,
                   _CURRENT.c.version_count).where(
                _CURRENT.c.source == source, _CURRENT.c.project_id == project_id,
                _CURRENT.c.form_id == form_id, _CURRENT.c.submission_id.in_(list(by_id)))
        )
    }
    versions: list[dict[str, Any]] = []
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    targets: list[dict[str, Any]] = []  # the current row each new version belongs to, in order
    latest, latest_deleted = result.latest, result.latest_deleted
    for submission_id, sub in by_id.items():
        system = sub.system
        for stamp in (system.submission_date, system.updated_at):
            if stamp is not None and (latest is None or stamp > latest):
                latest = stamp
        deleted_at = system.deleted_at
        if deleted_at is not None and (latest_deleted is None or deleted_at > latest_deleted):
            latest_deleted = deleted_at
        # Encoded once: the same bytes give the content hash and the stored payload.
        raw = sub.raw
        encoded = encode(raw)
        digest = digest_of(encoded)
        current = existing.get(submission_id)
        if current is not None and (
            current.content_hash == digest
            # Hashed by the legacy encoding and unchanged since: still the same content.
            or current.content_hash == legacy_content_hash(raw)
        ):
            result.unchanged += 1
            continue
        sealed = is_sealed(system)
        if sealed:
            # Encrypted at the source: metadata only, nothing to check, marked once.
            issues = [sealed_issue(getattr(system, "status", None)).model_dump(exclude_none=True)]
        else:
            checker = checker_for(system.form_version)
            issues = (checker.issues(sub.data) if checker is not None else
                      [i.model_dump(exclude_none=True) for i in check_submission(sub.data, None)])
        stored_issues = issues or _NO_ISSUES
        has_errors = any(i["severity"] == "error" for i in issues)
        if issues and not sealed:
            result.flagged += 1
            result.flagged_ids.append(submission_id)
        version_no = 1 if current is None else current.version_count + 1
        common = {
            "instance_id": instance_id_of(sub.data),
            "content_hash": digest,
            "submission_date": system.submission_date,
            "updated_at": system.updated_at,
            "review_state": system.review_state,
            "deleted_at": deleted_at,
            "form_version": system.form_version,
            "issues": stored_issues,
        }
        attachments = {"attachments_expected": getattr(system, "attachments_expected", None),
                       "attachments_present": getattr(system, "attachments_present", None)}
        key = {"source": source, "project_id": project_id, "form_id": form_id,
               "submission_id": submission_id}
        versions.append({**key, **common, "version_no": version_no, "received_at": now,
                         "payload": Canonical(raw, encoded)})
        if current is None:
            result.new_submissions += 1
            target = {**key, **common, **attachments, "version_count": 1, "has_errors": has_errors,
                      "first_seen_at": now, "last_changed_at": now}
            inserts.append(target)
        else:
            target = {"id": current.id, **common, **attachments, "version_count": version_no,
                      "has_errors": has_errors, "last_changed_at": now}
            updates.append(target)
        targets.append(target)
    result.latest, result.latest_deleted = latest, latest_deleted
    result.new_versions = len(versions)
    if versions:
        from warehouse.privacy.erasure import redact_arrivals

        # A new version of an erased child's submission is redacted before it is written (PDPA).
        redact_arrivals(session, versions, targets, source=source, project_id=project_id, form_id=form_id)
        # The driver's executemany, then the new ids read back by their key: SQLite cannot return
        # the ids of a many-row insert in order.
        _insert_rows(session, _VERSIONS, versions)
        wanted = {(v["submission_id"], v["version_no"]) for v in versions}
        ids = {
            (row.submission_id, row.version_no): row.id
            for row in session.execute(
                select(_VERSIONS.c.submission_id, _VERSIONS.c.version_no, _VERSIONS.c.id).where(
                    _VERSIONS.c.source == source, _VERSIONS.c.project_id == project_id,
                    _VERSIONS.c.form_id == form_id,
                    _VERSIONS.c.submission_id.in_([v["submission_id"] for v in versions]))
            )
            if (row.submission_id, row.version_no) in wanted
        }
        for row, version in zip(targets, versions, strict=True):
            row["version_id"] = ids[(version["submission_id"], version["version_no"])]
    if inserts:
        _insert_rows(session, _CURRENT, inserts)
    if updates:
        session.execute(update(Submission), updates)
    return result


def _insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows (each with the same keys) by the driver's executemany.

    On SQLite the statement goes to the driver as it is, each column's own bind processor applied
    here, once per distinct object (the page's `now`, the clean rows' issues): SQLAlchemy's
    building of parameters row by row was most of a page's write time. Elsewhere, or should the
    rows leave out a column that has a default to fill in, SQLAlchemy's insert does it all.
    """
    connection = session.connection()
    dialect = connection.dialect
    names = list(rows[0])
    if dialect.name != "sqlite" or any(
        c.name not in names and c.default is not None for c in table.columns
    ):
        session.execute(insert(table), rows)
        return
    columns: list[list[Any]] = []
    for name in names:
        values = [row[name] for row in rows]
        process = table.c[name].type._cached_bind_processor(dialect)
        if process is not None:
            done: dict[int, Any] = {}  # by identity: every value is alive until the insert
            processed = []
            for value in values:
                out = done.get(id(value), _UNSET)
                if out is _UNSET:
                    out = done[id(value)] = process(value)
                processed.append(out)
            values = processed
        columns.append(values)
    quote = dialect.identifier_preparer.quote
    statement = (f"INSERT INTO {dialect.identifier_preparer.format_table(table)} "
                 f"({', '.join(quote(n) for n in names)}) VALUES ({', '.join('?' * len(names))})")
    connection.exec_driver_sql(statement, list(zip(*columns, strict=True)))


def fields_from_rows(rows: Sequence[Mapping[str, Any]] | None) -> list[FieldLike] | None:
    """Field descriptions stored as JSON, back as objects the checks read."""
    if rows is None:
        return None
    return [_StoredField(str(r["path"]), str(r["type"])) for r in rows]


@dataclass(frozen=True)
class _StoredField:
    path: str
    type: str
