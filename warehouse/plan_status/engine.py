"""The plan-status engine: each child's status history computed from its forms in event order.

`compute_child` is pure: a child's status events in, its history, current status and exceptions out.
Events are applied in a fixed order — by date, then registration, screening, plan, follow-up,
supervision, then by submission key — so the same forms always give the same result. A proposal
that is not an allowed transition (DOMAIN.md §6) is never applied: it becomes an exception with a
Thai reason for a person to resolve, and the case stays where it was.

A home visit that did not find the child proposes closing the case (90, LOST), but the case closes
only at the third such visit in a row (DOMAIN §4.2/§6: not found after the third visit); the first
two change nothing. Any other form of the child (it was found, planned for or followed up) or a change
of status starts the count again.

`recompute_status` reads the normalised status events and matched children (redirects of merged
ids followed), recomputes only the children whose events changed since the last run (a hash of
their inputs), and removes the rows of children that no longer have any. Because a child's rows
depend on its events only, incremental runs give the same tables as one full run. The overdue flag
depends on the day it is judged on, so it is refreshed for every child on every run.

Erasure after consent withdrawal (status 99) is not done here: the engine records the 99 and
closes the case; the privacy module removes the personal data.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlmodel import Session, col

from warehouse.matching.identity import observation_key
from warehouse.matching.store import Child, ChildAssignment
from warehouse.normalised import ChildObservation, FollowUp, Screening, StatusEvent
from warehouse.plan_status import lifecycle
from warehouse.plan_status.store import CurrentStatus, StatusException, StatusHistory

FOLLOWUP_INTERVAL = timedelta(days=30)  # REPORT_FORMAT.md: last follow-up + 30 days when none was set
# The form an event came from, in the order events of one day are applied.
FORM_KIND = {"child_registration": "registration", "home_visit": "screening", "assistance_plan": "plan",
             "plan_followup": "followup"}
KIND_RANK = {"registration": 0, "screening": 1, "plan": 2, "followup": 3, "supervision": 4, "other": 5}
FORM_THAI = {"registration": "แบบลงทะเบียนเด็ก", "screening": "แบบเยี่ยมบ้านและคัดกรอง",
             "plan": "แผนการช่วยเหลือเด็กรายบุคคล", "followup": "แบบติดตาม",
             "supervision": "แบบนิเทศ", "other": "แบบฟอร์ม"}
BATCH = 1000
MISSES_TO_CLOSE = 3  # home visits in a row that do not find the child before the case closes as LOST


@dataclass(frozen=True)
class Event:
    """One status a form proposes for a child, with what the engine needs from the form."""

    source_key: str  # source/project/form/submission
    kind: str  # registration | screening | plan | followup | supervision | other
    event_date: date | None
    proposed: int
    plan_id: str | None = None
    close_reason: str | None = None
    by: str | None = None
    next_fu_date: date | None = None  # follow-up forms: the appointment set
    outcome_status: str | None = None  # follow-up forms: child_current_status
    visit_result: str | None = None  # home visits: FOUND, NOT_FOUND, MOVED, DECEASED, REFUSED

    @property
    def missed(self) -> bool:
        """A home visit that did not find the child (and may not know where the child went)."""
        return self.kind == "screening" and self.visit_result == "NOT_FOUND"

    def order(self) -> tuple[date, int, str]:
        return (self.event_date or date.max, KIND_RANK.get(self.kind, 9), self.source_key)

    def fingerprint(self) -> str:
        return "\x1f".join(str(v) for v in (
            self.source_key, self.kind, self.event_date, self.proposed, self.plan_id, self.close_reason,
            self.by, self.next_fu_date, self.outcome_status, self.visit_result))


@dataclass
class ChildResult:
    current: dict[str, Any]
    history: list[dict[str, Any]] = field(default_factory=list)
    exceptions: list[dict[str, Any]] = field(default_factory=list)


def inputs_hash(events: Iterable[Event]) -> str:
    digest = hashlib.sha256()
    for fp in sorted(e.fingerprint() for e in events):
        digest.update(fp.encode("utf-8") + b"\x1e")
    return digest.hexdigest()


def exception_key(source_key: str, proposed: int) -> str:
    return hashlib.sha256(f"{source_key}\x1f{proposed}".encode()).hexdigest()[:32]


def thai_date(day: date | None) -> str:
    """A date as Thai readers write it, Buddhist Era: 11/6/2564."""
    return "(ไม่มีวันที่)" if day is None else f"{day.day}/{day.month}/{day.year + 543}"


def _message(reason: str, event: Event, current: int | None, withdrawn_on: date | None) -> str:
    form = f"{FORM_THAI.get(event.kind, 'แบบฟอร์ม')} ({event.source_key.rsplit('/', 1)[-1]}) " \
           f"วันที่ {thai_date(event.event_date)}"
    proposed = lifecycle.label(event.proposed)
    if reason == "unknown_code":
        return (f"{form} เสนอรหัสสถานะแผน {event.proposed} ซึ่งไม่มีในรายการรหัสสถานะ จึงไม่นำมาใช้ "
                "กรุณาแก้แบบฟอร์มให้ใช้รหัสสถานะที่ถูกต้อง")
    if reason == "no_date":
        return (f"{form} เสนอสถานะ {proposed} แต่ไม่มีวันที่ จึงเรียงลำดับไม่ได้และไม่นำมาใช้ "
                "กรุณาเติมวันที่ในแบบฟอร์ม")
    if reason == "not_registered":
        return (f"{form} เสนอสถานะ {proposed} แต่เด็กคนนี้ยังไม่มีแบบลงทะเบียน (สถานะ 10) ก่อนหน้า "
                "จึงเปลี่ยนสถานะไม่ได้ กรุณาส่งแบบลงทะเบียนเด็ก หรือตรวจสอบว่าแบบฟอร์มนี้จับคู่กับเด็กถูกคน "
                "(ถ้าลงทะเบียนแล้ว ให้ตรวจสอบวันที่ในแบบฟอร์มนี้ว่าไม่ได้อยู่ก่อนวันลงทะเบียน)")
    if reason == "after_withdrawal":
        return (f"{form} เสนอสถานะ {proposed} แต่ถอนความยินยอมแล้ว (สถานะ 99) เมื่อ {thai_date(withdrawn_on)} "
                "กรณีนี้ปิดแล้วและไม่รับการเปลี่ยนสถานะอีก กรุณาหยุดเก็บข้อมูลของเด็กคนนี้")
    choices = ", ".join(lifecycle.label(code) for code in lifecycle.allowed_from(current)) or "ไม่มี"
    return (f"{form} เสนอเปลี่ยนสถานะแผนจาก {lifecycle.label(current)} เป็น {proposed} "
            f"ซึ่งไม่เป็นไปตามขั้นตอน (จากสถานะนี้เปลี่ยนได้เป็น {choices} เท่านั้น) จึงยังไม่เปลี่ยนสถานะ "
            "กรุณาตรวจสอบกับผู้กรอกและผู้นิเทศ แล้วแก้แบบฟอร์มหรือส่งแบบฟอร์มตามขั้นตอนที่ถูกต้อง")


def _steps(event: Event, current: int | None) -> list[int] | None:
    """The statuses an event moves the case through, or None when it is refused. A plan form saved
    as agreed (40) where only a draft may follow is a draft and its agreement in one: 30 then 40."""
    to = event.proposed
    if event.kind == "plan" and to == 40 and current is not None and (
            current == 40 or not lifecycle.allowed(current, 40)) \
            and lifecycle.allowed(current, 30) and lifecycle.allowed(30, 40):
        return [30, 40]
    if current is not None and to == current and to != 30:
        return []  # the status the case already has: nothing changes
    return [to] if lifecycle.allowed(current, to) else None


def compute_child(child_id: str, events: Iterable[Event], as_of: date) -> ChildResult:
    """One child's status history, current status and exceptions from its status events."""
    ordered = sorted(events, key=Event.order)
    status: int | None = None
    since: date | None = None
    episode, plan_version, plan_id = 1, 0, None
    withdrawn_on: date | None = None
    last_fu: Event | None = None
    visits = 0
    misses = 0  # home visits in a row that did not find the child (no other form, no status change)
    history: list[dict[str, Any]] = []
    exceptions: list[dict[str, Any]] = []
    seen_keys: set[str] = set()

    def refuse(event: Event, reason: str) -> None:
        key = exception_key(event.source_key, event.proposed)
        if key in seen_keys:
            return
        seen_keys.add(key)
        exceptions.append(dict(
            exception_key=key, child_id=child_id, source_key=event.source_key, event_date=event.event_date,
            from_status=status, proposed_status=event.proposed, reason=reason,
            message=_message(reason, event, status, withdrawn_on)))

    for event in ordered:
        if event.event_date is not None and event.kind in ("screening", "followup", "supervision"):
            visits += 1
            if event.kind != "screening":
                last_fu = event
        if not lifecycle.is_known(event.proposed):
            refuse(event, "unknown_code")
            continue
        if event.event_date is None:
            refuse(event, "no_date")
            continue
        if status == lifecycle.CONSENT_WITHDRAWN:
            if event.proposed != status:
                refuse(event, "after_withdrawal")
            continue
        misses = misses + 1 if event.missed else 0
        if event.missed and status is not None and misses < MISSES_TO_CLOSE:
            continue  # not found, not yet for the third time in a row: the case stays as it is
        steps = _steps(event, status)
        if steps is None:
            refuse(event, "not_registered" if status is None else "not_allowed")
            continue
        for to in steps:
            kind = lifecycle.kind_of(status, to)
            if lifecycle.new_episode(kind):
                episode, plan_version, plan_id = episode + 1, 0, None
            if lifecycle.new_plan_version(kind, to):
                plan_version += 1
            if event.plan_id:
                plan_id = event.plan_id
            history.append(dict(
                child_id=child_id, seq=len(history) + 1, episode=episode, plan_version=plan_version,
                plan_id=plan_id, from_status=status, to_status=to, kind=kind, at=event.event_date,
                by=event.by, source_key=event.source_key))
            status, since, misses = to, event.event_date, 0
            if to == lifecycle.CONSENT_WITHDRAWN:
                withdrawn_on = event.event_date

    closed = lifecycle.is_closed(status)
    due: date | None = None
    if last_fu is not None and status is not None and not closed:
        assert last_fu.event_date is not None
        due = last_fu.next_fu_date or last_fu.event_date + FOLLOWUP_INTERVAL
    current = dict(
        child_id=child_id, status=status, since=since, episode=episode, plan_version=plan_version,
        plan_id=plan_id, closed=closed, outcome_status=last_fu.outcome_status if last_fu else None,
        last_followup_on=last_fu.event_date if last_fu else None, followups=visits, next_followup_due=due,
        overdue=is_overdue(due, closed, as_of), overdue_as_of=as_of, events=len(ordered),
        exceptions=len(exceptions), inputs_hash=inputs_hash(ordered))
    return ChildResult(current=current, history=history, exceptions=exceptions)


