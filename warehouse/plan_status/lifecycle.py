"""The plan-status lifecycle of DOMAIN.md §6 as data: the codes, their Thai labels, the allowed
transitions, and what kind of step each transition is (revision, re-plan, reopen, re-found…).

Pure: no database, no clock. The engine asks `allowed(frm, to)` and `kind_of(frm, to)`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Status:
    code: int
    slug: str
    thai: str
    closed: bool


STATUSES: dict[int, Status] = {s.code: s for s in (
    Status(10, "IDENTIFIED", "ค้นพบ/ลงทะเบียน", False),
    Status(20, "SCREENED", "คัดกรอง/เยี่ยมบ้านแล้ว", False),
    Status(25, "NOT_ELIGIBLE", "ไม่เข้าเกณฑ์", True),
    Status(30, "PLAN_DRAFTED", "จัดทำแผน (ร่าง)", False),
    Status(40, "PLAN_AGREED", "แผนได้รับความเห็นชอบ", False),
    Status(50, "IN_PROGRESS", "ดำเนินการตามแผน", False),
    Status(55, "ON_HOLD", "พักแผนชั่วคราว", False),
    Status(60, "MONITORING", "ติดตามผลหลังบรรลุเป้าหมาย", False),
    Status(70, "ACHIEVED", "บรรลุเป้าหมาย (ปิด)", True),
    Status(80, "REFERRED_CLOSED", "ส่งต่อหน่วยงานอื่น (ปิด)", True),
    Status(90, "CLOSED_UNRESOLVED", "ปิดกรณี-ไม่บรรลุ", True),
    Status(99, "CONSENT_WITHDRAWN", "ถอนความยินยอม", True),
)}

START = 10  # the only status a case can begin with (Form A)
CONSENT_WITHDRAWN = 99

# DOMAIN.md §6, verbatim: from → the statuses it may become.
ALLOWED: dict[int, frozenset[int]] = {
    10: frozenset({20, 25, 90, 99}),
    20: frozenset({30, 90, 99}),
    30: frozenset({40, 30, 90, 99}),
    40: frozenset({50, 30, 55, 90, 99}),
    50: frozenset({50, 55, 60, 30, 80, 90, 99}),
    55: frozenset({50, 90, 99}),
    60: frozenset({70, 50, 90, 99}),
    70: frozenset({50}),
    80: frozenset({10}),
    90: frozenset({10}),
    25: frozenset({10}),
    99: frozenset(),
}
# One addition to §6: consent can be withdrawn whatever the case's state, also after it closed
# (PDPA s.19: withdrawal is a right, never refused). 99 itself is final: nothing follows it.
WITHDRAWAL_FROM_ANY: frozenset[int] = frozenset(code for code in STATUSES if code != CONSENT_WITHDRAWN)


def label(code: int | None) -> str:
    """`40 แผนได้รับความเห็นชอบ`, or the bare code when it is not a known status."""
    if code is None:
        return "ไม่มีสถานะ"
    known = STATUSES.get(code)
    return f"{code} {known.thai}" if known else str(code)


def is_known(code: int) -> bool:
    return code in STATUSES


def is_closed(code: int | None) -> bool:
    """Closed: 25, and 70 and above (the report's rule)."""
    return code is not None and code in STATUSES and STATUSES[code].closed


def allowed(frm: int | None, to: int) -> bool:
    """Whether `frm → to` is allowed; a case with no status yet may only start at 10."""
    if to not in STATUSES:
        return False
    if frm is None:
        return to == START
    if to == CONSENT_WITHDRAWN:
        return frm in WITHDRAWAL_FROM_ANY
    return to in ALLOWED.get(frm, frozenset())


def allowed_from(frm: int | None) -> list[int]:
    """Every status `frm` may become, in code order."""
    return sorted(to for to in STATUSES if allowed(frm, to))


def kind_of(frm: int | None, to: int) -> str:
    """What an allowed step means for the case: start, revise (30→30, 40→30), replan (50→30),
    relapse (60→50), reopen (70→50: a new plan version), refound (25/80/90→10: a new episode),
    withdrawn (→99), close (→ another closed status), or forward."""
    if frm is None:
        return "start"
    if to == CONSENT_WITHDRAWN:
        return "withdrawn"
    special = {(30, 30): "revise", (40, 30): "revise", (50, 30): "replan", (60, 50): "relapse",
               (70, 50): "reopen", (25, 10): "refound", (80, 10): "refound", (90, 10): "refound"}
    if (frm, to) in special:
        return special[(frm, to)]
    if frm == to:
        return "continue"
    return "close" if is_closed(to) else "forward"


def new_plan_version(kind: str, to: int) -> bool:
    """A step that starts a new plan version: every new draft (first plan, revise, re-plan) and a reopen."""
    return to == 30 or kind == "reopen"


def new_episode(kind: str) -> bool:
    """A closed case found again starts a new episode (its plans count from 0 again)."""
    return kind == "refound"
