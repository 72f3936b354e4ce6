"""Access and rectification (PDPA ss.30, 31, 35; DOMAIN §5.2 item 10): everything held about a child,
and corrections with their history.

A child is found by its warehouse id (a merged id leads to the surviving one), by a 13-digit ID, or by
its child key (the report's HMAC pseudonym; needs ODKSYNC_SECRET).

`show_child` returns every row the warehouse holds about the child — raw versions of its submissions,
their attachments (names and digests, not the files), every normalised row, its id history, plan
status, consent, retention, corrections, and the audit rows about it — as one JSON-ready dict, and
audits the access (`child_show`).

`correct_child` records a rectification in `child_correction` (the value before, the new value, who,
why, when; older corrections stay as history) and applies it to the normalised rows of every
submission of the child, which is where the report, the exports and matching read. The normaliser
re-applies corrections after it rewrites rows (an edit, `--replay`), and the status stage after
matching (a new form of the child), so a correction is never lost to a rerun. Correctable fields are
those in `CORRECTABLE`; the audit row names the field, never the values (audit rows are kept forever,
also after an erasure).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import Session, SQLModel, col

from warehouse import audit
from warehouse.cleaning import age_at, clean_person_id
from warehouse.matching.identity import observation_key
from warehouse.matching.store import Child, ChildAssignment, ChildIdEvent
from warehouse.models import Attachment, Submission, SubmissionVersion
from warehouse.normalised import ChildIdentifier, ChildObservation, Education, Guardian
from warehouse.plan_status.store import CurrentStatus, StatusException, StatusHistory
from warehouse.privacy.erasure import child_submission_keys, merged_into, resolve_child
from warehouse.privacy.pseudonym import child_key
from warehouse.privacy.subject_rights import ChildCorrection, ChildRetention
from warehouse.privacy.tombstone import ErasureTombstone

Key = tuple[str, str, str, str]
_DIGITS = re.compile(r"\D")
_HEX16 = re.compile(r"^[0-9a-f]{16}$")


class RightsError(LookupError):
    """A child not found, an ambiguous ID, a field that cannot be corrected (Thai first)."""


# --- finding the child -------------------------------------------------------------------------------


def find_child(session: Session, ident: str, *, secret: str | bytes | None = None) -> str:
    """The surviving child id for a child id, a 13-digit ID or a child key."""
    ident = (ident or "").strip()
    if not ident:
        raise RightsError("ต้องระบุรหัสเด็ก (a child id, a 13-digit ID or a child key is needed)")
    for candidate in (ident, ident.upper()):
        if session.get(Child, candidate) is not None or session.get(ErasureTombstone, candidate) is not None:
            return resolve_child(session, candidate)
    digits = _DIGITS.sub("", ident)
    if len(digits) == 13 and len(ident) <= 17:
        keys = {observation_key(*row) for row in session.execute(select(
            col(ChildObservation.source), col(ChildObservation.project_id), col(ChildObservation.form_id),
            col(ChildObservation.submission_id)).where(col(ChildObservation.national_id) == digits))}
        keys |= {observation_key(*row) for row in session.execute(select(
            col(ChildIdentifier.source), col(ChildIdentifier.project_id), col(ChildIdentifier.form_id),
            col(ChildIdentifier.submission_id)).where(col(ChildIdentifier.value) == digits))}
        assigned = select(col(ChildAssignment.child_id)).where(col(ChildAssignment.obs_key).in_(keys))
        children = {resolve_child(session, c) for c in session.scalars(assigned)} if keys else set()
        return _one(children, ident)
    if _HEX16.match(ident.lower()) and secret:
        wanted = ident.lower()
        active = select(col(Child.child_id)).where(col(Child.status) == "active")
        children = {c for c in session.scalars(active) if child_key(c, secret) == wanted}
        return _one(children, ident)
    raise RightsError(f"ไม่พบเด็กรหัส {ident} (no child with this child id, 13-digit ID or child key"
                      + ("" if secret else "; a child key needs ODKSYNC_SECRET") + ")")


def _one(children: set[str], ident: str) -> str:
    if not children:
        raise RightsError(f"ไม่พบเด็กที่มีรหัส {ident} (no child found for {ident})")
    if len(children) > 1:
        raise RightsError(f"รหัส {ident} ตรงกับเด็กมากกว่าหนึ่งคน: {', '.join(sorted(children))} "
                          "กรุณาระบุรหัสเด็ก (the ID matches several children; give the child id)")
    return next(iter(children))


# --- access ------------------------------------------------------------------------------------------


def _row(obj: SQLModel, *, drop: Iterable[str] = ()) -> dict[str, Any]:
    out = obj.model_dump()
    for name in drop:
        out.pop(name, None)
    return {k: _plain(v) for k, v in out.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _of_keys(session: Session, table: type[SQLModel], keys: Iterable[Key]) -> list[Any]:
    out: list[Any] = []
    t: Any = table
    for source, project, form_id, submission_id in sorted(keys):
        out.extend(session.scalars(select(table).where(
            col(t.source) == source, col(t.project_id) == project, col(t.form_id) == form_id,
            col(t.submission_id) == submission_id)))
    return out


def collect_child(session: Session, child_id: str) -> dict[str, Any]:
    """Everything the warehouse holds about one (surviving) child, JSON-ready."""
    from warehouse.normalise.driver import ROW_TABLES

    ids = merged_into(session, child_id)
    keys = child_submission_keys(session, ids)
    stone = session.get(ErasureTombstone, child_id)
    submissions = []
    for sub in _of_keys(session, Submission, keys):
        key = (sub.source, sub.project_id, sub.form_id, sub.submission_id)
        versions = _of_keys(session, SubmissionVersion, [key])
        submissions.append({
            **_row(sub, drop=("id", "version_id")),
            "versions": [_row(v, drop=("id",)) for v in sorted(versions, key=lambda v: v.version_no)],
            "attachments": [_row(a, drop=("id",)) for a in _of_keys(session, Attachment, [key])],
        })
    normalised = {str(table.__tablename__): [_row(r, drop=("id",)) for r in _of_keys(session, table, keys)]
                  for table in ROW_TABLES}
    current = session.get(CurrentStatus, child_id)
    retention = session.get(ChildRetention, child_id)
    subjects = sorted(ids)
    return {
        "child_id": child_id,
        "merged_ids": sorted(ids - {child_id}),
        "erased": _row(stone) if stone else None,
        "id_events": [_row(e, drop=("id",)) for e in session.scalars(select(ChildIdEvent).where(
            col(ChildIdEvent.child_id).in_(subjects) | col(ChildIdEvent.other_id).in_(subjects)))],
        "assignments": [_row(a) for a in session.scalars(select(ChildAssignment).where(
            col(ChildAssignment.child_id).in_(subjects)).order_by(col(ChildAssignment.obs_key)))],
        "plan_status": _row(current) if current else None,
        "status_history": [_row(h, drop=("id",)) for h in session.scalars(select(StatusHistory).where(
            col(StatusHistory.child_id) == child_id).order_by(col(StatusHistory.seq)))],
        "status_exceptions": [_row(x, drop=("id",)) for x in session.scalars(select(StatusException).where(
            col(StatusException.child_id) == child_id).order_by(col(StatusException.id)))],
        "retention": _row(retention) if retention else None,
        "corrections": [_row(c) for c in session.scalars(select(ChildCorrection).where(
            col(ChildCorrection.child_id).in_(subjects)).order_by(col(ChildCorrection.id)))],
        "submissions": submissions,
        "normalised": normalised,
        "audit": [_row(e) for e in session.scalars(select(audit.AuditEvent).where(
            col(audit.AuditEvent.subject).in_(subjects)).order_by(col(audit.AuditEvent.id)))],
    }


def _count(held: dict[str, Any]) -> int:
    subs = held["submissions"]
    return (len(subs) + sum(len(s["versions"]) + len(s["attachments"]) for s in subs)
            + sum(len(rows) for rows in held["normalised"].values()) + len(held["status_history"])
            + len(held["corrections"]))


def show_child(engine: Engine, ident: str, *, actor: str,
               secret: str | bytes | None = None) -> dict[str, Any]:
    """Everything held about the child (access and portability), audited as `child_show`."""
    with Session(engine, expire_on_commit=False) as session:
        child_id = find_child(session, ident, secret=secret)
        held = collect_child(session, child_id)
        tables = [t for t, rows in held["normalised"].items() if rows]
        event = audit.record(engine, actor=actor, action="child_show", subject=child_id, session=session,
                             fields=["raw_submission_version.payload", *tables], row_count=_count(held),
                             legal_basis="pdpa-s30-access",
                             details={"asked_by_child_id": ident.strip().upper() == child_id})
        session.commit()
    held["access_audit_event_id"] = event.id
    return held


# --- rectification -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Correctable:
    """A correctable field: how its text is checked and read, and the columns it sets."""

    parse: Callable[[str], Any]
    targets: tuple[tuple[type[SQLModel], str], ...]  # (table, column) set to the parsed value
    hint: str  # Thai + English: what a valid value looks like


def _text(value: str) -> str:
    value = " ".join(value.split())
    if not value or len(value) > 200:
        raise ValueError("ต้องเป็นข้อความ 1–200 ตัวอักษร (1 to 200 characters)")
    return value


def _digits(n: int) -> Callable[[str], str]:
    def parse(value: str) -> str:
        value = value.strip()
        if not (len(value) == n and value.isdigit()):
            raise ValueError(f"ต้องเป็นตัวเลข {n} หลัก ({n} digits)")
        return value
    return parse


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        value = value.strip().upper()
        if value not in allowed:
            raise ValueError(f"ต้องเป็นหนึ่งใน {', '.join(allowed)} (one of {', '.join(allowed)})")
        return value
    return parse


def _birth_date(value: str) -> date:
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError("ต้องเป็นวันที่ ค.ศ. แบบ YYYY-MM-DD (a Gregorian date, YYYY-MM-DD)") from None
    if day > datetime.now(UTC).date() or day.year < 1990:
        raise ValueError("วันเกิดต้องไม่อยู่ในอนาคตและไม่ก่อนปี ค.ศ. 1990 (not in the future, not before 1990)")
    return day


def _national_id(value: str) -> str:
    found = clean_person_id(value)
    if not found.valid or not found.digits or len(found.digits) != 13:
        raise ValueError("ต้องเป็นเลขประจำตัวประชาชน 13 หลักที่ถูกต้องตามเลขตรวจสอบ (a valid 13-digit ID)")
    return found.digits


def _moo(value: str) -> int:
    if not value.strip().isdigit() or not 0 < int(value) < 100:
        raise ValueError("ต้องเป็นเลขหมู่ที่ 1–99 (a village number 1 to 99)")
    return int(value)


O = ChildObservation  # noqa: E741
CORRECTABLE: dict[str, Correctable] = {
    "first_name": Correctable(_text, ((O, "first_name"),), "ชื่อ (given name)"),
    "last_name": Correctable(_text, ((O, "last_name"),), "นามสกุล (family name)"),
    "nickname": Correctable(_text, ((O, "nickname"),), "ชื่อเล่น (nickname)"),
    "sex": Correctable(_choice("M", "F", "X"), ((O, "sex"),), "M, F หรือ X"),
    "birth_date": Correctable(_birth_date, ((O, "birth_date"),), "YYYY-MM-DD (ค.ศ.)"),
    "national_id": Correctable(_national_id, ((O, "national_id"), (ChildIdentifier, "value")),
                               "เลข 13 หลัก (13 digits)"),
    "nationality_status": Correctable(_choice("TH", "MM", "LA", "KH", "OTHER", "STATELESS", "PENDING"),
                                      ((O, "nationality_status"),),
                                      "TH, MM, LA, KH, OTHER, STATELESS, PENDING"),
    "house_no": Correctable(_text, ((O, "house_no"),), "บ้านเลขที่ (house number)"),
    "moo": Correctable(_moo, ((O, "moo"),), "หมู่ที่ 1–99 (village number)"),
    "village_name": Correctable(_text, ((O, "village_name"),), "ชื่อหมู่บ้าน (village name)"),
    "province_code": Correctable(_digits(2), ((O, "province_code"),), "รหัสจังหวัด 2 หลัก"),
    "district_code": Correctable(_digits(4), ((O, "district_code"),), "รหัสอำเภอ 4 หลัก"),
    "subdistrict_code": Correctable(_digits(6), ((O, "subdistrict_code"),), "รหัสตำบล 6 หลัก"),
    "lao_code": Correctable(_digits(7), ((O, "lao_code"),), "รหัส อปท. 7 หลัก"),
    "guardian_phone": Correctable(_digits(10), ((O, "guardian_phone"), (Guardian, "phone")),
                                  "เบอร์โทร 10 หลัก (10 digits)"),
    "oos_category": Correctable(_choice("NEVER", "DROPOUT", "NOTCONT", "ATRISK", "NEET"),
                                ((Education, "oos_category"),), "NEVER, DROPOUT, NOTCONT, ATRISK, NEET"),
}
RECTIFICATION_BASIS = "pdpa-s35-rectification"


@dataclass
class CorrectionResult:
    child_id: str
    field: str
    correction_id: int
    rows_changed: int
    audit_event_id: int | None


def _current_value(session: Session, field_name: str, keys: set[Key]) -> str | None:
    """The field's value on the child's latest observation (what a reader sees now)."""
    table, column = CORRECTABLE[field_name].targets[0]
    rows = _of_keys(session, table, keys)
    dated = sorted(rows, key=lambda r: (getattr(r, "observed_on", None) or date.min, r.id or 0))
    for row in reversed(dated):
        value = getattr(row, column)
        if value is not None:
            return value.isoformat() if isinstance(value, date) else str(value)
    return None


def correct_child(engine: Engine, ident: str, *, field_name: str, value: str, reason: str, actor: str,
                  secret: str | bytes | None = None, now: datetime | None = None) -> CorrectionResult:
    """Record and apply one rectification; audited as `child_correct` (field named, values never)."""
    spec = CORRECTABLE.get(field_name)
    if spec is None:
        raise RightsError(f"แก้ไขช่อง {field_name!r} ไม่ได้ (this field cannot be corrected); "
                          f"แก้ได้ (correctable): {', '.join(sorted(CORRECTABLE))}")
    if not reason or not reason.strip():
        raise RightsError("ต้องระบุเหตุผลการแก้ไข --reason (a reason is needed)")
    try:
        parsed = spec.parse(value)
    except ValueError as e:
        raise RightsError(f"ค่าใหม่ของ {field_name} ไม่ถูกต้อง: {e} "
                          f"(invalid value; expected {spec.hint})") from None
    now = now or datetime.now(UTC)
    with Session(engine, expire_on_commit=False) as session:
        child_id = find_child(session, ident, secret=secret)
        if session.get(ErasureTombstone, child_id) is not None:
            raise RightsError(f"เด็กรหัส {child_id} ถูกลบข้อมูลแล้ว แก้ไขไม่ได้ (the child was erased)")
        keys = child_submission_keys(session, merged_into(session, child_id))
        correction = ChildCorrection(
            child_id=child_id, field=field_name, old_value=_current_value(session, field_name, keys),
            new_value=parsed.isoformat() if isinstance(parsed, date) else str(parsed), reason=reason.strip(),
            corrected_by=actor, corrected_at=now)
        session.add(correction)
        session.flush()
        changed = apply_corrections(session, [child_id])
        event = audit.record(engine, actor=actor, action="child_correct", subject=child_id, session=session,
                             fields=[f"{t.__tablename__}.{c}" for t, c in spec.targets], row_count=changed,
                             legal_basis=RECTIFICATION_BASIS,
                             details={"field": field_name, "correction_id": correction.id})
        correction.audit_event_id = event.id
        session.add(correction)
        session.commit()
    assert correction.id is not None
    return CorrectionResult(child_id=child_id, field=field_name, correction_id=correction.id,
                            rows_changed=changed, audit_event_id=event.id)


def apply_corrections(session: Session, child_ids: Iterable[str] | None = None) -> int:
    """Each child's latest correction per field written onto the normalised rows of its submissions;
    rows already right are left alone. Returns the rows changed (the caller commits)."""
    query = select(ChildCorrection).order_by(col(ChildCorrection.id))
    if child_ids is not None:
        wanted = list(child_ids)
        if not wanted:
            return 0
        query = query.where(col(ChildCorrection.child_id).in_(wanted))
    latest: dict[str, dict[str, ChildCorrection]] = {}
    for c in session.scalars(query):
        latest.setdefault(c.child_id, {})[c.field] = c
    changed = 0
    for child_id, fields in latest.items():
        if session.get(ErasureTombstone, child_id) is not None:
            continue
        keys = child_submission_keys(session, merged_into(session, child_id))
        for name, correction in fields.items():
            spec = CORRECTABLE.get(name)
            if spec is None or correction.new_value is None:
                continue
            value = spec.parse(correction.new_value)
            for table, column in spec.targets:
                for row in _of_keys(session, table, keys):
                    if isinstance(row, ChildIdentifier) and row.scheme != "TH_PID":
                        continue
                    updates = _updates(row, column, value)
                    if any(getattr(row, k) != v for k, v in updates.items()):
                        for k, v in updates.items():
                            setattr(row, k, v)
                        session.add(row)
                        changed += 1
    session.flush()
    return changed


def _updates(row: Any, column: str, value: Any) -> dict[str, Any]:
    """The columns one correction sets on a row, with those that follow from it."""
    updates = {column: value}
    if isinstance(row, ChildObservation) and column == "birth_date":
        updates.update(birth_year=value.year, birth_date_precision="DAY",
                       age_years=age_at(value, row.observed_on) if row.observed_on else row.age_years)
    if isinstance(row, ChildObservation) and column == "national_id":
        updates.update(national_id_valid=True)
    if isinstance(row, ChildIdentifier):
        updates.update(valid=True)
    return updates


def corrections_for_keys(session: Session, keys: Iterable[Key]) -> int:
    """After the normaliser rewrote these submissions' rows: their children's corrections re-applied."""
    if session.execute(select(col(ChildCorrection.id)).limit(1)).first() is None:
        return 0
    obs = [observation_key(*k) for k in keys]
    if not obs:
        return 0
    children = {resolve_child(session, c) for c in session.scalars(
        select(col(ChildAssignment.child_id)).where(col(ChildAssignment.obs_key).in_(obs)))}
    return apply_corrections(session, children) if children else 0