def is_overdue(due: date | None, closed: bool, as_of: date) -> bool:
    """Overdue: a follow-up due before `as_of` on a case still open."""
    return due is not None and not closed and due < as_of


# --- the warehouse ---------------------------------------------------------------------------------


@dataclass
class StatusSummary:
    children: int = 0
    recomputed: int = 0
    removed: int = 0
    events: int = 0
    unmatched: int = 0  # status events of forms not matched to a child yet
    exceptions: int = 0
    open_exceptions: int = 0
    overdue: int = 0
    withdrawn: int = 0
    by_status: dict[int | None, int] = field(default_factory=dict)


def load_events(session: Session) -> tuple[dict[str, list[Event]], int]:
    """Every normalised status event under its child's surviving id; and how many have no child yet."""
    redirects = {child: to for child, to in session.execute(
        select(col(Child.child_id), col(Child.redirect_to)).where(col(Child.redirect_to).is_not(None)))}

    def resolve(child_id: str) -> str:
        seen: set[str] = set()
        while child_id in redirects and child_id not in seen:
            seen.add(child_id)
            child_id = redirects[child_id]
        return child_id

    def keyed(*columns: Any) -> Any:
        return session.execute(select(*columns)).all()

    submission = (col(StatusEvent.source), col(StatusEvent.project_id), col(StatusEvent.form_id),
                  col(StatusEvent.submission_id))
    child_of = dict(keyed(col(ChildAssignment.obs_key), col(ChildAssignment.child_id)))
    followups = {observation_key(*row[:4]): row[4:] for row in keyed(
        col(FollowUp.source), col(FollowUp.project_id), col(FollowUp.form_id), col(FollowUp.submission_id),
        col(FollowUp.is_supervision), col(FollowUp.supervisor_id), col(FollowUp.next_fu_date),
        col(FollowUp.child_current_status))}
    visit_results = {observation_key(*row[:4]): row[4] for row in keyed(
        col(Screening.source), col(Screening.project_id), col(Screening.form_id),
        col(Screening.submission_id), col(Screening.visit_result))}
    by = {observation_key(*row[:4]): row[4] for row in keyed(
        col(ChildObservation.source), col(ChildObservation.project_id), col(ChildObservation.form_id),
        col(ChildObservation.submission_id), col(ChildObservation.enumerator_id))}
    events: dict[str, list[Event]] = defaultdict(list)
    unmatched = 0
    for row in keyed(*submission, col(StatusEvent.event_date), col(StatusEvent.proposed_status),
                     col(StatusEvent.plan_id), col(StatusEvent.close_reason)):
        key = observation_key(*row[:4])
        child = child_of.get(key)
        if child is None:
            unmatched += 1
            continue
        fu = followups.get(key)
        is_supervision, supervisor, next_fu, outcome = fu if fu is not None else (None, None, None, None)
        kind = "supervision" if is_supervision else FORM_KIND.get(row.form_id, "other")
        events[resolve(child)].append(Event(
            source_key=key, kind=kind, event_date=row.event_date, proposed=row.proposed_status,
            plan_id=row.plan_id, close_reason=row.close_reason,
            by=(supervisor if is_supervision else None) or by.get(key),
            next_fu_date=next_fu, outcome_status=outcome, visit_result=visit_results.get(key)))
    return events, unmatched


