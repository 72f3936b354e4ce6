"""Comparisons: each a small pure function of two values giving an agreement level.

Higher levels are stronger agreement; `MISSING` (-1) means a side is empty and the pair's
weight ignores the comparison. Names are compared as cleaned by warehouse.cleaning and then
folded (confusable letters merged, marks dropped) — see warehouse.matching.text.
"""

from __future__ import annotations

from datetime import date
from functools import cache, lru_cache

from warehouse.matching.nicknames import NICKNAMES
from warehouse.matching.text import fold, jaro_winkler, levenshtein, phonetic

MISSING = -1


@cache
def known_given_names() -> frozenset[str]:
    """Folded given names of pythainlp's corpora: two different ones are two names, not a typo."""
    from pythainlp.corpus import thai_female_names, thai_male_names

    return frozenset(fold(n) for n in (*thai_male_names(), *thai_female_names()) if n)


# Given name ------------------------------------------------------------------------------------
GIVEN_EXACT, GIVEN_FOLDED, GIVEN_NICKNAME, GIVEN_TYPO, GIVEN_CLOSE, GIVEN_WEAK, GIVEN_DIFFERENT = (
    6, 5, 4, 3, 2, 1, 0)
GIVEN_LEVELS = {6: "exact", 5: "same when folded (ศ/ษ/ส, ท/ธ, ณ/น…)", 4: "other's nickname, or names swapped",
                3: "one edit or same lk82 and udom83", 2: "Jaro-Winkler ≥ 0.90", 1: "Jaro-Winkler ≥ 0.80",
                0: "different"}


@lru_cache(maxsize=524288)
def compare_given(first_l: str, nick_l: str, first_r: str, nick_r: str,
                  last_l: str = "", last_r: str = "") -> int:
    """Given names, with a nickname typed as the given name, or given and family names swapped.

    Two names that are both known, different names (กิตติพัฒน์ / กิตติพงษ์) are "different" even
    when close: twins and siblings are named alike, while a typo rarely makes another real name.
    """
    if not first_l or not first_r:
        return MISSING
    if first_l == first_r:
        return GIVEN_EXACT
    a, b = fold(first_l), fold(first_r)
    if a == b:
        return GIVEN_FOLDED
    if (nick_r and a == fold(nick_r)) or (nick_l and b == fold(nick_l)) \
            or swapped(first_l, last_l, first_r, last_r):
        return GIVEN_NICKNAME
    known = known_given_names()
    if _nickname_typed(first_l, nick_l, a, known) or _nickname_typed(first_r, nick_r, b, known):
        return MISSING  # a nickname in the given-name field says nothing about the given name
    both_real = a in known and b in known
    if not both_real and (
        (levenshtein(a, b) <= 1 and min(len(a), len(b)) >= 3) or phonetic(first_l) == phonetic(first_r)
    ):
        return GIVEN_TYPO
    similarity = jaro_winkler(a, b)
    if both_real:
        return GIVEN_WEAK if similarity >= 0.80 else GIVEN_DIFFERENT
    if similarity >= 0.90:
        return GIVEN_CLOSE
    if similarity >= 0.80:
        return GIVEN_WEAK
    return GIVEN_DIFFERENT


def _nickname_typed(first: str, nick: str, folded: str, known: frozenset[str]) -> bool:
    if nick and folded == fold(nick):
        return True
    return first in NICKNAMES and folded not in known


# Nickname --------------------------------------------------------------------------------------
NICK_LEVELS = {2: "same", 1: "one edit", 0: "different"}


@lru_cache(maxsize=262144)
def compare_nickname(nick_l: str, nick_r: str) -> int:
    if not nick_l or not nick_r:
        return MISSING
    a, b = fold(nick_l), fold(nick_r)
    if a == b:
        return 2
    if levenshtein(a, b) <= 1 and min(len(a), len(b)) >= 3:
        return 1
    return 0


# Family name -----------------------------------------------------------------------------------
SURNAME_LEVELS = {4: "exact", 3: "same when folded", 2: "one edit or same sound codes",
                  1: "Jaro-Winkler ≥ 0.85", 0: "different"}


