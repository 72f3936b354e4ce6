"""The review queue: pairs of observations the matcher could not decide, and a person's decisions.

An accepted pair is a must-link and a rejected pair a cannot-link in every later run
(warehouse.matching.identity); a decision is kept with who made it and when.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, tuple_
from sqlmodel import Session

from warehouse.matching.store import ChildAssignment, ReviewPair
from warehouse.normalised import ChildObservation
from warehouse.privacy.minimise import mask_national_id

DECISIONS = ("accepted", "rejected")


class UnknownPair(LookupError):
    pass


@dataclass(frozen=True)
class PairView:
    pair_key: str
    left_key: str
    right_key: str
    score: float
    status: str
    left_child: str | None
    right_child: str | None
    decided_by: str | None
    decided_at: datetime | None


def list_pairs(session: Session, status: str | None = "pending") -> list[PairView]:
    query = select(ReviewPair).order_by(ReviewPair.score.desc(), ReviewPair.pair_key)  # type: ignore[attr-defined]
    if status is not None:
        query = query.where(ReviewPair.status == status)  # type: ignore[arg-type]
    pairs = list(session.scalars(query))
    keys = {k for p in pairs for k in (p.left_key, p.right_key)}
    child_of = {a.obs_key: a.child_id for a in session.scalars(select(ChildAssignment).where(
        ChildAssignment.obs_key.in_(keys)))} if keys else {}  # type: ignore[attr-defined]
    return [PairView(p.pair_key, p.left_key, p.right_key, p.score, p.status, child_of.get(p.left_key),
                     child_of.get(p.right_key), p.decided_by, p.decided_at) for p in pairs]


def decide(session: Session, pair_key: str, decision: str, by: str) -> ReviewPair:
    """Record a person's decision on a pair (a later decision replaces an earlier one)."""
    if decision not in DECISIONS:
        raise ValueError(f"decision must be one of {DECISIONS}")
    pair = session.scalars(select(ReviewPair).where(ReviewPair.pair_key == pair_key.strip().lower())).first()  # type: ignore[arg-type]
    if pair is None:
        raise UnknownPair(f"ไม่พบคู่ {pair_key!r} ในคิวตรวจสอบ (no pair {pair_key!r} in the review queue)")
    pair.status = decision
    pair.decided_by = by
    pair.decided_at = datetime.now(UTC)
    session.add(pair)
    session.flush()
    return pair


def describe_observations(session: Session, keys: set[str]) -> dict[str, dict[str, str]]:
    """What a reviewer needs to judge a pair, IDs masked: read for the named observations only."""
    wanted = [tuple(key.split("/", 3)) for key in keys if key.count("/") >= 3]
    out: dict[str, dict[str, str]] = {}
    columns = (ChildObservation.source, ChildObservation.project_id, ChildObservation.form_id,
               ChildObservation.submission_id)
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        query = select(ChildObservation).where(tuple_(*columns).in_(chunk))
        for o in session.scalars(query):
            key = f"{o.source}/{o.project_id}/{o.form_id}/{o.submission_id}"
            if key not in keys:
                continue
            out[key] = {
                "form": o.form_id,
                "name": " ".join(x for x in (o.first_name, o.last_name) if x) or (o.name_as_entered or ""),
                "nickname": o.nickname or "",
                "birth_date": o.birth_date.isoformat() if o.birth_date else "",
                "sex": o.sex or "",
                "national_id": mask_national_id(o.national_id) if o.national_id else "",
                "lao_code": o.lao_code or "",
                "observed_on": o.observed_on.isoformat() if o.observed_on else "",
            }
    return out


def describe(seen: dict[str, str] | None, key: str) -> str:
    """One line for one side of a pair, Thai first; the bare key when the observation is gone."""
    if not seen:
        return key
    parts = [seen["name"], f"({seen['nickname']})" if seen["nickname"] else "", seen["birth_date"],
             seen["sex"], seen["national_id"], f"อปท. {seen['lao_code']}" if seen["lao_code"] else "",
             seen["form"]]
    return " ".join(p for p in parts if p)
