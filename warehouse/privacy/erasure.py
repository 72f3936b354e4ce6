"""Erasure of a child's personal data (PDPA, DOMAIN §5.2 item 3): everywhere in the warehouse, for good.

`erase_child` works on every submission matched to the child (its id and any id merged into it):

- normalised rows: identifiers, aliases, guardians, education, household snapshots, chosen options,
  quality flags (they quote answers), dates read from free text and quarantine entries are deleted;
  the rows the status engine and the report's summary need (the child observation, screening, plan,
  follow-up, consent and status-event rows) are kept with every personal column set to NULL: names,
  IDs, birth date and age, sex, address, GPS, phone, nationality, disability and illness, free text.
  What is left is the submission key, dates, the LAO and area codes, staff ids, the children entity's
  uuid (so push-back can clear that entity) and status codes;
- raw versions: the raw layer keeps every version of a submission as append-only history, but history
  is no reason to keep what the law says to delete. Every stored version's payload is overwritten in
  place with a redacted copy that keeps only the keys in `KEEP_PATHS` (instance id, form dates, LAO
  code, staff ids, entity uuid, plan ids and status codes) — an allow-list, so a field added to a form
  later is removed too. The version rows themselves, their numbers and content hashes stay: the hash
  is of the whole submission as received (including its random instance id), so it reveals nothing,
  and it lets the next sync see an unchanged submission as unchanged. Check issues lose their quoted
  values. Counts of media files expected are set to 0, so they are never fetched again;
- attachments: the files of those submissions are deleted from the content store (unless another
  submission's attachment has the same content) and their rows removed;
- pending review pairs naming those submissions leave the queue; corrections of the child (they hold
  personal values) are deleted;
- a tombstone (`erasure_tombstone`: the child id, when, why, by whom; no personal data) and one audit
  row (`child_erase`: the columns removed, row counts, the legal basis) are written.

It stays erased: `erasure_submission` lists the erased submissions; the sync redacts a new version
of one of them on arrival (`redact_arrivals`), the normaliser leaves their rows as they are, also on
`odksync normalise --replay` (`erased_keys`), and matching keeps them with their child. Plan-status
rows hold no personal data and are kept, so the report's summary still counts a withdrawn child.

Erasing again changes nothing and writes no second audit row, unless something new had arrived.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, delete, func, or_, select, update
from sqlalchemy.orm.attributes import flag_modified
from sqlmodel import Session, SQLModel, col

from warehouse import audit
from warehouse.content_store import ContentStore
from warehouse.locks import SyncInProgress, exclusive
from warehouse.matching.identity import observation_key
from warehouse.matching.store import Child, ChildAssignment, ReviewPair
from warehouse.models import Attachment, Submission, SubmissionVersion
from warehouse.normalised import (
    ChildAlias,
    ChildIdentifier,
    ChildObservation,
    ConsentRecord,
    DataQualityFlag,
    Education,
    FollowUp,
    Guardian,
    HouseholdSnapshot,
    InterventionProgress,
    PlanGoal,
    Quarantine,
    Screening,
    SelectChoice,
    TextDate,
)
from warehouse.privacy.subject_rights import ChildCorrection, ErasedSubmission
from warehouse.privacy.tombstone import ErasureTombstone

log = logging.getLogger(__name__)
Key = tuple[str, str, str, str]  # source, project_id, form_id, submission_id

REASONS = ("consent_withdrawn", "subject_request", "retention")
# The legal basis written to the audit row for each reason (PDPA sections; a legal review confirms).
LEGAL_BASIS = {
    "consent_withdrawn": "pdpa-s19-consent-withdrawn",
    "subject_request": "pdpa-s33-erasure-request",
    "retention": "pdpa-s37-retention-period-ended",
}

# Normalised tables whose rows of an erased submission are deleted outright.
DELETE_TABLES: tuple[type[SQLModel], ...] = (
    ChildIdentifier, ChildAlias, Guardian, Education, HouseholdSnapshot, SelectChoice, DataQualityFlag,
    TextDate, Quarantine,
)
# Normalised tables whose rows are kept (status, counts) with these personal columns set to NULL.
NULL_COLUMNS: dict[type[SQLModel], tuple[str, ...]] = {
    ChildObservation: (
        "id_scheme", "national_id_as_entered", "national_id", "national_id_valid", "g_code_as_entered",
        "g_code", "prefix", "title", "name_as_entered", "first_name_as_entered", "first_name",
        "last_name_as_entered", "last_name", "nickname_as_entered", "nickname", "former_names_as_entered",
        "sex", "birth_date_as_entered", "birth_date", "birth_date_precision", "birth_year", "age_years",
        "nationality_status", "house_no_as_entered", "house_no", "moo", "village_name_as_entered",
        "village_name", "latitude", "longitude", "residence_status", "guardian_phone",
    ),
    Screening: ("has_disability", "disability_card", "chronic_illness", "child_voice"),
    PlanGoal: ("goal_text", "goal_indicator"),
    FollowUp: ("enrolled_institution", "supervisor_note"),
    InterventionProgress: ("next_steps",),
    ConsentRecord: ("age_told",),
}
# Columns that cannot be NULL are set to these values instead.
_NOT_NULL = {(Screening, "child_voice_findings"): 0}

# The raw answers kept in an erased submission's payload (Central's nested groups and Kobo's flat
# `group/field` keys are the same paths); everything else is removed.
KEEP_PATHS = frozenset({
    # Central's and Kobo's bookkeeping
    "__id", "__system", "_id", "_uuid", "_submission_time", "_validation_status", "_status", "__version__",
    "_xform_id_string", "_submitted_by", "formhub/uuid",
    "meta/instanceID", "meta/deprecatedID", "meta/rootUuid",
    # when, where and by whom (staff)
    "start", "end", "today", "enumerator_id", "username",
    "lao/lao_province", "lao/lao_district", "lao/lao_code",
    # the children entity and the statuses the forms propose or showed
    "case/child", "case/ch_status", "case/plan_status", "case/ch_plan_id",
    "consent/consent_given", "consent/consent_ok", "consent/consent_version", "consent/consent_scope",
    "visit/visit_date", "visit/visit_result", "screening/screen_result",
    "plan/plan_id", "plan/plan_new_id", "plan/plan_version", "plan/plan_revision", "plan/plan_date",
    "plan/case_manager_id", "agreement/plan_status",
    "followup/plan_id", "followup/is_supervision", "followup/fu_date", "followup/fu_mode",
    "followup/child_current_status", "status/recommend_status", "status/close_reason",
    "supervision/supervisor_id", "supervision/supervision_result", "next_fu_date",
})
_KEEP_GROUPS = frozenset(p.rsplit("/", 1)[0] for p in KEEP_PATHS if "/" in p)
_ISSUE_KEYS = ("code", "severity", "field")
_ERASED_TEXT = "ลบแล้วตามคำขอลบข้อมูล (erased)"
_CHUNK = 500
NORMALISE_LOCK = "raw submissions into normalised tables"  # warehouse/normalise/driver.py
MATCH_LOCK = "observations into children"  # warehouse/matching/identity.py


class ErasureError(ValueError):
    """A child that cannot be erased as asked (unknown id, unknown reason); the message is Thai first."""


@dataclass
class ErasureResult:
    child_id: str
    already: bool = False  # erased before and nothing new was found
    submissions: int = 0
    rows_deleted: Counter[str] = field(default_factory=Counter)
    rows_anonymised: Counter[str] = field(default_factory=Counter)
    raw_versions: int = 0
    attachments: int = 0  # attachment rows removed
    files_deleted: int = 0  # files removed from the content store
    review_pairs: int = 0
    corrections: int = 0
    audit_event_id: int | None = None
    digests: set[str] = field(default_factory=set, repr=False)  # files to remove once committed

    @property
    def row_count(self) -> int:
        return (sum(self.rows_deleted.values()) + sum(self.rows_anonymised.values()) + self.raw_versions
                + self.attachments + self.review_pairs + self.corrections)


# --- redaction of raw payloads ---------------------------------------------------------------------


def redact_payload(payload: Any) -> Any:
    """An erased submission's payload: only the keys in KEEP_PATHS, nested or flat."""
    if not isinstance(payload, Mapping):
        return {}
    return _keep(payload, "")