def recompute_status(session: Session, *, as_of: date | None = None, full: bool = False) -> StatusSummary:
    """Bring the plan-status tables up to date with the warehouse (the caller commits).

    Only children whose events changed are rewritten (all of them with `full`); a person's resolution
    of an exception that is found again is kept."""
    as_of = as_of or datetime.now(UTC).date()
    events, unmatched = load_events(session)
    stored: dict[str, str] = dict(session.execute(
        select(col(CurrentStatus.child_id), col(CurrentStatus.inputs_hash))).all())
    known = set(stored) | set(session.scalars(select(col(StatusException.child_id)).distinct()).all()) \
        | set(session.scalars(select(col(StatusHistory.child_id)).distinct()).all())
    summary = StatusSummary(children=len(events), unmatched=unmatched,
                            events=sum(len(v) for v in events.values()))
    changed = sorted(child for child, evs in events.items()
                     if full or stored.get(child) != inputs_hash(evs))
    gone = sorted(known - set(events))
    summary.recomputed, summary.removed = len(changed), len(gone)
    for start in range(0, len(changed) + len(gone), BATCH):
        batch = (changed + gone)[start:start + BATCH]
        resolved = {e.exception_key: e for e in session.scalars(select(StatusException).where(
            col(StatusException.child_id).in_(batch), col(StatusException.resolved_at).is_not(None)))}
        for table in (StatusHistory, StatusException, CurrentStatus):
            session.execute(delete(table).where(col(table.child_id).in_(batch)))
        results = [compute_child(child, events[child], as_of) for child in batch if child in events]
        history = [h for r in results for h in r.history]
        exceptions = [x for r in results for x in r.exceptions]
        for x in exceptions:
            earlier = resolved.get(str(x["exception_key"]))
            if earlier is not None:
                x.update(resolved_by=earlier.resolved_by, resolved_at=earlier.resolved_at,
                         resolution=earlier.resolution)
        if results:
            session.execute(insert(CurrentStatus), [r.current for r in results])
        if history:
            session.execute(insert(StatusHistory), history)
        if exceptions:
            session.execute(insert(StatusException), exceptions)
        session.flush()
    refresh_overdue(session, as_of)
    for code, overdue, count in session.execute(
            select(col(CurrentStatus.status), col(CurrentStatus.overdue), func.count())
            .group_by(col(CurrentStatus.status), col(CurrentStatus.overdue))):
        summary.by_status[code] = summary.by_status.get(code, 0) + count
        summary.overdue += count if overdue else 0
    summary.withdrawn = summary.by_status.get(lifecycle.CONSENT_WITHDRAWN, 0)
    for resolved_at_set, count in session.execute(
            select(col(StatusException.resolved_at).is_not(None), func.count())
            .group_by(col(StatusException.resolved_at).is_not(None))):
        summary.exceptions += count
        summary.open_exceptions += 0 if resolved_at_set else count
    return summary


def refresh_overdue(session: Session, as_of: date) -> None:
    """Judge every child's overdue flag on `as_of` (a follow-up becomes overdue as days pass)."""
    session.execute(update(CurrentStatus).values(overdue=False, overdue_as_of=as_of))
    session.execute(update(CurrentStatus).where(
        col(CurrentStatus.next_followup_due).is_not(None), col(CurrentStatus.next_followup_due) < as_of,
        col(CurrentStatus.closed).is_(False)).values(overdue=True))
    session.flush()
