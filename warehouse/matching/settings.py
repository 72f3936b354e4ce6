"""The matcher's settings on one screen: comparisons, blocking rules, strong rules and thresholds.

The trained m and u probabilities live beside this file in model.json (rebuild it with
`python -m warehouse.matching.train`); everything a reviewer needs to judge a link is here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from warehouse.matching import comparisons as c
from warehouse.matching.prepare import Prepared


@dataclass(frozen=True)
class Comparison:
    name: str
    levels: dict[int, str]  # level → meaning; MISSING (-1) is never listed and weighs nothing
    compare: Callable[[Prepared, Prepared], int]
    columns: tuple[str, ...]  # the record's columns it reads (a training rule on them leaves its m alone)
    tf_column: str | None = None  # term-frequency adjusted on the levels in tf_levels
    tf_levels: tuple[int, ...] = ()


_GIVEN = ("first_fold", "first_lk82", "first_udom83", "nick_fold")
_SURNAME = ("last_fold", "last_lk82", "last_udom83")
COMPARISONS: tuple[Comparison, ...] = (
    Comparison("given_name", c.GIVEN_LEVELS,
               lambda a, b: c.compare_given(a.first, a.nickname, b.first, b.nickname, a.last, b.last), _GIVEN,
               tf_column="first_fold", tf_levels=(c.GIVEN_EXACT, c.GIVEN_FOLDED)),
    Comparison("nickname", c.NICK_LEVELS, lambda a, b: c.compare_nickname(a.nickname, b.nickname),
               ("nick_fold",)),
    Comparison("surname", c.SURNAME_LEVELS,
               lambda a, b: c.compare_surname(a.last, b.last, a.first, b.first), _SURNAME,
               tf_column="last_fold", tf_levels=(4, 3)),
    Comparison("birth_date", c.BIRTH_LEVELS, lambda a, b: c.compare_birth(a.birth, b.birth),
               ("birth", "birth_year")),
    Comparison("person_id", c.ID_LEVELS, lambda a, b: c.compare_id(a.id_digits, b.id_digits), ("id_digits",)),
    Comparison("sex", {1: "same", 0: "different"}, lambda a, b: c.compare_sex(a.sex, b.sex), ("sex",)),
    Comparison("guardian", c.GUARDIAN_LEVELS,
               lambda a, b: c.compare_guardian(a.guardian_fold, b.guardian_fold), ("guardian_fold",)),
    Comparison("phone", {2: "same", 1: "one digit wrong or two swapped", 0: "different"},
               lambda a, b: c.compare_phone(a.phone, b.phone), ("phone",)),
    Comparison("lao", {1: "same", 0: "different"}, lambda a, b: c.compare_code(a.lao, b.lao), ("lao",)),
    Comparison("subdistrict", {1: "same", 0: "different"},
               lambda a, b: c.compare_code(a.subdistrict, b.subdistrict), ("subdistrict",)),
    Comparison("village", {1: "same", 0: "different"},
               lambda a, b: c.compare_village(a.subdistrict, a.village, b.subdistrict, b.village),
               ("village", "subdistrict")),
)

# Candidate pairs: records agreeing on all columns of at least one rule ("birth_year" is derived).
BLOCKING_RULES: tuple[tuple[str, ...], ...] = (
    ("id_digits",),
    ("first_fold", "last_fold"),
    ("first_lk82", "birth_year", "lao"),
    ("first_lk82", "last_lk82"),
    ("first_udom83", "last_udom83"),
    ("last_fold", "birth"),
    ("first_fold", "birth"),
    ("nick_fold", "last_lk82"),
    ("phone", "first_lk82"),
    ("guardian_fold", "birth_year"),
)
MAX_BLOCK = 2000  # a key shared by more records than this (e.g. a placeholder) makes no pairs

# Strong evidence, before any weighing:
#   same record_id, or the same valid 13-digit ID / valid G-code             → linked
#   valid IDs of the same kind, more than one digit (or swap) apart           → never linked
#     (one digit apart is weighed: a change of the 3rd digit passes the check digit, DOMAIN §2.1;
#     G-codes have no check digit, so up to three digits apart are weighed too)
#   given names at or below GIVEN_VETO_LEVEL, unless the IDs are (nearly) the same → never linked
#     (twins and siblings: same surname, guardian, phone, village, even birth date)
#   no given name to compare (or a nickname typed in its place) and different nicknames → never linked;
#     and with no agreeing nickname, at most "review"
GIVEN_VETO_LEVEL = c.GIVEN_CLOSE

# Posterior match probability: links at or above UPPER, review between LOWER and UPPER.
UPPER = 0.95
LOWER = 0.50
PRIOR_SHIFT = 0.0  # bits added to the prior (log2 odds that two random records are one child)

# Inputs with at least PARALLEL_FROM rows (or pairs) are prepared and compared on WORKERS processes.
WORKERS = 2
PARALLEL_FROM = 50_000

# Training (EM without labels): random pairs sampled for u; one EM session for m per training rule.
TRAINING_RULES: tuple[tuple[str, ...], ...] = (("first_fold", "last_fold"), ("birth",), ("id_digits",))
U_SAMPLE_PAIRS = 200_000
EM_ITERATIONS = 40
SEED = 6
