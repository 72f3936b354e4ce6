"""Push-back's reads of the warehouse: which child an entity belongs to, and what that child's entity
should show. One batch (a page of entities) at a time: every query takes a bounded list of keys.

An entity is linked to a child by, strongest first:
  1. the follow-on forms that chose it in Collect (`ChildObservation.entity_id`): the child most of
     those observations are assigned to — the one whose status events carry this entity;
  2. the registration that created it (its instanceID, asked of Central once and kept in
     `entity_push_link`): the child that registration is assigned to now.
Merged ids are followed to the surviving child; an erased child (tombstone) is erased under any id.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import date

from sqlalchemy import select as select_columns
from sqlmodel import Session, col, select

from warehouse.matching.identity import observation_key
from warehouse.matching.store import Child, ChildAssignment
from warehouse.normalised import ChildObservation, ConsentRecord, Plan, PlanIntervention
from warehouse.plan_status.store import CurrentStatus
from warehouse.pushback.desired import ChildState

CHUNK = 500  # keys per IN (...) list: well under SQLite's and PostgreSQL's limits
REGISTRATION_FORM = "child_registration"


def _chunks(keys: Iterable[str]) -> Iterator[list[str]]:
    batch: list[str] = []
    for key in keys:
        batch.append(key)
        if len(batch) == CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def resolve_ids(session: Session, child_ids: Collection[str]) -> dict[str, str]:
    """Each id → the active child it stands for now (itself, or the survivor of its merges)."""
    redirect: dict[str, str | None] = {}
    pending = set(child_ids)
    while pending:
        found: set[str] = set()
        for batch in _chunks(sorted(pending)):
            for child in session.exec(select(Child).where(col(Child.child_id).in_(batch))):
                redirect[child.child_id] = child.redirect_to if child.status == "merged" else None
                found.add(child.child_id)
        pending = {r for r in (redirect[c] for c in found) if r and r not in redirect}
    resolved: dict[str, str] = {}
    for start in child_ids:
        current, seen = start, {start}
        while (nxt := redirect.get(current)) and nxt not in seen:
            seen.add(nxt)
            current = nxt
        resolved[start] = current
    return resolved


def _owners(session: Session, child_ids: Collection[str]) -> dict[str, str]:
    """Observation key → child id, for every observation of these children, including those still
    assigned to an id merged into one of them (matching flattens redirects to the survivor)."""
    alias = {c: c for c in child_ids}
    for batch in _chunks(sorted(child_ids)):
        for merged in session.exec(select(Child).where(col(Child.redirect_to).in_(batch))):
            alias[merged.child_id] = str(merged.redirect_to)
    owner: dict[str, str] = {}
    for batch in _chunks(sorted(alias)):
        for a in session.exec(select(ChildAssignment).where(col(ChildAssignment.child_id).in_(batch))):
            owner[a.obs_key] = alias[a.child_id]
    return owner


def _assigned(session: Session, keys: Collection[str]) -> dict[str, str]:
    """Observation key → child id, for the observations matching has assigned."""
    out: dict[str, str] = {}
    for batch in _chunks(sorted(keys)):
        for a in session.exec(select(ChildAssignment).where(col(ChildAssignment.obs_key).in_(batch))):
            out[a.obs_key] = a.child_id
    return out


def children_by_entity(session: Session, uuids: Collection[str]) -> dict[str, str]:
    """Entity uuid (lower case) → child id, from the follow-on forms that chose the entity."""
    seen: dict[str, list[str]] = defaultdict(list)
    for batch in _chunks(sorted({u.lower() for u in uuids})):
        query = select_columns(ChildObservation.entity_id, ChildObservation.source,  # type: ignore[call-overload]
                               ChildObservation.project_id, ChildObservation.form_id,
                               ChildObservation.submission_id
                               ).where(col(ChildObservation.entity_id).in_(batch))
        for entity_id, source, project_id, form_id, submission_id in session.execute(query):
            seen[str(entity_id)].append(observation_key(source, project_id, form_id, submission_id))
    assigned = _assigned(session, [k for keys in seen.values() for k in keys])
    out: dict[str, str] = {}
    for uuid, keys in seen.items():
        votes = Counter(assigned[k] for k in keys if k in assigned)
        if votes:
            out[uuid] = min(votes, key=lambda c: (-votes[c], c))  # most observations, then the id
    return out


def children_by_submission(session: Session, source: str, project_id: str,
                           instance_ids: Collection[str]) -> dict[str, str]:
    """Creating submission's instanceID → the child its observation is assigned to now."""
    keys: dict[str, str] = {}
    for batch in _chunks(sorted(instance_ids)):
        query = select_columns(ChildObservation.form_id, ChildObservation.submission_id).where(  # type: ignore[call-overload]
            ChildObservation.source == source, ChildObservation.project_id == project_id,
            col(ChildObservation.submission_id).in_(batch))
        for form_id, submission_id in session.execute(query):
            keys[submission_id] = observation_key(source, project_id, form_id, submission_id)
    assigned = _assigned(session, keys.values())
    return {instance: assigned[key] for instance, key in keys.items() if key in assigned}


def _iso(value: date | None) -> str:
    return value.isoformat() if value is not None else ""


