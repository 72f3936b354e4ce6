"""The plan-status lifecycle of DOMAIN.md §6: codes, allowed transitions, and a seeded walk over them."""

from __future__ import annotations

import random
from collections.abc import Mapping

from warehouse.plan_status.lifecycle import ALLOWED as PLAN_ALLOWED

IDENTIFIED = 10
SCREENED = 20
NOT_ELIGIBLE = 25
PLAN_DRAFTED = 30
PLAN_AGREED = 40
IN_PROGRESS = 50
ON_HOLD = 55
MONITORING = 60
ACHIEVED = 70
REFERRED_CLOSED = 80
CLOSED_UNRESOLVED = 90
CONSENT_WITHDRAWN = 99

SLUGS: Mapping[int, str] = {
    10: "IDENTIFIED", 20: "SCREENED", 25: "NOT_ELIGIBLE", 30: "PLAN_DRAFTED", 40: "PLAN_AGREED",
    50: "IN_PROGRESS", 55: "ON_HOLD", 60: "MONITORING", 70: "ACHIEVED", 80: "REFERRED_CLOSED",
    90: "CLOSED_UNRESOLVED", 99: "CONSENT_WITHDRAWN",
}

# §6's allowed transitions, from the status engine that applies them (one table, not two): 30→30 is a
# revision, 50→50 a follow-up that changes nothing, 70→50 a reopening, 80/90→10 a child found again
# (a new case episode), 25→10 a screened-out child found again.
ALLOWED: Mapping[int, frozenset[int]] = PLAN_ALLOWED

# What a follow-up proposes next, by the current status. The weights are the simulation's guess at
# a first programme round: most agreed plans start, a few stall, a handful close early.
FOLLOWUP_WEIGHTS: Mapping[int, Mapping[int, float]] = {
    40: {50: 0.82, 55: 0.05, 30: 0.05, 90: 0.05, 99: 0.03},
    50: {50: 0.60, 55: 0.07, 60: 0.15, 30: 0.06, 80: 0.04, 90: 0.06, 99: 0.02},
    55: {50: 0.70, 90: 0.26, 99: 0.04},
    60: {70: 0.75, 50: 0.15, 90: 0.08, 99: 0.02},
}

# Close reasons (DOMAIN §4.5 close_reason) that go with each closing status.
CLOSE_REASONS: Mapping[int, Mapping[str, float]] = {
    70: {"GOAL_MET": 1.0},
    80: {"REFERRED": 1.0},
    90: {"MOVED": 0.35, "LOST": 0.3, "REFUSED": 0.2, "AGED_OUT": 0.1, "DECEASED": 0.05},
    99: {"CONSENT_WITHDRAWN": 1.0},
}


def is_allowed(before: int, after: int) -> bool:
    """Whether §6 allows the move from `before` to `after`."""
    return after in ALLOWED.get(before, frozenset())


def is_closed(status: int) -> bool:
    """Codes are ordered so that 70 and above means closed (§6)."""
    return status >= ACHIEVED


def next_followup_status(rng: random.Random, current: int) -> int:
    """The status a follow-up proposes from `current`; always a move §6 allows."""
    weights = FOLLOWUP_WEIGHTS[current]
    proposed = rng.choices(list(weights), weights=list(weights.values()))[0]
    assert is_allowed(current, proposed), (current, proposed)
    return proposed


def close_reason(rng: random.Random, status: int) -> str | None:
    """The close reason recorded with a closing status, else None."""
    reasons = CLOSE_REASONS.get(status)
    if not reasons:
        return None
    return rng.choices(list(reasons), weights=list(reasons.values()))[0]
