"""One matcher input row as the comparisons need it: cleaned with warehouse.cleaning, never raising.

The pinned CSV (ARCHITECTURE "Matcher CSV") holds values as entered: titles typed into names,
Buddhist-Era years, swapped day and month, IDs with dashes or a wrong digit, phones with +66.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from warehouse.cleaning import clean_date, clean_name, clean_person_id, clean_phone
from warehouse.cleaning.text import as_text
from warehouse.matching.comparisons import known_given_names
from warehouse.matching.nicknames import NICKNAMES
from warehouse.matching.text import fold, phonetic

INPUT_COLUMNS = (
    "record_id", "national_id", "first_name", "last_name", "nickname", "birth_date", "sex",
    "guardian_name", "phone", "lao_code", "subdistrict_code", "village_no", "visit_date",
)
# Birth dates are read against a fixed day, so the same file always gives the same reading.
_READING_DAY = date(2100, 1, 1)
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True, slots=True)
class Prepared:
    """What matching compares; empty strings and None mean "not known", never "different"."""

    record_id: str
    first: str = ""  # cleaned given name (title and nickname moved out)
    last: str = ""
    nickname: str = ""
    first_fold: str = ""
    last_fold: str = ""
    nick_fold: str = ""
    first_lk82: str = ""
    first_udom83: str = ""
    last_lk82: str = ""
    last_udom83: str = ""
    birth: date | None = None
    id_digits: str = ""
    id_kind: str = "missing"  # citizen_id, g_code, unknown, missing
    id_valid: bool = False
    sex: str = ""  # M, F or ""
    guardian_fold: str = ""
    phone: str = ""
    lao: str = ""
    subdistrict: str = ""
    village: str = ""


def prepare(row: Mapping[str, object]) -> Prepared:
    """A CSV row (any missing or malformed value) as a Prepared record."""
    def get(key: str) -> str:
        value = row.get(key)
        if isinstance(value, str) and value.isprintable() and "  " not in value:
            return value.strip()  # most values: nothing invisible, no odd spaces
        try:
            return as_text(value) or ""
        except Exception:
            return ""

    record_id = get("record_id")
    try:
        first, last, nick, sex_hint = _names(get("first_name"), get("last_name"), get("nickname"))
    except Exception:
        first = last = nick = sex_hint = ""
    birth = _birth(get("birth_date"))
    pid = clean_person_id(get("national_id") or None)
    digits = pid.digits or ""
    sex = _sex(get("sex")) or sex_hint
    phone = clean_phone(get("phone") or None).national or ""
    first_fold, last_fold = fold(first), fold(last)
    f_codes, l_codes = phonetic(first_fold and first), phonetic(last_fold and last)
    return Prepared(
        record_id=record_id, first=first, last=last, nickname=nick,
        first_fold=first_fold, last_fold=last_fold, nick_fold=fold(nick),
        first_lk82=f_codes[0], first_udom83=f_codes[1], last_lk82=l_codes[0], last_udom83=l_codes[1],
        birth=birth, id_digits=digits if len(digits) >= 5 else "", id_kind=pid.kind, id_valid=pid.valid,
        sex=sex, guardian_fold=_guardian(get("guardian_name")), phone=phone if len(phone) >= 8 else "",
        lao=_code(get("lao_code")), subdistrict=_code(get("subdistrict_code")),
        village=_code(get("village_no")),
    )


@lru_cache(maxsize=262144)
def _first_part(text: str) -> tuple[str, str, str, str]:
    """(given, family, nickname, sex from a title) from the first-name field alone."""
    name = clean_name(text, None)
    return name.first or "", name.last or "", name.nickname or "", name.sex_hint or ""


@lru_cache(maxsize=262144)
def _last_part(text: str, with_first: bool) -> tuple[str, str, str]:
    """(given, family, nickname) from the family-name field; alone, it may hold the whole name."""
    name = clean_name("ก" if with_first else None, text)  # a stand-in given name keeps นายก… a surname
    return ("" if with_first else name.first or ""), name.last or "", name.nickname or ""


@lru_cache(maxsize=65536)
def _nick_part(text: str) -> str:
    return clean_name(None, None, nickname=text).nickname or ""


def _names(first_raw: str, last_raw: str, nick_raw: str) -> tuple[str, str, str, str]:
    """Given name, family name, nickname and sex hint, each field cleaned on its own (cached per value).

    A title typed into the given name is removed (its sex kept as a hint); a whole name typed into
    one field is split; a nickname in brackets is moved out; a common nickname typed as the given
    name is also taken as the nickname.
    """
    first, last_in_first, nick_in_first, sex_hint = _first_part(first_raw) if first_raw else ("", "", "", "")
    given_in_last, last, nick_in_last = _last_part(last_raw, bool(first)) if last_raw else ("", "", "")
    if not last_raw:
        last = last_in_first
    elif not first:
        first = given_in_last
    nick = (_nick_part(nick_raw) if nick_raw else "") or nick_in_first or nick_in_last
    if not nick and first in NICKNAMES and fold(first) not in known_given_names():
        nick = first  # the name the child is called by, typed as the given name
    return first, last, nick, sex_hint


@lru_cache(maxsize=65536)
def _birth(text: str) -> date | None:
    if not text:
        return None
    result = clean_date(text, today=_READING_DAY)
    return result.value


def _sex(text: str) -> str:
    t = text.strip().upper()
    if t in {"M", "MALE", "ชาย", "ช", "1"}:
        return "M"
    if t in {"F", "FEMALE", "หญิง", "ญ", "2"}:
        return "F"
    return ""


@lru_cache(maxsize=65536)
def _guardian(text: str) -> str:
    """A guardian's name without title or spaces, folded: "นาง สมศรี ใจดี" → "สมสรีใจดี"."""
    if not text:
        return ""
    words = text.split()
    name = clean_name(words[0], " ".join(words[1:]) or None)
    return fold((name.first or "") + (name.last or "").replace(" ", ""))


def _code(text: str) -> str:
    """A code or village number as digits only (หมู่ 3, ม.3, "03" → "3"); other text folded."""
    digits = _DIGITS.findall(text.translate(str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")))
    if digits:
        return "".join(digits).lstrip("0") or "0"
    return fold(text)