def _plan_values(session: Session, plan_ids: Collection[str]) -> dict[str, dict[str, str]]:
    """Plan id → its latest version's plan_version, plan_date and interventions (in plan order)."""
    latest: dict[str, Plan] = {}
    for batch in _chunks(sorted(plan_ids)):
        for plan in session.exec(select(Plan).where(col(Plan.plan_id).in_(batch))):
            assert plan.plan_id is not None
            key = (plan.plan_version or 0, plan.plan_date or date.min, plan.id or 0)
            held = latest.get(plan.plan_id)
            if held is None or key > (held.plan_version or 0, held.plan_date or date.min, held.id or 0):
                latest[plan.plan_id] = plan
    codes: dict[tuple[str, str, str, str], list[tuple[int, str]]] = defaultdict(list)
    subs = {(p.source, p.project_id, p.form_id, p.submission_id) for p in latest.values()}
    for batch in _chunks(sorted({s[3] for s in subs})):
        query = select(PlanIntervention).where(col(PlanIntervention.submission_id).in_(batch))
        for i in session.exec(query):
            sub = (i.source, i.project_id, i.form_id, i.submission_id)
            if sub in subs and i.intv_type:
                codes[sub].append((i.position, i.intv_type))
    out: dict[str, dict[str, str]] = {}
    for plan_id, plan in latest.items():
        sub = (plan.source, plan.project_id, plan.form_id, plan.submission_id)
        out[plan_id] = {
            "plan_version": str(plan.plan_version) if plan.plan_version is not None else "",
            "plan_date": _iso(plan.plan_date),
            "plan_interventions": " ".join(code for _, code in sorted(codes[sub])),
        }
    return out


def _sensitive_consent(session: Session, child_ids: Collection[str]) -> dict[str, str]:
    """Child id → "1"/"0": its latest recorded sensitive-data consent (home visit), if any."""
    owner: dict[tuple[str, str, str, str], str] = {}
    for obs_key, owning in _owners(session, child_ids).items():
        source, project_id, form_id, submission_id = obs_key.split("/", 3)
        owner[(source, project_id, form_id, submission_id)] = owning
    best: dict[str, tuple[date, int, bool]] = {}
    for batch in _chunks(sorted({k[3] for k in owner})):
        query = select(ConsentRecord).where(ConsentRecord.kind == "sensitive",
                                            col(ConsentRecord.submission_id).in_(batch))
        for c in session.exec(query):
            child = owner.get((c.source, c.project_id, c.form_id, c.submission_id))
            if child is None or c.consent_ok is None:
                continue
            key = (c.consented_on or date.min, c.id or 0, c.consent_ok)
            if child not in best or key[:2] > best[child][:2]:
                best[child] = key
    return {child: "1" if key[2] else "0" for child, key in best.items()}


def child_states(session: Session, child_ids: Collection[str], *, erased: Collection[str]
                 ) -> dict[str, ChildState]:
    """What each (active) child's entity should show; an erased child gets no values at all."""
    states: dict[str, ChildState] = {}
    live = sorted(set(child_ids) - set(erased))
    current: dict[str, CurrentStatus] = {}
    for batch in _chunks(live):
        for row in session.exec(select(CurrentStatus).where(col(CurrentStatus.child_id).in_(batch))):
            current[row.child_id] = row
    plans = _plan_values(session, {c.plan_id for c in current.values() if c.plan_id})
    consent = _sensitive_consent(session, live)
    registered = registration_rows(session, live, latest=True)
    for child_id in live:
        values: dict[str, str] = {}
        last = registered.get(child_id)
        if last is not None and last.lao_code:
            # A child who moved is registered again in the new LAO; when matching merges the two,
            # the older entity is kept, so it must follow the child into the LAO that serves it now
            # (the forms list only their own LAO's children).
            values["lao_code"] = last.lao_code
        now = current.get(child_id)
        if now is not None and now.status is not None:
            values["plan_status"] = str(now.status)
            values["next_followup_due"] = _iso(now.next_followup_due)
            if now.plan_id and now.plan_id in plans:
                values["plan_id"] = now.plan_id
                values.update(plans[now.plan_id])
        if child_id in consent:
            values["sensitive_consent"] = consent[child_id]
        states[child_id] = ChildState(child_id=child_id, values=values)
    for child_id in set(child_ids) & set(erased):
        states[child_id] = ChildState(child_id=child_id, erased=True)
    return states


def registration_rows(session: Session, child_ids: Sequence[str], *, latest: bool = False
                      ) -> dict[str, ChildObservation]:
    """Child id → its earliest registration observation (what children.csv's personal columns show),
    or with `latest` its most recent one (the LAO that registered the child last)."""
    owner = _owners(session, child_ids)
    best: dict[str, tuple[tuple[date, int], ChildObservation]] = {}
    subs = sorted({key.split("/", 3)[3] for key in owner if key.split("/", 3)[2] == REGISTRATION_FORM})
    for batch in _chunks(subs):
        query = select(ChildObservation).where(ChildObservation.form_id == REGISTRATION_FORM,
                                               col(ChildObservation.submission_id).in_(batch))
        for o in session.exec(query):
            child = owner.get(observation_key(o.source, o.project_id, o.form_id, o.submission_id))
            if child is None:
                continue
            if latest:
                key = (o.observed_on or date.min, o.id or 0)
                better = child not in best or key > best[child][0]
            else:
                key = (o.observed_on or date.max, o.id or 0)
                better = child not in best or key < best[child][0]
            if better:
                best[child] = (key, o)
    return {child: o for child, (_, o) in best.items()}
