"""Plan status as of a day, read back from the status history: what each child's status was at a
month's end, the LAO responsible for it, and the children a period's report must account for.

The EEF report's picture (children per status per LAO over the months) and the check that the
report reconciles with the engine both read these, so both see the statuses the engine applied.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlmodel import Session, col

from warehouse.matching.store import Child, ChildAssignment
from warehouse.normalised import ChildObservation
from warehouse.plan_status import lifecycle
from warehouse.plan_status.store import CurrentStatus, StatusHistory

NO_LAO = "-"  # a child none of whose observations names an LAO


def month_end(year: int, month: int) -> date:
    """The last day of a month."""
    first_next = date(year + month // 12, month % 12 + 1, 1)
    return first_next - timedelta(days=1)


def period_bounds(period: str) -> tuple[date, date]:
    """`2026-03` → its first and last day (a Gregorian month, as the report's periods are)."""
    year, month = (int(part) for part in period.split("-"))
    return date(year, month, 1), month_end(year, month)


def month_ends(last_period: str, *, months: int) -> list[date]:
    """The month ends of the `months` months ending with `last_period`, oldest first."""
    year, month = (int(part) for part in last_period.split("-"))
    ends = []
    for back in range(months - 1, -1, -1):
        index = year * 12 + (month - 1) - back
        ends.append(month_end(index // 12, index % 12 + 1))
    return ends


def _redirects(session: Session) -> dict[str, str]:
    return {child: to for child, to in session.execute(
        select(col(Child.child_id), col(Child.redirect_to)).where(col(Child.redirect_to).is_not(None)))}


def _resolve(child_id: str, redirects: dict[str, str]) -> str:
    seen: set[str] = set()
    while child_id in redirects and child_id not in seen:
        seen.add(child_id)
        child_id = redirects[child_id]
    return child_id


def child_laos(session: Session) -> dict[str, str]:
    """Each child's LAO: the one its latest dated observation names (merged ids followed)."""
    redirects = _redirects(session)
    child_of = dict(session.execute(
        select(col(ChildAssignment.obs_key), col(ChildAssignment.child_id))).all())
    latest: dict[str, tuple[date, int, str]] = {}
    rows = session.execute(select(
        col(ChildObservation.source), col(ChildObservation.project_id), col(ChildObservation.form_id),
        col(ChildObservation.submission_id), col(ChildObservation.observed_on), col(ChildObservation.id),
        col(ChildObservation.lao_code)).where(col(ChildObservation.lao_code).is_not(None)))
    for source, project, form, submission, observed_on, row_id, lao in rows:
        child = child_of.get(f"{source}/{project}/{form}/{submission}")
        if child is None or not str(lao).strip():
            continue
        child = _resolve(child, redirects)
        rank = (observed_on or date.min, int(row_id or 0), str(lao).strip())
        if child not in latest or rank > latest[child]:
            latest[child] = rank
    return {child: rank[2] for child, rank in latest.items()}


def status_on(session: Session, day: date) -> dict[str, tuple[int, date]]:
    """Each child's status at the end of `day` and when it began (children with none yet absent):
    its last applied transition on or before `day`, found by the database (one row per child)."""
    # seq follows the child's event order, so the highest seq up to `day` is the latest transition.
    child, seq = col(StatusHistory.child_id), col(StatusHistory.seq)
    last = (select(child.label("child_id"), func.max(seq).label("seq"))
            .where(col(StatusHistory.at) <= day).group_by(child).subquery())
    rows = session.execute(
        select(child, col(StatusHistory.to_status), col(StatusHistory.at))
        .join(last, (child == last.c.child_id) & (seq == last.c.seq)))
    return {str(child_id): (int(status), at) for child_id, status, at in rows}


def monthly_counts(session: Session, ends: list[date],
                   leave_out: set[str] | None = None) -> dict[date, dict[str, Counter[int]]]:
    """Children per status per LAO at each month end: {month end: {lao_code: Counter(status)}}."""
    laos = child_laos(session)
    leave_out = leave_out or set()
    counts: dict[date, dict[str, Counter[int]]] = {}
    for end in ends:
        per_lao: dict[str, Counter[int]] = defaultdict(Counter)
        for child, (status, _) in status_on(session, end).items():
            if child not in leave_out:
                per_lao[laos.get(child, NO_LAO)][status] += 1
        counts[end] = dict(per_lao)
    return counts


@dataclass
class PeriodAccount:
    """The children the engine says a period's report must account for, by their status at its end."""

    status: dict[str, int] = field(default_factory=dict)  # child → status at the period's end
    withdrawn: set[str] = field(default_factory=set)  # 99: counted, never a row
    without_status: set[str] = field(default_factory=set)  # events, but none applied: exceptions

    def per_status(self) -> dict[int, int]:
        return dict(sorted(Counter(self.status.values()).items()))


def period_account(session: Session, period: str, *, leave_out: set[str] | None = None) -> PeriodAccount:
    """The engine's side of the report for `period`: every child with a status on or before the
    period's end whose case was not closed before the period began (REPORT_FORMAT.md, Rows);
    consent withdrawn apart; children in `leave_out` (erased) left out."""
    start, end = period_bounds(period)
    leave_out = leave_out or set()
    account = PeriodAccount()
    for child, (status, since) in status_on(session, end).items():
        if child in leave_out:
            continue
        if status == lifecycle.CONSENT_WITHDRAWN:
            account.withdrawn.add(child)
        elif not (lifecycle.is_closed(status) and since < start):
            account.status[child] = status
    no_status = select(col(CurrentStatus.child_id)).where(col(CurrentStatus.status).is_(None))
    for child in session.scalars(no_status):
        if child not in leave_out:
            account.without_status.add(str(child))
    return account