def _keep(node: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in node.items():
        path = f"{prefix}{key}"
        if path in KEEP_PATHS:
            out[key] = value
        elif path in _KEEP_GROUPS and isinstance(value, Mapping):
            kept = _keep(value, f"{path}/")
            if kept:
                out[key] = kept
    return out


def redact_issues(issues: Any) -> list[dict[str, Any]]:
    """Check issues without the values they quote."""
    if not isinstance(issues, list):
        return []
    return [{**{k: i[k] for k in _ISSUE_KEYS if k in i}, "message": _ERASED_TEXT}
            for i in issues if isinstance(i, Mapping)]


# --- which submissions are erased ------------------------------------------------------------------


def erased_keys(session: Session, keys: Iterable[Key]) -> set[Key]:
    """Of these submissions, those that belong to an erased child (one query per form)."""
    groups: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for source, project, form_id, submission_id in keys:
        groups[(source, project, form_id)].append(submission_id)
    if not groups or not _any_erased(session):
        return set()
    found: set[Key] = set()
    t = ErasedSubmission.__table__  # type: ignore[attr-defined]
    for (source, project, form_id), ids in groups.items():
        for chunk in _chunks(ids):
            found.update((source, project, form_id, s) for s in session.execute(
                select(t.c.submission_id).where(t.c.source == source, t.c.project_id == project,
                                                t.c.form_id == form_id, t.c.submission_id.in_(chunk))
            ).scalars())
    return found


def erased_observation_keys(session: Session) -> dict[str, str]:
    """Every erased submission's observation key → the erased child it belongs to."""
    return {observation_key(s, p, f, i): c for s, p, f, i, c in session.execute(select(
        col(ErasedSubmission.source), col(ErasedSubmission.project_id), col(ErasedSubmission.form_id),
        col(ErasedSubmission.submission_id), col(ErasedSubmission.child_id)))}


def erased_entity_children(session: Session) -> dict[str, str]:
    """The children entity uuids (lower case) chosen in erased children's forms → that child."""
    e, o = ErasedSubmission, ChildObservation
    joined = select(col(o.entity_id), col(e.child_id)).select_from(e).join(o, (col(o.source) == col(e.source))
        & (col(o.project_id) == col(e.project_id)) & (col(o.form_id) == col(e.form_id))
        & (col(o.submission_id) == col(e.submission_id))).where(col(o.entity_id).is_not(None))
    return {str(entity).lower(): child for entity, child in session.execute(joined)}


def _any_erased(session: Session) -> bool:
    return session.execute(select(col(ErasedSubmission.id)).limit(1)).first() is not None


def redact_arrivals(session: Session, versions: Sequence[dict[str, Any]], targets: Sequence[dict[str, Any]],
                    *, source: str, project_id: str, form_id: str) -> int:
    """Before a page's new versions are written: those of erased submissions redacted (payload, issues,
    no media to fetch). The content hash stays the received one, so the next sync skips them."""
    if not versions or not _any_erased(session):
        return 0
    erased = {k[3] for k in erased_keys(session, [(source, project_id, form_id, str(v["submission_id"]))
                                                   for v in versions])}
    done = 0
    for version, target in zip(versions, targets, strict=True):
        if version["submission_id"] not in erased:
            continue
        version["payload"] = redact_payload(version["payload"])
        version["issues"] = redact_issues(version["issues"])
        target["issues"] = version["issues"]
        target["attachments_expected"] = target["attachments_present"] = 0
        done += 1
    if done:
        log.info("%s/%s: %d new version(s) of erased submissions redacted on arrival", project_id, form_id,
                 done)
    return done


def redact_version(session: Session, version_id: int, payload: Any) -> bool:
    """One stored version redacted in place if it is not already (a version that slipped in while
    its child was being erased); True when it changed."""
    redacted = redact_payload(payload)
    if redacted == payload:
        return False
    t = SubmissionVersion.__table__  # type: ignore[attr-defined]
    session.execute(update(t).where(t.c.id == version_id).values(payload=redacted))
    return True


# --- erasure ----------------------------------------------------------------------------------------


def resolve_child(session: Session, child_id: str) -> str:
    """The surviving id of a child (redirects of merged ids followed)."""
    seen: set[str] = set()
    while child_id not in seen:
        seen.add(child_id)
        row = session.get(Child, child_id)
        if row is None or not row.redirect_to:
            return child_id
        child_id = row.redirect_to
    return child_id


def merged_into(session: Session, child_id: str) -> set[str]:
    """The child id and every id that redirects to it, directly or through others."""
    ids, frontier = {child_id}, {child_id}
    while frontier:
        more = set(session.scalars(select(col(Child.child_id)).where(col(Child.redirect_to).in_(frontier))))
        frontier = more - ids
        ids |= frontier
    return ids


def child_submission_keys(session: Session, child_ids: Iterable[str]) -> set[Key]:
    """The submissions matched to these children (and those already erased with them)."""
    ids = list(child_ids)
    keys: set[Key] = set()
    assigned = select(col(ChildAssignment.obs_key)).where(col(ChildAssignment.child_id).in_(ids))
    for obs in session.scalars(assigned):
        parts = obs.split("/", 3)
        if len(parts) == 4:
            keys.add((parts[0], parts[1], parts[2], parts[3]))
    for row in session.execute(select(col(ErasedSubmission.source), col(ErasedSubmission.project_id),
                                      col(ErasedSubmission.form_id), col(ErasedSubmission.submission_id))
                               .where(col(ErasedSubmission.child_id).in_(ids))):
        keys.add((row[0], row[1], row[2], row[3]))
    return keys


def erase_child(engine: Engine, child_id: str, *, reason: str, actor: str,
                store: ContentStore | None = None, now: datetime | None = None) -> ErasureResult:
    """Erase one child's personal data everywhere in the warehouse; see the module's text.

    Holds the normaliser's and matching's locks, so neither rewrites the child's rows meanwhile
    (raises SyncInProgress at once, changing nothing, while one of them runs)."""
    with exclusive(engine, NORMALISE_LOCK), exclusive(engine, MATCH_LOCK), \
            Session(engine, expire_on_commit=False) as session:
        result = erase_in_session(session, child_id, reason=reason, actor=actor, now=now)
        session.commit()
    delete_files(engine, store, result)
    return result


def erase_in_session(session: Session, child_id: str, *, reason: str, actor: str,
                     now: datetime | None = None) -> ErasureResult:
    """`erase_child` inside the caller's session (the caller commits, then calls `delete_files`)."""
    if reason not in REASONS:
        raise ErasureError(f"ไม่รู้จักเหตุผลการลบ {reason!r} (unknown erasure reason; use one of "
                           f"{', '.join(REASONS)})")
    if not actor:
        raise ErasureError("ต้องระบุผู้สั่งลบ (an erasure needs an actor)")
    now = now or datetime.now(UTC)
    survivor = resolve_child(session, child_id)
    ids = merged_into(session, survivor)
    tombstone = session.get(ErasureTombstone, survivor)
    known = session.get(Child, survivor) is not None or tombstone is not None
    if not known:
        raise ErasureError(f"ไม่พบเด็กรหัส {child_id} ในคลังข้อมูล (no child {child_id} in the warehouse)")
    keys = sorted(child_submission_keys(session, ids))
    result = ErasureResult(child_id=survivor, submissions=len(keys))
    known_erased = erased_keys(session, keys)
    fresh = [k for k in keys if k not in known_erased]
    if fresh:
        session.execute(ErasedSubmission.__table__.insert(), [  # type: ignore[attr-defined]
            dict(child_id=survivor, source=s, project_id=p, form_id=f, submission_id=i, erased_at=now)
            for s, p, f, i in fresh])
    removed_fields: set[str] = set()
    for table in DELETE_TABLES:
        n = _delete_rows(session, table, keys)
        if n:
            result.rows_deleted[str(table.__tablename__)] += n
            removed_fields.add(f"{table.__tablename__}.*")
    for table, columns in NULL_COLUMNS.items():
        n, touched = _null_columns(session, table, columns, keys)
        if n:
            result.rows_anonymised[str(table.__tablename__)] += n
            removed_fields.update(f"{table.__tablename__}.{c}" for c in touched)
    result.raw_versions = _redact_raw(session, keys)
    if result.raw_versions:
        removed_fields.add("raw_submission_version.payload")
    digests = _drop_attachments(session, keys)
    result.attachments = len(digests[1])
    if digests[1]:
        removed_fields.add("raw_attachment.*")
    result.digests = digests[0]
    obs = [observation_key(*k) for k in keys]
    for chunk in _chunks(obs):
        result.review_pairs += _rowcount(session.execute(delete(ReviewPair).where(
            col(ReviewPair.status) == "pending",
            or_(col(ReviewPair.left_key).in_(chunk), col(ReviewPair.right_key).in_(chunk)))))
    result.corrections = _rowcount(session.execute(
        delete(ChildCorrection).where(col(ChildCorrection.child_id).in_(ids))))
    if result.corrections:
        removed_fields.add("child_correction.*")
    if tombstone is not None and result.row_count == 0 and not fresh:
        result.already = True
        result.audit_event_id = tombstone.audit_event_id
        return result
    event = audit.record(
        session.get_bind(),  # type: ignore[arg-type]
        actor=actor, action="child_erase", subject=survivor, fields=removed_fields,
        row_count=result.row_count, legal_basis=LEGAL_BASIS[reason], session=session,
        details={"reason": reason, "submissions": len(keys), "merged_ids": sorted(ids - {survivor}),
                 "rows_deleted": dict(sorted(result.rows_deleted.items())),
                 "rows_anonymised": dict(sorted(result.rows_anonymised.items())),
                 "raw_versions_redacted": result.raw_versions, "attachments": result.attachments,
                 "review_pairs": result.review_pairs, "corrections": result.corrections,
                 "again": tombstone is not None})
    result.audit_event_id = event.id
    for erased_id in sorted(ids):
        stone = session.get(ErasureTombstone, erased_id)
        if stone is None:
            session.add(ErasureTombstone(child_id=erased_id, erased_at=now, reason=reason, requested_by=actor,
                                         audit_event_id=event.id))
    session.flush()
    return result


def delete_files(engine: Engine, store: ContentStore | None, result: ErasureResult) -> int:
    """After the erasure's commit: its attachments' files removed from the store (if no row names them)."""
    digests, result.digests = result.digests, set()
    if store is None:
        return 0
    result.files_deleted = _delete_files(session_engine=engine, store=store, digests=digests)
    return result.files_deleted


def _delete_files(*, session_engine: Engine, store: ContentStore, digests: set[str]) -> int:
    if not digests:
        return 0
    with Session(session_engine) as session:
        still = set(session.scalars(
            select(col(Attachment.sha256)).where(col(Attachment.sha256).in_(digests))))
    gone = 0
    for digest in sorted(digests - still):
        try:
            path = store.path_for(digest)
        except ValueError:
            continue
        if path.is_file():
            path.unlink()
            gone += 1
    return gone


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]


