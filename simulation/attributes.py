"""Attribute pickers for synthetic children: IDs, prefixes, addresses, phones, schooling."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import date
from typing import Any

from simulation import thai
from warehouse.identifiers import th_id_check_digit


def weighted(rng: random.Random, options: Mapping[str, float]) -> str:
    return rng.choices(list(options), weights=list(options.values()))[0]


def identifier(rng: random.Random, district: str) -> dict[str, Any]:
    scheme = weighted(rng, {"TH_PID": 0.85, "NONTHAI_PID": 0.05, "GCODE": 0.04,
                             "NONE": 0.04, "UNKNOWN": 0.02})
    if scheme == "GCODE":
        return {"id_scheme": scheme, "g_code": "G" + "".join(rng.choices("0123456789", k=12)),
                "nationality_status": weighted(rng, {"MM": 4, "KH": 2, "LA": 1, "STATELESS": 2})}
    if scheme in ("NONE", "UNKNOWN"):
        status = {"STATELESS": 2, "PENDING": 2, "MM": 1} if scheme == "NONE" else {"TH": 3, "PENDING": 1}
        return {"id_scheme": scheme, "nationality_status": weighted(rng, status)}
    tail = "".join(rng.choices("0123456789", k=5))
    if scheme == "NONTHAI_PID":
        first = weighted(rng, {"0": 0.7, "7": 0.2, "6": 0.1})
        # Stateless people surveyed under the 2005 Cabinet resolution carry 89 in digits 6–7.
        body = first + district + ("89" if first == "0" else rng.choice(["00", "50", "55"])) + tail
        status = {"STATELESS": 3, "PENDING": 2, "MM": 2} if first == "0" else {"MM": 3, "LA": 1, "KH": 1}
    else:
        first = weighted(rng, {"1": 0.93, "2": 0.05, "5": 0.02})
        body = first + district + "".join(rng.choices("0123456789", k=2)) + tail
        status = {"TH": 1}
    national_id = body + str(th_id_check_digit(body))
    flaw = None
    if first == "0" and rng.random() < 0.2:
        # 0-series cards with a failing check digit are accepted after confirmation (§2.1).
        national_id = body + str((th_id_check_digit(body) + rng.randint(1, 9)) % 10)
        flaw = "check_digit_0_series"
    elif first != "0" and rng.random() < 0.03:
        # A mistyped 3rd digit slips past the check digit (weight 11 ≡ 0 mod 11).
        wrong = rng.choice([d for d in "0123456789" if d != national_id[2]])
        national_id = national_id[:2] + wrong + national_id[3:]
        flaw = "digit3_mistyped"
    return {"id_scheme": scheme, "national_id": national_id, "id_flaw": flaw,
            "nationality_status": weighted(rng, status)}


def prefix_for(rng: random.Random, sex: str, age: int) -> str:
    if sex == "X":
        return "OTHER"
    if age < 15:
        return "MSTR" if sex == "M" else "MISS_C"
    if sex == "M":
        return "MR"
    return "MRS" if age >= 17 and rng.random() < 0.05 else "MS"


def house_no(rng: random.Random) -> str:
    # Slash numbers (บ้านเลขที่ 9/9) are common and must stay text all the way through.
    if rng.random() < 0.4:
        return f"{rng.randint(1, 199)}/{rng.randint(1, 30)}"
    return str(rng.randint(1, 350))


def phone(rng: random.Random) -> str:
    return rng.choice(["08", "09", "06"]) + "".join(rng.choices("0123456789", k=8))


def geopoint(rng: random.Random) -> str:
    lat = rng.uniform(*thai.REGION_LAT)
    lon = rng.uniform(*thai.REGION_LON)
    return f"{lat:.6f} {lon:.6f} {rng.uniform(0, 40):.1f} {rng.uniform(3, 18):.1f}"


def lives_with(rng: random.Random, guardian_rel: str) -> str:
    return {
        "GRANDPARENT": "GRANDPARENTS", "RELATIVE": "RELATIVES", "SIBLING": "RELATIVES",
        "SELF": "ALONE", "FOSTER": "OTHER", "OTHER": "OTHER", "LEGAL_GUARDIAN": "RELATIVES",
    }.get(guardian_rel) or weighted(rng, {"BOTH_PARENTS": 0.45, "ONE_PARENT": 0.55})


_LEVELS = ["KG", "P1", "P2", "P3", "P4", "P5", "P6", "M1", "M2", "M3", "M4", "M5", "M6"]
_REASONS = {"POVERTY": 47, "FAMILY": 16, "PUSHED_OUT": 12, "NO_WELFARE": 9, "HEALTH": 6,
            "JUSTICE": 5, "WORK": 8, "TRAVEL": 4, "MIGRATION": 5, "NO_DOCS": 3, "OTHER": 2}


def education(rng: random.Random, ever: bool, age: int, today: date) -> dict[str, Any]:
    reasons = tuple(sorted(set(rng.choices(list(_REASONS), weights=list(_REASONS.values()),
                                           k=rng.randint(1, 3)))))
    if not ever:
        return {"ever_enrolled": False, "oos_category": "NEVER", "leave_reasons": reasons}
    category = weighted(rng, {"DROPOUT": 0.55, "NOTCONT": 0.15, "ATRISK": 0.2, "NEET": 0.1})
    if category == "NEET" and age < 15:
        category = "DROPOUT"
    reached = max(0, min(len(_LEVELS) - 1, age - 5 - rng.randint(0, 3)))
    be_year = today.year + 543
    left = None if category == "ATRISK" else max(2540, be_year - rng.randint(0, min(4, reached)))
    return {
        "ever_enrolled": True, "oos_category": category,
        "highest_level": _LEVELS[rng.randint(0, reached)] if rng.random() < 0.1 else _LEVELS[reached],
        "last_school": "โรงเรียน" + rng.choice(thai.SCHOOL_WORDS) if rng.random() < 0.8 else None,
        "year_left_be": left, "leave_reasons": reasons,
    }