def swapped(first_l: str, last_l: str, first_r: str, last_r: str) -> bool:
    """Given and family name typed in each other's fields."""
    return bool(first_l and last_l and first_r and last_r) and fold(first_l) == fold(last_r) \
        and fold(last_l) == fold(first_r)


@lru_cache(maxsize=524288)
def compare_surname(last_l: str, last_r: str, first_l: str = "", first_r: str = "") -> int:
    if not last_l or not last_r:
        return MISSING
    if last_l == last_r:
        return 4
    a, b = fold(last_l), fold(last_r)
    if a == b or swapped(first_l, last_l, first_r, last_r):
        return 3
    if (levenshtein(a, b) <= 1 and min(len(a), len(b)) >= 3) or phonetic(last_l) == phonetic(last_r):
        return 2
    if jaro_winkler(a, b) >= 0.85:
        return 1
    return 0


# Birth date ------------------------------------------------------------------------------------
BIRTH_LEVELS = {5: "same day", 4: "day and month swapped", 3: "two of day, month, year the same",
                2: "within a year", 1: "within three years", 0: "further apart"}


def compare_birth(left: date | None, right: date | None) -> int:
    """Birth dates already read as Gregorian (a Buddhist-Era year converted by clean_date)."""
    if left is None or right is None:
        return MISSING
    if left == right:
        return 5
    if left.year == right.year and left.day == right.month and left.month == right.day:
        return 4
    same = (left.year == right.year) + (left.month == right.month) + (left.day == right.day)
    if same >= 2 or (same == 1 and abs(left.year - right.year) == 543):
        return 3
    days = abs((left - right).days)
    if days <= 366:
        return 2
    if days <= 3 * 366:
        return 1
    return 0


# Personal ID or G-code -------------------------------------------------------------------------
ID_LEVELS = {3: "same", 2: "one digit wrong or two swapped", 1: "two or three digits wrong", 0: "different"}


@lru_cache(maxsize=262144)
def compare_id(id_l: str, id_r: str) -> int:
    """IDs as normalised digits (G-codes keep their G)."""
    if not id_l or not id_r:
        return MISSING
    if id_l == id_r:
        return 3
    if len(id_l) == len(id_r):
        diffs = [i for i, (x, y) in enumerate(zip(id_l, id_r, strict=True)) if x != y]
        if len(diffs) == 1:
            return 2
        if len(diffs) == 2 and diffs[1] == diffs[0] + 1 and id_l[diffs[0]] == id_r[diffs[1]] \
                and id_l[diffs[1]] == id_r[diffs[0]]:
            return 2
        if len(diffs) <= 3:
            return 1
    elif abs(len(id_l) - len(id_r)) == 1 and levenshtein(id_l, id_r) == 1:
        return 2  # a digit left out or typed twice
    return 0


# Sex, guardian, phone, places ------------------------------------------------------------------
def compare_sex(left: str, right: str) -> int:
    if not left or not right:
        return MISSING
    return 1 if left == right else 0


GUARDIAN_LEVELS = {3: "same", 2: "Jaro-Winkler ≥ 0.92", 1: "Jaro-Winkler ≥ 0.80", 0: "different"}


@lru_cache(maxsize=262144)
def compare_guardian(left: str, right: str) -> int:
    """Guardians' folded full names (title removed, no spaces)."""
    if not left or not right:
        return MISSING
    if left == right:
        return 3
    similarity = jaro_winkler(left, right)
    if similarity >= 0.92:
        return 2
    if similarity >= 0.80:
        return 1
    return 0


def compare_phone(left: str, right: str) -> int:
    """Phones in national format: 2 same, 1 one digit wrong or two swapped, 0 different."""
    if not left or not right:
        return MISSING
    if left == right:
        return 2
    return 1 if compare_id(left, right) == 2 else 0


def compare_code(left: str, right: str) -> int:
    """LAO or subdistrict code: 1 same, 0 different."""
    if not left or not right:
        return MISSING
    return 1 if left == right else 0


def compare_village(sub_l: str, village_l: str, sub_r: str, village_r: str) -> int:
    """Village number, meaningful only inside the same subdistrict (or when no subdistrict is known)."""
    if not village_l or not village_r:
        return MISSING
    if sub_l and sub_r and sub_l != sub_r:
        return MISSING  # the subdistrict comparison already says the places differ
    return 1 if village_l == village_r else 0