def _by_form(keys: Iterable[Key]) -> dict[tuple[str, str, str], list[str]]:
    groups: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for source, project, form_id, submission_id in keys:
        groups[(source, project, form_id)].append(submission_id)
    return groups


def _where(table: Any, source: str, project: str, form_id: str, ids: Sequence[str]) -> tuple[Any, ...]:
    return (table.c.source == source, table.c.project_id == project, table.c.form_id == form_id,
            table.c.submission_id.in_(list(ids)))


def _rowcount(result: Any) -> int:
    return max(int(getattr(result, "rowcount", 0) or 0), 0)


def _delete_rows(session: Session, table: type[SQLModel], keys: Sequence[Key]) -> int:
    t = table.__table__  # type: ignore[attr-defined]
    n = 0
    for (source, project, form_id), ids in _by_form(keys).items():
        for chunk in _chunks(ids):
            n += _rowcount(session.execute(delete(t).where(*_where(t, source, project, form_id, chunk))))
    return n


def _null_columns(session: Session, table: type[SQLModel], columns: Sequence[str],
                  keys: Sequence[Key]) -> tuple[int, set[str]]:
    """NULL the columns in rows where any is still set; (rows changed, columns that held something)."""
    t = table.__table__  # type: ignore[attr-defined]
    values: dict[str, Any] = {c: None for c in columns}
    values.update({c: v for (tbl, c), v in _NOT_NULL.items() if tbl is table})
    n, touched = 0, set()
    for (source, project, form_id), ids in _by_form(keys).items():
        for chunk in _chunks(ids):
            where = _where(t, source, project, form_id, chunk)
            for c in columns:
                if session.execute(select(func.count()).select_from(t).where(
                        *where, t.c[c].is_not(None))).scalar_one():
                    touched.add(c)
            held = or_(*(t.c[c].is_not(None) for c in columns))
            n += _rowcount(session.execute(update(t).where(*where, held).values(**values)))
    return n, touched


