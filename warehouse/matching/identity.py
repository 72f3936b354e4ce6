"""Warehouse-mode matching: observations of children → children whose ids stay stable across runs.

Evidence, strongest first:
  1. a person's review decision (accepted: must-link; rejected: cannot-link, whatever else says);
  2. the `children` entity chosen in Collect (same entity ⇒ same child);
  3. the same valid 13-digit ID or G-code, then the matcher's weights (warehouse.matching.engine).
The matcher's own never-link rules (conflicting IDs, different given names: twins and siblings) stop
its links but not a person's or Collect's.

Ids: a child keeps its id while it exists. Each earlier child claims the new cluster holding most of
its observations; a cluster claimed by several is a merge (the oldest id survives, the others redirect
to it); a cluster claimed by none but holding earlier observations is a split (a new id); a cluster of
new observations only is a new child. Every merge and split is written to `child_id_event`.
New ids are an HMAC of the founding observation's key (a submission's id, never personal data).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlmodel import Session

from warehouse.locks import exclusive
from warehouse.matching.store import Child, ChildAssignment, ChildIdEvent, MatchRun, ReviewPair

# Evidence tiers, strongest first (a smaller number wins when an observation has several).
TIERS = {"review": 0, "entity": 1, "id": 2, "model": 3}


def observation_key(source: str, project_id: str, form_id: str, submission_id: str) -> str:
    return f"{source}/{project_id}/{form_id}/{submission_id}"


def pair_key(left: str, right: str) -> str:
    """A short, stable key for a pair of observations, whatever their order."""
    a, b = sorted((left, right))
    return hashlib.sha256(f"{a}\x1f{b}".encode()).hexdigest()[:10]


def mint_child_id(founding_key: str, secret: bytes, attempt: int = 0) -> str:
    """An opaque id from the founding observation's key (attempt > 0 when that id is already taken)."""
    message = founding_key if attempt == 0 else f"{founding_key}#{attempt}"
    digest = hmac.new(secret, message.encode("utf-8"), hashlib.sha256).hexdigest()
    return "C" + digest[:15].upper()


def _secret() -> bytes:
    return os.environ.get("ODKSYNC_SECRET", "").encode("utf-8") or b"odksync-child-id"


@dataclass
class MatchSummary:
    run_id: int
    observations: int
    children: int
    new_children: int
    merges: int
    splits: int
    moved: int
    pending_reviews: int
    child_of: dict[str, str] = field(default_factory=dict)  # observation key → child id


def _now() -> datetime:
    return datetime.now(UTC)


