"""What the report reads of each child, streamed from the warehouse in child order.

Four queries — a child's forms (with registration details and follow-ups), its status history, the
interventions of its plans, and its consent records (the consent lookup the partner exports use too,
warehouse.privacy.consent.consent_rows_by_child) — each ordered by the child's surviving id (a merged
id follows its redirect; matching keeps redirects one step long), read a few thousand rows at a time,
and zipped together child by child. Nothing here holds more than one child's rows, so memory does not
grow with the number of children. The ordering uses the byte order of the ids (`COLLATE "C"` on PostgreSQL,
BINARY on SQLite), which is Python's order for the same strings.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import groupby
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from warehouse.matching.store import Child, ChildAssignment
from warehouse.normalised import ChildObservation, Education, FollowUp, Plan, PlanIntervention, SelectChoice
from warehouse.plan_status.store import StatusHistory
from warehouse.privacy.consent import consent_rows_by_child

YIELD_PER = 5000
LEAVE_REASONS = "education/leave_reasons"


@dataclass
class ChildSources:
    """One child's rows as the report reads them (each list in no particular order)."""

    child_id: str
    forms: list[Any] = field(default_factory=list)  # FORM_COLUMNS
    history: list[Any] = field(default_factory=list)  # seq, to_status, at, plan_id
    interventions: list[Any] = field(default_factory=list)  # plan_id, plan_version, plan_date, ...
    consents: list[Any] = field(default_factory=list)  # consent.CONSENT_FIELDS (norm_consent rows)


def _same_submission(table: Any, other: Any) -> ColumnElement[bool]:
    return and_(*(getattr(table, name) == getattr(other, name)
                  for name in ("source", "project_id", "form_id", "submission_id")))


def _obs_key(table: Any) -> Any:
    return table.source + "/" + table.project_id + "/" + table.form_id + "/" + table.submission_id


def _byte_order(session: Session, expression: Any) -> Any:
    dialect = session.get_bind().dialect.name
    return expression.collate("C") if dialect == "postgresql" else expression.collate("BINARY")


def _surviving(assigned: Any) -> tuple[Any, Any]:
    """The child id an assignment counts for (a merged child's survivor), and the join to `child`."""
    merged = aliased(Child)
    return func.coalesce(merged.redirect_to, assigned), merged


def _forms(session: Session, last_day: date) -> Iterator[Any]:
    o = ChildObservation
    e, choice, fu = aliased(Education), aliased(SelectChoice), aliased(FollowUp)
    a = ChildAssignment
    child, merged = _surviving(col(a.child_id))
    stmt = (
        select(child.label("child_id"), col(o.observed_on), col(o.form_id), col(o.submission_id),
               col(o.lao_code), col(o.sex), col(o.birth_date), col(o.birth_year), col(o.national_id),
               col(o.national_id_valid), col(o.province_code), col(o.district_code),
               col(o.subdistrict_code), col(e.oos_category), col(choice.choice).label("leave_reason"),
               col(fu.fu_date), col(fu.next_fu_date), col(fu.child_current_status))
        .select_from(o)
        .join(a, col(a.obs_key) == _obs_key(o))
        .outerjoin(merged, col(merged.child_id) == col(a.child_id))
        .outerjoin(e, _same_submission(e, o))
        .outerjoin(choice, and_(_same_submission(choice, o), col(choice.field) == LEAVE_REASONS,
                                col(choice.position) == 0, col(choice.ordinal) == 1))
        .outerjoin(fu, _same_submission(fu, o))
        .where(col(o.observed_on) <= last_day)
        .order_by(_byte_order(session, child))
    )
    return iter(session.execute(stmt.execution_options(yield_per=YIELD_PER)))


def _history(session: Session, last_day: date) -> Iterator[Any]:
    h = StatusHistory
    child, merged = _surviving(col(h.child_id))
    stmt = (
        select(child.label("child_id"), col(h.seq), col(h.to_status), col(h.at), col(h.plan_id))
        .select_from(h)
        .outerjoin(merged, col(merged.child_id) == col(h.child_id))
        .where(col(h.at) <= last_day)
        .order_by(_byte_order(session, child))
    )
    return iter(session.execute(stmt.execution_options(yield_per=YIELD_PER)))


def _interventions(session: Session, last_day: date) -> Iterator[Any]:
    p, i, a = Plan, PlanIntervention, ChildAssignment
    child, merged = _surviving(col(a.child_id))
    stmt = (
        select(child.label("child_id"), col(p.plan_id), col(p.plan_version), col(p.plan_date),
               col(p.submission_id), col(i.position), col(i.intv_type), col(i.funding))
        .select_from(p)
        .join(i, _same_submission(i, p))
        .join(a, col(a.obs_key) == _obs_key(p))
        .outerjoin(merged, col(merged.child_id) == col(a.child_id))
        .where(col(p.plan_date) <= last_day)
        .order_by(_byte_order(session, child))
    )
    return iter(session.execute(stmt.execution_options(yield_per=YIELD_PER)))


def _consents(session: Session, last_day: date) -> Iterator[Any]:
    # every consent record, whatever its date: the report discloses now, under the consent as it stands
    return consent_rows_by_child(session)


STREAMS = ("forms", "history", "interventions", "consents")


def iter_children(session: Session, last_day: date) -> Iterator[ChildSources]:
    """Every child with a form, a status, a plan or a consent record on or before `last_day`, in
    child-id order (a child with only a consent record has no forms: the report leaves it out)."""
    streams = [groupby(query(session, last_day), key=lambda row: str(row.child_id))
               for query in (_forms, _history, _interventions, _consents)]
    heads: list[tuple[str, list[Any]] | None] = [_next(s) for s in streams]
    while any(h is not None for h in heads):
        current = min(h[0] for h in heads if h is not None)
        sources = ChildSources(child_id=current)
        for index, head in enumerate(heads):
            if head is not None and head[0] == current:
                setattr(sources, STREAMS[index], head[1])
                heads[index] = _next(streams[index])
        yield sources


def _next(stream: Iterator[tuple[str, Iterator[Any]]]) -> tuple[str, list[Any]] | None:
    item = next(stream, None)
    return None if item is None else (item[0], list(item[1]))