def _redact_raw(session: Session, keys: Sequence[Key]) -> int:
    """Every stored version of the submissions overwritten with its redacted payload; returns how many
    changed. The current rows lose quoted values in their issues and their media counts."""
    changed = 0
    for (source, project, form_id), ids in _by_form(keys).items():
        for chunk in _chunks(ids):
            for version in session.scalars(select(SubmissionVersion).where(
                    col(SubmissionVersion.source) == source, col(SubmissionVersion.project_id) == project,
                    col(SubmissionVersion.form_id) == form_id,
                    col(SubmissionVersion.submission_id).in_(chunk))):
                payload = redact_payload(version.payload)
                issues = redact_issues(version.issues)
                if payload != version.payload or issues != (version.issues or []):
                    version.payload = payload
                    version.issues = issues
                    flag_modified(version, "payload")
                    flag_modified(version, "issues")
                    session.add(version)
                    changed += 1
            for current in session.scalars(select(Submission).where(
                    col(Submission.source) == source, col(Submission.project_id) == project,
                    col(Submission.form_id) == form_id, col(Submission.submission_id).in_(chunk))):
                issues = redact_issues(current.issues)
                media = current.attachments_expected or current.attachments_present
                if issues != (current.issues or []) or media:
                    current.issues = issues
                    current.attachments_expected = current.attachments_present = 0
                    flag_modified(current, "issues")
                    session.add(current)
    session.flush()
    return changed