class _Clusters:
    """Union-find that refuses to join groups a cannot-link keeps apart."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.members: dict[int, list[int]] = {i: [i] for i in range(n)}
        self.hard: dict[int, set[int]] = {}  # root → records it must never join (review rejected)
        self.soft: dict[int, set[int]] = {}  # root → records the matcher says never to join

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def forbid(self, i: int, j: int, *, hard: bool) -> None:
        table = self.hard if hard else self.soft
        table.setdefault(i, set()).add(j)
        table.setdefault(j, set()).add(i)

    def join(self, i: int, j: int, *, respect_soft: bool) -> bool:
        ra, rb = self.find(i), self.find(j)
        if ra == rb:
            return False
        small, big = (ra, rb) if len(self.members[ra]) <= len(self.members[rb]) else (rb, ra)
        tables = (self.hard, self.soft) if respect_soft else (self.hard,)
        for table in tables:
            blocked = table.get(big, set())
            if blocked and any(x in blocked for x in self.members[small]):
                return False
        self.parent[small] = big
        self.members[big].extend(self.members.pop(small))
        for table in (self.hard, self.soft):
            if small in table:
                table.setdefault(big, set()).update(table.pop(small))
        return True


def cluster_observations(
    rows: Sequence[Mapping[str, Any]], decisions: Mapping[str, str],
) -> tuple[list[int], list[tuple[str, float | None]], list[tuple[int, int, float]]]:
    """(cluster representative per row, (evidence, score) per row, review pairs left apart).

    `rows` carry `record_id` (the observation key), `entity_id` and the matcher's CSV columns;
    `decisions` maps pair keys to "accepted" or "rejected".
    """
    from warehouse.matching.engine import match_records

    keys = [str(r["record_id"]) for r in rows]
    index = {k: i for i, k in enumerate(keys)}
    result = match_records(rows) if len(rows) else None
    clusters = _Clusters(len(rows))
    links: list[tuple[int, float, int, int]] = []  # (tier, -score, i, j)
    reviews: list[tuple[int, int, float]] = []
    # 1. a person's decisions
    decided: dict[tuple[int, int], str] = {}
    for key, status in decisions.items():
        pair = _pair_indices(key, index)
        if pair is None:
            continue
        decided[pair] = status
        if status == "rejected":
            clusters.forbid(*pair, hard=True)
        elif status == "accepted":
            links.append((TIERS["review"], -1.0, *pair))
    # 2. the entity chosen in Collect
    first_of_entity: dict[str, int] = {}
    for i, row in enumerate(rows):
        entity = str(row.get("entity_id") or "")
        if entity:
            if entity in first_of_entity:
                links.append((TIERS["entity"], -1.0, first_of_entity[entity], i))
            else:
                first_of_entity[entity] = i
    # 3. the matcher: IDs, then weights; its never-link rules bind its own links only
    if result is not None:
        for p in result.pairs:
            if p.decision == "cannot":
                clusters.forbid(p.left, p.right, hard=False)
            elif p.decision == "link":
                tier = TIERS["id"] if p.reason in ("id", "same_record") else TIERS["model"]
                links.append((tier, -p.probability, p.left, p.right))
            elif p.decision == "review":
                reviews.append((p.left, p.right, p.probability))
    links.sort()
    evidence: list[tuple[str, float | None]] = [("alone", None)] * len(rows)
    names = {v: k for k, v in TIERS.items()}
    for tier, neg_score, i, j in links:
        if clusters.join(i, j, respect_soft=tier >= TIERS["id"]) or clusters.find(i) == clusters.find(j):
            for x in (i, j):
                best = evidence[x]
                if best[0] == "alone" or TIERS[best[0]] > tier:
                    evidence[x] = (names[tier], -neg_score)
    rep = [clusters.find(i) for i in range(len(rows))]
    pending = [(i, j, s) for i, j, s in reviews if rep[i] != rep[j] and (min(i, j), max(i, j)) not in decided]
    return rep, evidence, pending


def _pair_indices(key: str, index: Mapping[str, int]) -> tuple[int, int] | None:
    # Decisions are stored with their observation keys; `key` here is "left\x1fright".
    left, _, right = key.partition("\x1f")
    if left in index and right in index:
        i, j = index[left], index[right]
        return (min(i, j), max(i, j))
    return None


def match_warehouse(
    session: Session, rows: Sequence[Mapping[str, Any]] | None = None, *, by: str = "odksync",
    secret: bytes | None = None,
) -> MatchSummary:
    """Match the observations (by default every `norm_child_observation`) and keep child ids stable.

    One run at a time: two would both mint ids for the same new children. A second run raises
    `SyncInProgress` at once and changes nothing.
    """
    with exclusive(session.get_bind(), "observations into children"):  # type: ignore[arg-type]
        return _match_locked(session, rows, by=by, secret=secret)


def _match_locked(
    session: Session, rows: Sequence[Mapping[str, Any]] | None, *, by: str, secret: bytes | None,
) -> MatchSummary:
    from warehouse.privacy.erasure import erased_entity_children, erased_observation_keys

    if rows is None:
        rows = observation_rows(session)
    # Observations of erased children (anonymised, PDPA) are not matched again: they keep their child.
    # A new form that chose an erased child's entity belongs to that child (and is erased after it).
    erased = erased_observation_keys(session)
    pinned: dict[str, str] = {}
    if erased:
        entities = erased_entity_children(session)
        kept = []
        for row in rows:
            key, entity = str(row["record_id"]), str(row.get("entity_id") or "").lower()
            if key in erased:
                continue
            if entity and entity in entities:
                pinned[key] = entities[entity]
                continue
            kept.append(row)
        rows = kept
    secret = secret or _secret()
    now = _now()
    run = MatchRun(started_at=now, started_by=by)
    session.add(run)
    session.flush()
    assert run.id is not None
    decisions = {
        f"{r.left_key}\x1f{r.right_key}": r.status
        for r in session.scalars(select(ReviewPair).where(ReviewPair.status != "pending"))  # type: ignore[arg-type]
    }
    rep, evidence, pending = cluster_observations(rows, decisions)
    keys = [str(r["record_id"]) for r in rows]

    # Earlier state: each observation's child (redirects followed), each child's age.
    children = {c.child_id: c for c in session.scalars(select(Child))}
    assigned = {a.obs_key: a for a in session.scalars(select(ChildAssignment))}

    def resolve(child_id: str) -> str:
        seen = set()
        while (c := children.get(child_id)) is not None and c.redirect_to and child_id not in seen:
            seen.add(child_id)
            child_id = c.redirect_to
        return child_id

    groups: dict[int, list[int]] = defaultdict(list)
    for i, r in enumerate(rep):
        groups[r].append(i)
    old_of = [resolve(assigned[k].child_id) if k in assigned else None for k in keys]
    # Each earlier child claims the cluster holding most of its observations (ties: the smallest key).
    spread: dict[str, Counter[int]] = defaultdict(Counter)
    for i, old in enumerate(old_of):
        if old is not None:
            spread[old][rep[i]] += 1
    claims: dict[int, list[str]] = defaultdict(list)
    claimed_by: dict[str, int] = {}
    smallest_key = {g: min(keys[m] for m in members) for g, members in groups.items()}
    for old, counts in spread.items():
        best = min(counts, key=lambda g: (-counts[g], smallest_key[g]))
        claims[best].append(old)
        claimed_by[old] = best

    def age(child_id: str) -> tuple[datetime, str]:
        c = children.get(child_id)
        minted = c.minted_at if c is not None else now
        if minted.tzinfo is None:
            minted = minted.replace(tzinfo=UTC)
        return (minted, child_id)

    events: list[dict[str, Any]] = []
    new_children: list[dict[str, Any]] = []
    merged: dict[str, str] = {}
    id_of_group: dict[int, str] = {}
    taken = set(children)
    for group_rep in sorted(groups, key=lambda g: min(keys[m] for m in groups[g])):
        members = groups[group_rep]
        claimants = sorted(claims.get(group_rep, []), key=age)
        if claimants:
            survivor = claimants[0]
            for loser in claimants[1:]:
                merged[loser] = survivor
                events.append(dict(kind="merge", child_id=loser, other_id=survivor,
                                   reason=_why(members, evidence), observations=spread[loser][group_rep],
                                   run_id=run.id, occurred_at=now))
            id_of_group[group_rep] = survivor
            continue
        founding = min(keys[m] for m in members)
        attempt = 0
        while (new_id := mint_child_id(founding, secret, attempt)) in taken:
            attempt += 1
        taken.add(new_id)
        new_children.append(dict(child_id=new_id, minted_at=now, minted_run_id=run.id, status="active"))
        id_of_group[group_rep] = new_id
        origins = Counter(old for m in members if (old := old_of[m]) is not None)
        for origin, n in sorted(origins.items()):
            events.append(dict(kind="split", child_id=new_id, other_id=origin,
                               reason=f"แยกออกมา {n} รายการ (split: {_why(members, evidence)})",
                               observations=n, run_id=run.id, occurred_at=now))
    # Observations leaving an earlier child for another existing child: a split, recorded too.
    minted = {c["child_id"] for c in new_children}
    moves: Counter[tuple[str, str]] = Counter()
    for i, old in enumerate(old_of):
        target = id_of_group[rep[i]]
        if old is not None and old != target and merged.get(old) != target and target not in minted:
            moves[(old, target)] += 1
    for (old, target), n in sorted(moves.items()):
        events.append(dict(kind="split", child_id=target, other_id=old,
                           reason=f"ย้าย {n} รายการไปเด็กที่มีอยู่แล้ว (moved to an existing child)",
                           observations=n, run_id=run.id, occurred_at=now))

    # Write: children, merges, assignments that changed, review pairs, the run.
    if new_children:
        session.execute(insert(Child), new_children)
    for loser, survivor in merged.items():
        session.execute(update(Child).where(Child.child_id == loser)  # type: ignore[arg-type]
                        .values(status="merged", redirect_to=survivor, changed_at=now))
        session.execute(update(Child).where(Child.redirect_to == loser)  # type: ignore[arg-type]
                        .values(redirect_to=survivor, changed_at=now))
    if events:
        session.execute(insert(ChildIdEvent), events)
    child_of: dict[str, str] = {}
    new_rows, moved = [], 0
    for i, key in enumerate(keys):
        child_id = id_of_group[rep[i]]
        child_of[key] = child_id
        ev, score = evidence[i]
        known = assigned.get(key)
        if known is None:
            new_rows.append(dict(obs_key=key, child_id=child_id, evidence=ev, score=score, run_id=run.id,
                                 assigned_at=now))
        elif known.child_id != child_id or known.evidence != ev:
            moved += known.child_id != child_id
            session.execute(update(ChildAssignment).where(ChildAssignment.obs_key == key)  # type: ignore[arg-type]
                            .values(child_id=child_id, evidence=ev, score=score, run_id=run.id,
                                    assigned_at=now))
    for key, child_id in pinned.items():
        known = assigned.get(key)
        if known is None:
            new_rows.append(dict(obs_key=key, child_id=child_id, evidence="entity", score=None, run_id=run.id,
                                 assigned_at=now))
        elif known.child_id != child_id:
            session.execute(update(ChildAssignment).where(ChildAssignment.obs_key == key)  # type: ignore[arg-type]
                            .values(child_id=child_id, evidence="entity", score=None, run_id=run.id,
                                    assigned_at=now))
    if new_rows:
        session.execute(insert(ChildAssignment), new_rows)
    # Observations no longer in the warehouse (retracted); erased ones keep their child.
    gone = set(assigned) - set(keys) - set(erased) - set(pinned)
    if gone:
        session.execute(delete(ChildAssignment).where(ChildAssignment.obs_key.in_(gone)))  # type: ignore[attr-defined]
    known_pairs = set(session.scalars(select(ReviewPair.pair_key)))  # type: ignore[call-overload]
    fresh, still_pending = [], set()
    for i, j, score in pending:
        left, right = sorted((keys[i], keys[j]))
        pk = pair_key(left, right)
        still_pending.add(pk)
        if pk not in known_pairs:
            known_pairs.add(pk)
            fresh.append(dict(pair_key=pk, left_key=left, right_key=right, score=score, status="pending",
                              created_run_id=run.id, created_at=now))
    if fresh:
        session.execute(insert(ReviewPair), fresh)
    # A pending pair the evidence has since settled (or whose observations are gone) leaves the queue;
    # decided pairs are kept for ever.
    stale = [k for k in known_pairs - still_pending]
    if stale:
        session.execute(delete(ReviewPair).where(ReviewPair.status == "pending",  # type: ignore[arg-type]
                                                  ReviewPair.pair_key.in_(stale)))  # type: ignore[attr-defined]
    waiting = len(session.scalars(select(ReviewPair.id).where(ReviewPair.status == "pending")).all())  # type: ignore[call-overload]
    run.observations = len(keys)
    run.children = len(groups)
    splits = {e["child_id"] for e in events if e["kind"] == "split"} & minted
    run.new_children = len(minted - splits)
    run.merges = len(merged)
    run.splits = len(splits)
    run.moved = moved
    run.pending_reviews = waiting
    run.finished_at = _now()
    session.add(run)
    session.flush()
    return MatchSummary(run_id=run.id, observations=run.observations, children=run.children,
                        new_children=run.new_children, merges=run.merges, splits=run.splits, moved=moved,
                        pending_reviews=waiting, child_of=child_of)


def _why(members: Sequence[int], evidence: Sequence[tuple[str, float | None]]) -> str:
    kinds = sorted({evidence[m][0] for m in members if evidence[m][0] != "alone"}, key=lambda k: TIERS[k])
    return "หลักฐาน (evidence): " + (", ".join(kinds) or "none")


def observation_rows(session: Session) -> list[dict[str, Any]]:
    """Every child observation in the matcher's CSV shape, keyed by its submission, with its entity."""
    from warehouse.normalised import ChildObservation, Guardian

    guardians: dict[tuple[str, str, str, str], str] = {}
    for g in session.scalars(select(Guardian)):
        name = " ".join(x for x in (g.title, g.first_name, g.last_name) if x) or g.name_as_entered or ""
        guardians[(g.source, g.project_id, g.form_id, g.submission_id)] = name
    rows = []
    for o in session.scalars(select(ChildObservation).order_by(ChildObservation.id)):  # type: ignore[arg-type]
        sub = (o.source, o.project_id, o.form_id, o.submission_id)
        rows.append({
            "record_id": observation_key(*sub),
            "entity_id": o.entity_id or "",
            "national_id": o.national_id or o.national_id_as_entered or o.g_code or o.g_code_as_entered or "",
            "first_name": o.first_name or o.first_name_as_entered or "",
            "last_name": o.last_name or o.last_name_as_entered or "",
            "nickname": o.nickname or o.nickname_as_entered or "",
            "birth_date": o.birth_date.isoformat() if o.birth_date else (o.birth_date_as_entered or ""),
            "sex": o.sex or "",
            "guardian_name": guardians.get(sub, ""),
            "phone": o.guardian_phone or "",
            "lao_code": o.lao_code or "",
            "subdistrict_code": o.subdistrict_code or "",
            "village_no": str(o.moo) if o.moo is not None else "",
            "visit_date": o.observed_on.isoformat() if o.observed_on else "",
        })
    return rows
