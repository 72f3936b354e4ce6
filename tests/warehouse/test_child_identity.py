"""Warehouse-mode matching: child ids stay stable across runs, merges redirect, decisions are honoured."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from bench.matching.generate import generate
from warehouse.matching.identity import match_warehouse, pair_key
from warehouse.matching.review import decide, list_pairs
from warehouse.matching.store import Child, ChildAssignment, ChildIdEvent, ReviewPair


def _row(key: str, first: str, last: str, birth: str, **extra: str) -> dict[str, Any]:
    row = {"record_id": key, "first_name": first, "last_name": last, "birth_date": birth, "sex": "M",
           "guardian_name": "นางสมศรี ใจดี", "phone": "0812345678", "lao_code": "3401",
           "subdistrict_code": "340101", "village_no": "3", "national_id": "", "nickname": "",
           "entity_id": ""}
    row.update(extra)
    return row


def _counts(session: Session) -> tuple[int, ...]:
    return tuple(session.scalar(select(func.count()).select_from(t)) or 0
                 for t in (Child, ChildAssignment, ChildIdEvent, ReviewPair))


def test_ids_stay_stable_when_new_visits_arrive(engine: Engine) -> None:
    rows, truth = generate(3000, seed=11)
    rng = random.Random(5)
    later = set(rng.sample(range(len(rows)), len(rows) // 10))
    first_rows = [r for i, r in enumerate(rows) if i not in later]
    with Session(engine) as session:
        first = match_warehouse(session, first_rows)
        session.commit()
        before = set(first.child_of.values())
        second = match_warehouse(session, rows)
        session.commit()
        active = set(session.scalars(select(Child.child_id).where(Child.status == "active")))
        kept = len(before & active) / len(before)
        events = list(session.scalars(select(ChildIdEvent)))
        merged_away = {e.child_id for e in events if e.kind == "merge"}
        print(f"\nstability: {len(before)} children, {len(rows) - len(first_rows)} new visits, "
              f"kept {kept:.4%}, merges {second.merges}, splits {second.splits}, moved {second.moved}")
        # Every id that stopped being active is a recorded merge; every observation whose child
        # changed is in a recorded merge or split.
        assert before - active <= merged_away
        changed = {(first.child_of[k], c) for k, c in second.child_of.items()
                   if k in first.child_of and first.child_of[k] != c}
        recorded = {(e.child_id, e.other_id) for e in events} | {(e.other_id, e.child_id) for e in events}
        redirect = {c.child_id: c.redirect_to for c in session.scalars(select(Child))}
        for old, new in changed:
            assert (old, new) in recorded or redirect.get(old) == new
        assert kept >= 0.999
        # Nobody's observations went to a child of another true child because of the rerun.
        assert len(second.child_of) == len(rows)
        assert len(set(truth)) == len(rows)


def test_twins_stay_apart_and_a_rerun_changes_nothing(engine: Engine) -> None:
    rows = [
        _row("s/p/reg/1", "สมชาย", "ใจดี", "2015-03-01"),
        _row("s/p/visit/1", "สมชาย", "ใจดี", "2015-03-01"),
        _row("s/p/reg/2", "สมศักดิ์", "ใจดี", "2015-03-01"),  # the twin: same everything but the name
        _row("s/p/visit/2", "สมศักดิ์", "ใจดี", "2015-03-01"),
    ]
    with Session(engine) as session:
        first = match_warehouse(session, rows)
        session.commit()
        c = first.child_of
        assert c["s/p/reg/1"] == c["s/p/visit/1"] != c["s/p/reg/2"] == c["s/p/visit/2"]
        before = _counts(session)
        again = match_warehouse(session, rows)
        session.commit()
        assert again.child_of == first.child_of
        assert (again.new_children, again.merges, again.splits, again.moved) == (0, 0, 0, 0)
        assert _counts(session) == before


def test_the_entity_chosen_in_collect_outweighs_a_different_spelling(engine: Engine) -> None:
    rows = [_row("s/p/reg/1", "สมชาย", "ใจดี", "2015-03-01", entity_id="e-1"),
            _row("s/p/visit/9", "ต้นกล้า", "มีสุข", "", entity_id="e-1")]
    with Session(engine) as session:
        result = match_warehouse(session, rows)
        assert result.child_of["s/p/reg/1"] == result.child_of["s/p/visit/9"]
        evidence = session.get(ChildAssignment, "s/p/visit/9")
        assert evidence is not None and evidence.evidence == "entity"


def test_an_accepted_pair_merges_and_the_younger_id_redirects(engine: Engine) -> None:
    a = _row("s/p/reg/1", "สมชาย", "ใจดี", "2015-03-01")
    b = _row("s/p/reg/2", "ต้นกล้า", "มีสุข", "2016-07-09", lao_code="5001")
    with Session(engine) as session:
        older = match_warehouse(session, [a]).child_of[a["record_id"]]
        session.commit()
        younger = match_warehouse(session, [a, b]).child_of[b["record_id"]]
        session.commit()
        assert older != younger
        session.add(ReviewPair(pair_key=pair_key(a["record_id"], b["record_id"]),
                               left_key=a["record_id"], right_key=b["record_id"], score=0.6,
                               created_at=first_time(session)))
        decide(session, pair_key(a["record_id"], b["record_id"]), "accepted", by="reviewer")
        session.commit()
        merged = match_warehouse(session, [a, b])
        session.commit()
        assert merged.child_of == {a["record_id"]: older, b["record_id"]: older}
        loser = session.get(Child, younger)
        assert loser is not None and (loser.status, loser.redirect_to) == ("merged", older)
        event = session.scalars(select(ChildIdEvent).where(ChildIdEvent.kind == "merge")).one()
        assert (event.child_id, event.other_id) == (younger, older)
        assert "review" in event.reason


def first_time(session: Session) -> Any:
    return session.scalars(select(Child.minted_at)).first()


def test_review_decisions_survive_a_rerun(engine: Engine) -> None:
    rows, _ = generate(400, seed=3)
    with Session(engine) as session:
        match_warehouse(session, rows)
        session.commit()
        pending = list_pairs(session)
        assert len(pending) >= 2, "the generated visits leave pairs between the thresholds"
        accept, reject = pending[0], pending[1]
        decide(session, accept.pair_key, "accepted", by="ครูสมศรี")
        decide(session, reject.pair_key, "rejected", by="ครูสมศรี")
        session.commit()
        for _ in range(2):  # the decision holds in the run after it and in every later one
            result = match_warehouse(session, rows)
            session.commit()
            assert result.child_of[accept.left_key] == result.child_of[accept.right_key]
            assert result.child_of[reject.left_key] != result.child_of[reject.right_key]
            statuses = Counter(p.status for p in list_pairs(session, status=None))
            assert statuses["accepted"] == statuses["rejected"] == 1
            kept = session.scalars(select(ReviewPair).where(ReviewPair.pair_key == accept.pair_key)).one()
            assert kept.decided_by == "ครูสมศรี" and kept.decided_at is not None


def test_a_rejected_pair_splits_the_child_under_a_new_recorded_id(engine: Engine) -> None:
    a = _row("s/p/reg/1", "สมชาย", "ใจดี", "2015-03-01")
    b = _row("s/p/visit/7", "สมชาย", "ใจดี", "2015-03-01")
    with Session(engine) as session:
        joined = match_warehouse(session, [a, b])
        session.commit()
        child = joined.child_of[a["record_id"]]
        assert joined.child_of[b["record_id"]] == child
        key = pair_key(a["record_id"], b["record_id"])
        session.add(ReviewPair(pair_key=key, left_key=a["record_id"], right_key=b["record_id"], score=0.99,
                               created_at=first_time(session)))
        decide(session, key, "rejected", by="reviewer")
        session.commit()
        apart = match_warehouse(session, [a, b])
        session.commit()
        moved = apart.child_of[b["record_id"]]
        assert apart.child_of[a["record_id"]] == child != moved and apart.splits == 1
        event = session.scalars(select(ChildIdEvent).where(ChildIdEvent.kind == "split")).one()
        assert (event.child_id, event.other_id, event.observations) == (moved, child, 1)
        assert list_pairs(session) == []  # nothing left waiting


def test_a_second_match_while_one_holds_the_lock_stops_without_writing(engine: Engine) -> None:
    from warehouse.locks import SyncInProgress, exclusive

    rows = [_row("a", "สมชาย", "ใจดี", "2014-02-03"), _row("b", "สมหญิง", "ใจดี", "2016-05-06")]
    with Session(engine) as session:
        with exclusive(engine, "observations into children"), pytest.raises(SyncInProgress):
            match_warehouse(session, rows)
        session.rollback()
        assert _counts(session) == (0, 0, 0, 0)
        match_warehouse(session, rows)
        session.commit()
        assert _counts(session)[:2] == (2, 2)