def _drop_attachments(session: Session, keys: Sequence[Key]) -> tuple[set[str], list[int]]:
    """Attachment rows of the submissions deleted; (their digests, their row ids)."""
    digests: set[str] = set()
    row_ids: list[int] = []
    t = Attachment.__table__  # type: ignore[attr-defined]
    for (source, project, form_id), ids in _by_form(keys).items():
        for chunk in _chunks(ids):
            for row_id, sha in session.execute(select(t.c.id, t.c.sha256).where(
                    *_where(t, source, project, form_id, chunk))):
                row_ids.append(int(row_id))
                if sha:
                    digests.add(str(sha))
            session.execute(delete(t).where(*_where(t, source, project, form_id, chunk)))
    return digests, row_ids


def erase_new_forms(engine: Engine, *, store: ContentStore | None = None,
                    actor: str = "status-engine") -> list[ErasureResult]:
    """Erased children that matching has since given a new form (one that chose their entity on an
    old phone): that form erased too, for the same reason as the child."""
    with Session(engine) as session:
        if not _any_erased(session):
            return []
        erased = {o for o in erased_observation_keys(session)}
        stones = {t.child_id: t.reason for t in session.scalars(select(ErasureTombstone))}
        due = sorted({c for k, c in session.execute(select(col(ChildAssignment.obs_key),
                                                           col(ChildAssignment.child_id)).where(
            col(ChildAssignment.child_id).in_(list(stones)))) if k not in erased})
    done = []
    for child_id in due:
        try:
            done.append(erase_child(engine, child_id, reason=stones[child_id], actor=actor, store=store))
        except SyncInProgress:
            log.warning("erasure of %s's new forms waits for the next run", child_id)
    return done


def erase_withdrawn(engine: Engine, *, store: ContentStore | None = None,
                    actor: str = "status-engine") -> list[ErasureResult]:
    """Every child whose current plan status is 99 (consent withdrawn) and who is not erased yet,
    erased (DOMAIN §6: status 99 starts the erasure workflow). One transaction per child."""
    from warehouse.plan_status.lifecycle import CONSENT_WITHDRAWN
    from warehouse.plan_status.store import CurrentStatus

    with Session(engine) as session:
        due = sorted(set(session.scalars(select(col(CurrentStatus.child_id)).where(
            col(CurrentStatus.status) == CONSENT_WITHDRAWN))) - set(session.scalars(
                select(col(ErasureTombstone.child_id)))))
    done = []
    for child_id in due:
        try:
            done.append(erase_child(engine, child_id, reason="consent_withdrawn", actor=actor, store=store))
        except SyncInProgress:
            log.warning("erasure of %s waits for the next run: normalise or match is running", child_id)
    return done
