"""Data-quality facts about the warehouse, each a query returning its evidence; the asset checks read them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import String, cast, func, or_
from sqlalchemy import select as sql_select
from sqlmodel import Session, col, select

from warehouse.models import Submission
from warehouse.normalise.driver import held_counts
from warehouse.normalised import ChildIdentifier, ChildObservation, Quarantine
from warehouse.status import form_status

EXAMPLES = 10  # evidence listed per check; the counts say how many there are in all


@dataclass
class Finding:
    """How many rows were looked at, how many break the property, and a few of them as evidence."""

    checked: int
    failing: int
    examples: list[dict[str, Any]] = field(default_factory=list)

    @property
    def share(self) -> float:
        return round(self.failing / self.checked, 4) if self.checked else 0.0


def duplicate_instance_ids(session: Session, *, source: str) -> Finding:
    """Current submissions of one form that share an instanceID with another submission.

    Two submissions with one instanceID are one visit received twice under two keys: everything
    downstream would count that child twice.
    """
    key = (col(Submission.source), col(Submission.project_id), col(Submission.form_id),
           col(Submission.instance_id))
    current = (col(Submission.source) == source, col(Submission.deleted_at).is_(None),
               col(Submission.instance_id).is_not(None))
    checked = int(session.exec(select(func.count()).select_from(Submission).where(*current)).one())
    groups = session.execute(sql_select(*key, func.count()).where(*current).group_by(*key)
                             .having(func.count() > 1).order_by(*key)).all()
    return Finding(checked=checked, failing=sum(int(n) - 1 for *_, n in groups),
                   examples=[{"form_id": form, "instance_id": instance, "submissions": int(n)}
                             for _, _, form, instance, n in groups[:EXAMPLES]])


def count_mismatches(session: Session, *, source: str) -> Finding:
    """Forms whose warehouse holds a different number of current submissions than the source
    reported at the last sync (or whose last sync failed)."""
    rows = [r for r in form_status(session) if r["source"] == source]
    wrong = [r for r in rows if not r["in_sync"]]
    return Finding(checked=len(rows), failing=len(wrong), examples=[
        {"form_id": r["form_id"], "source_count": r["source_count"],
         "warehouse_count": r["warehouse_count"], "last_error": r["last_error"]}
        for r in wrong[:EXAMPLES]])


def invalid_national_ids(session: Session) -> Finding:
    """13-digit IDs as entered whose check digit (or format) is wrong; the IDs themselves are
    personal data, so the evidence names the submission and masks all but the last 4 digits."""
    ids = ChildIdentifier
    thai = col(ids.scheme) == "TH_PID"
    checked = int(session.exec(select(func.count()).select_from(ids).where(thai)).one())
    # A 0-series ID failing the check digit is kept as valid with a warning (DOMAIN.md §2.1), but it
    # still does not pass the check digit: it counts here, so the field team confirms it.
    failed = or_(col(ids.valid).is_(False), cast(col(ids.flags), String).like('%"check_digit"%'))
    bad = session.exec(select(ids).where(thai, failed).order_by(col(ids.id))).all()
    return Finding(checked=checked, failing=len(bad), examples=[
        {"form_id": r.form_id, "submission_id": r.submission_id,
         "as_entered": _mask(r.as_entered), "flags": list(r.flags or [])} for r in bad[:EXAMPLES]])


def children_without_lao(session: Session) -> Finding:
    """Child observations with no LAO: no LAO can follow that child up or be reported for them."""
    obs = ChildObservation
    checked = int(session.exec(select(func.count()).select_from(obs)).one())
    missing = or_(col(obs.lao_code).is_(None), func.trim(col(obs.lao_code)) == "")
    bad = session.exec(select(obs).where(missing).order_by(col(obs.id))).all()
    return Finding(checked=checked, failing=len(bad), examples=[
        {"form_id": r.form_id, "submission_id": r.submission_id} for r in bad[:EXAMPLES]])


@dataclass
class QuarantineSummary:
    """The quarantine as a data manager reads it: how many, why, and the first messages."""

    held: int
    quarantined: int
    by_reason: dict[str, int]
    by_form: dict[str, int]
    rows: list[Quarantine]

    @property
    def rate(self) -> float:
        return round(self.quarantined / self.held, 4) if self.held else 0.0


def quarantine_summary(session: Session, *, preview: int = 20) -> QuarantineSummary:
    """Current submissions held and quarantined, counts per reason and form, the first `preview` rows."""
    counts = held_counts(session)
    reasons: Counter[str] = Counter()
    forms: Counter[str] = Counter()
    for reason, form_id, n in session.exec(
            select(col(Quarantine.reason), col(Quarantine.form_id), func.count())
            .group_by(col(Quarantine.reason), col(Quarantine.form_id))).all():
        reasons[reason] += int(n)
        forms[form_id] += int(n)
    rows = list(session.exec(select(Quarantine).order_by(col(Quarantine.id)).limit(preview)).all())
    return QuarantineSummary(held=sum(c["held"] for c in counts.values()),
                             quarantined=sum(c["quarantined"] for c in counts.values()),
                             by_reason=dict(sorted(reasons.items())), by_form=dict(sorted(forms.items())),
                             rows=rows)


def _mask(value: str | None) -> str | None:
    if not value:
        return value
    return "•" * max(len(value) - 4, 0) + value[-4:]
