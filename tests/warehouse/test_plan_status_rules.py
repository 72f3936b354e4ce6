"""The plan-status lifecycle and the pure engine: every allowed transition applies, every other one is
refused as an exception in Thai, follow-up due dates, plan versions, episodes, consent withdrawal."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from warehouse.plan_status import lifecycle
from warehouse.plan_status.engine import Event, compute_child

DAY0 = date(2026, 6, 1)
AS_OF = date(2026, 12, 31)
# A path of statuses that reaches each status through allowed steps.
PATH = {
    10: [10], 20: [10, 20], 25: [10, 25], 30: [10, 20, 30], 40: [10, 20, 30, 40],
    50: [10, 20, 30, 40, 50], 55: [10, 20, 30, 40, 50, 55], 60: [10, 20, 30, 40, 50, 60],
    70: [10, 20, 30, 40, 50, 60, 70], 80: [10, 20, 30, 40, 50, 80], 90: [10, 90], 99: [10, 99],
}
ALLOWED_PAIRS = sorted({(f, t) for f, tos in lifecycle.ALLOWED.items() for t in tos}
                       | {(f, 99) for f in lifecycle.WITHDRAWAL_FROM_ANY})
REFUSED_PAIRS = sorted((f, t) for f in lifecycle.STATUSES for t in lifecycle.STATUSES
                       if (f, t) not in ALLOWED_PAIRS and f != t)


def _event(n: int, status: int, kind: str = "followup", **extra: object) -> Event:
    return Event(source_key=f"central/1/form/{kind}-{n:03d}", kind=kind, event_date=DAY0 + timedelta(days=n),
                 proposed=status, **extra)  # type: ignore[arg-type]


def _walk(statuses: list[int], kind: str = "followup") -> list[Event]:
    return [_event(n, s, "registration" if n == 0 else kind) for n, s in enumerate(statuses)]


def test_the_transitions_are_those_of_the_domain_document() -> None:
    assert lifecycle.ALLOWED[50] == {50, 55, 60, 30, 80, 90, 99}
    assert lifecycle.ALLOWED[70] == {50} and lifecycle.ALLOWED[25] == {10}
    assert all(lifecycle.is_closed(c) for c in (25, 70, 80, 90, 99))
    assert not any(lifecycle.is_closed(c) for c in (10, 20, 30, 40, 50, 55, 60))
    assert len(ALLOWED_PAIRS) == 34 + 4  # §6's 34, and withdrawal from the four closed statuses


@pytest.mark.parametrize(("frm", "to"), ALLOWED_PAIRS)
def test_every_allowed_transition_is_applied(frm: int, to: int) -> None:
    events = _walk(PATH[frm] + [to])
    result = compute_child("C1", events, AS_OF)
    assert result.exceptions == []
    assert result.current["status"] == to
    steps = [(h["from_status"], h["to_status"]) for h in result.history]
    if frm == to and to != 30:  # 50→50: the plan goes on; nothing new in the history
        assert steps[-1] == (PATH[frm][-2], frm)
    else:
        assert steps[-1] == (frm, to)
        assert result.current["since"] == events[-1].event_date


@pytest.mark.parametrize(("frm", "to"), REFUSED_PAIRS)
def test_every_other_transition_is_refused_as_an_exception(frm: int, to: int) -> None:
    events = _walk(PATH[frm] + [to])
    result = compute_child("C1", events, AS_OF)
    assert result.current["status"] == frm  # the case stays where it was
    assert [h["to_status"] for h in result.history] == PATH[frm]
    (refused,) = result.exceptions
    assert refused["proposed_status"] == to and refused["from_status"] == frm
    assert refused["reason"] == ("after_withdrawal" if frm == 99 else "not_allowed")
    assert refused["source_key"] == events[-1].source_key
    if frm != 99:
        assert f"จาก {lifecycle.label(frm)} เป็น {lifecycle.label(to)}" in refused["message"]
        assert "ไม่เป็นไปตามขั้นตอน" in refused["message"]


def test_a_refused_proposal_has_a_thai_reason_and_later_allowed_ones_still_apply() -> None:
    events = [_event(0, 10, "registration"), _event(1, 50), _event(2, 20, "screening"), _event(3, 99)]
    result = compute_child("C1", events, AS_OF)
    (refused,) = result.exceptions
    assert refused["message"].startswith("แบบติดตาม (followup-001) วันที่ 2/6/2569 เสนอเปลี่ยนสถานะแผนจาก "
                                         "10 ค้นพบ/ลงทะเบียน เป็น 50 ดำเนินการตามแผน")
    assert "20 คัดกรอง/เยี่ยมบ้านแล้ว" in refused["message"]  # what it could have become
    assert [h["to_status"] for h in result.history] == [10, 20, 99]
    assert result.current["exceptions"] == 1 and result.current["events"] == 4


def test_a_case_must_start_with_registration_and_codes_and_dates_are_checked() -> None:
    undated = Event(source_key="central/1/home_visit/x", kind="screening", event_date=None, proposed=20)
    events = [_event(0, 20, "screening"), _event(1, 10, "registration"), _event(2, 15), undated]
    result = compute_child("C1", events, AS_OF)
    assert [x["reason"] for x in result.exceptions] == ["not_registered", "unknown_code", "no_date"]
    assert "ยังไม่มีแบบลงทะเบียน" in result.exceptions[0]["message"]
    assert "ไม่มีวันที่" in result.exceptions[2]["message"]
    assert result.current["status"] == 10


def test_events_of_one_day_apply_in_form_order_whatever_the_input_order() -> None:
    same_day = [Event(source_key=f"k/{kind}", kind=kind, event_date=DAY0, proposed=code)
                for kind, code in (("followup", 50), ("plan", 40), ("screening", 20), ("registration", 10))]
    first = compute_child("C1", same_day, AS_OF)
    assert [h["to_status"] for h in first.history] == [10, 20, 30, 40, 50]
    for seed in range(5):
        shuffled = same_day[:]
        random.Random(seed).shuffle(shuffled)
        assert compute_child("C1", shuffled, AS_OF) == first


def test_follow_up_due_dates_and_overdue() -> None:
    base = [_event(0, 10, "registration"), _event(1, 20, "screening"), _event(2, 40, "plan")]
    set_date = compute_child("C1", [*base, _event(10, 50, next_fu_date=date(2026, 7, 1))], date(2026, 7, 1))
    assert set_date.current["next_followup_due"] == date(2026, 7, 1)
    assert set_date.current["overdue"] is False  # due that very day: not yet overdue
    assert compute_child("C1", [*base, _event(10, 50, next_fu_date=date(2026, 7, 1))],
                         date(2026, 7, 2)).current["overdue"] is True
    # No appointment set: the last follow-up + 30 days; the last follow-up decides, not an earlier one.
    later = [*base, _event(10, 50, next_fu_date=date(2026, 12, 1)), _event(20, 50, outcome_status="IN_NFE")]
    result = compute_child("C1", later, date(2026, 7, 20))
    assert result.current["last_followup_on"] == DAY0 + timedelta(days=20)
    assert result.current["next_followup_due"] == DAY0 + timedelta(days=50)
    assert result.current["outcome_status"] == "IN_NFE"
    assert result.current["followups"] == 3  # the home visit and two follow-ups
    assert result.current["overdue"] is False
    assert compute_child("C1", later, DAY0 + timedelta(days=51)).current["overdue"] is True
    # No follow-up yet: nothing is due; a closed case: nothing is due.
    assert compute_child("C1", base, AS_OF).current["next_followup_due"] is None
    closed = compute_child("C1", [*later, _event(30, 90, close_reason="MOVED")], AS_OF)
    assert closed.current["closed"] is True and closed.current["next_followup_due"] is None
    assert closed.current["overdue"] is False


def test_plan_versions_revision_replan_and_reopen() -> None:
    events = [_event(0, 10, "registration"), _event(1, 20, "screening"), _event(2, 30, "plan", plan_id="P1"),
              _event(3, 30, "plan", plan_id="P2"), _event(4, 40, "supervision"), _event(5, 50),
              _event(6, 30, "plan", plan_id="P3"), _event(7, 40, "supervision"), _event(8, 50),
              _event(9, 60), _event(10, 50), _event(11, 60), _event(12, 70), _event(13, 50)]
    result = compute_child("C1", events, AS_OF)
    assert result.exceptions == []
    steps = [(h["to_status"], h["kind"], h["plan_version"], h["plan_id"]) for h in result.history]
    assert steps == [
        (10, "start", 0, None), (20, "forward", 0, None), (30, "forward", 1, "P1"),
        (30, "revise", 2, "P2"), (40, "forward", 2, "P2"), (50, "forward", 2, "P2"),
        (30, "replan", 3, "P3"), (40, "forward", 3, "P3"), (50, "forward", 3, "P3"),
        (60, "forward", 3, "P3"), (50, "relapse", 3, "P3"), (60, "forward", 3, "P3"),
        (70, "close", 3, "P3"), (50, "reopen", 4, "P3"),
    ]
    assert result.current["plan_version"] == 4 and result.current["status"] == 50


def test_a_plan_saved_as_agreed_is_a_draft_and_its_agreement() -> None:
    events = [_event(0, 10, "registration"), _event(1, 20, "screening"), _event(2, 40, "plan", plan_id="P1"),
              _event(3, 50), _event(4, 40, "plan", plan_id="P2")]
    result = compute_child("C1", events, AS_OF)
    assert result.exceptions == []
    assert [(h["to_status"], h["kind"], h["plan_version"]) for h in result.history] == [
        (10, "start", 0), (20, "forward", 0), (30, "forward", 1), (40, "forward", 1), (50, "forward", 1),
        (30, "replan", 2), (40, "forward", 2)]
    # A follow-up cannot do the same: 20 → 40 is refused.
    refused = compute_child("C1", _walk([10, 20, 40]), AS_OF)
    assert refused.exceptions[0]["reason"] == "not_allowed"


def test_a_closed_case_found_again_starts_a_new_episode() -> None:
    events = _walk([10, 20, 30, 40, 50, 80, 10, 20])
    result = compute_child("C1", events, AS_OF)
    assert [(h["to_status"], h["episode"], h["plan_version"]) for h in result.history][-3:] == [
        (80, 1, 1), (10, 2, 0), (20, 2, 0)]
    assert result.current["episode"] == 2 and result.current["plan_version"] == 0


def test_consent_withdrawn_closes_the_case_for_good() -> None:
    events = [*_walk([10, 20, 30, 40, 50]), _event(10, 99, close_reason="REFUSED"), _event(11, 50),
              _event(12, 99)]
    result = compute_child("C1", events, AS_OF)
    assert result.current["status"] == 99 and result.current["closed"] is True
    assert result.current["since"] == DAY0 + timedelta(days=10)
    assert result.history[-1]["kind"] == "withdrawn"
    assert result.current["next_followup_due"] is None and result.current["overdue"] is False
    (after,) = result.exceptions  # the later 50 is refused; a repeated 99 is nothing new
    assert after["reason"] == "after_withdrawal"
    assert "ถอนความยินยอมแล้ว (สถานะ 99) เมื่อ 11/6/2569" in after["message"]
    # Withdrawal is never refused, also after the case closed.
    assert compute_child("C1", _walk(PATH[70] + [99]), AS_OF).current["status"] == 99


def _visit(n: int, result: str, proposed: int) -> Event:
    return _event(n, proposed, "screening", visit_result=result,
                  close_reason="LOST" if result == "NOT_FOUND" else None)


@pytest.mark.parametrize(("visits", "expected"), [
    (["NOT_FOUND"], 10),
    (["NOT_FOUND", "NOT_FOUND"], 10),
    (["NOT_FOUND", "NOT_FOUND", "NOT_FOUND"], 90),  # not found at the third visit: closed, LOST
    (["NOT_FOUND", "NOT_FOUND", "FOUND", "NOT_FOUND"], 20),  # found in between: the count starts again
    (["MOVED"], 90), (["REFUSED"], 90), (["DECEASED"], 90),  # closed at once
])
def test_home_visits_that_miss_the_child_close_the_case_at_the_third_miss_in_a_row(
        visits: list[str], expected: int) -> None:
    events = [_event(0, 10, "registration")] + [
        _visit(n, result, 20 if result == "FOUND" else 90) for n, result in enumerate(visits, start=1)]
    result = compute_child("C1", events, AS_OF)
    assert result.exceptions == [] and result.current["status"] == expected
    if expected == 90:
        assert result.history[-1]["source_key"] == events[-1].source_key  # the closing visit, its date
        assert result.current["since"] == events[-1].event_date


def test_misses_spread_over_two_episodes_do_not_add_up() -> None:
    events = [_event(0, 10, "registration"), _visit(1, "NOT_FOUND", 90), _visit(2, "NOT_FOUND", 90),
              _visit(3, "NOT_FOUND", 90), _event(4, 10, "registration"), _visit(5, "NOT_FOUND", 90)]
    result = compute_child("C1", events, AS_OF)
    assert result.current["status"] == 10 and result.current["episode"] == 2 and result.exceptions == []
