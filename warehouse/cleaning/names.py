"""Thai names: title, given name, family name and nickname, cleaned of what typing leaves behind.

Enumerators type the title into the name (ด.ช.สมชาย), the whole name into one field, the
nickname in brackets after the name, and paste text carrying zero-width characters; Thai
vowels and tone marks typed in the wrong order look right on screen but compare unequal.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

from pythainlp.util import normalize as thai_normalize

from warehouse.cleaning.results import PersonName

# Longer than any name with its title and nickname: text pasted into the wrong field.
MAX_NAME_LENGTH = 200

# Canonical title → (prefix choice code of the forms, sex it implies). DOMAIN §3.1, §4.5.
CANONICAL_TITLES: dict[str, tuple[str, Literal["M", "F"]]] = {
    "ด.ช.": ("MSTR", "M"),
    "ด.ญ.": ("MISS_C", "F"),
    "นาย": ("MR", "M"),
    "นางสาว": ("MS", "F"),
    "นาง": ("MRS", "F"),
}
_CODE_TO_TITLE = {code: title for title, (code, _) in CANONICAL_TITLES.items()}

# Spellings of the five titles; the key is the spelling without dots, spaces or case.
_TITLE_SPELLINGS: dict[str, str] = {
    "เด็กชาย": "ด.ช.", "ดช": "ด.ช.", "ดญ": "ด.ญ.", "เด็กหญิง": "ด.ญ.", "เด็กญิง": "ด.ญ.",
    "นาย": "นาย", "นางสาว": "นางสาว", "นส": "นางสาว", "นาง": "นาง",
    "master": "ด.ช.", "mstr": "ด.ช.", "mr": "นาย", "miss": "นางสาว", "ms": "นางสาว", "mrs": "นาง",
}
# Other titles met on guardians (ranks, clergy, professions, royal descent), kept as written
# here with the form's OTHER code. Their dotted forms are the canonical spelling.
_OTHER_TITLES: tuple[str, ...] = (
    "ว่าที่ร้อยตรี", "ว่าที่ร.ต.", "ว่าที่ร้อยตรีหญิง", "พล.ต.อ.", "พล.ต.ท.", "พล.ต.ต.", "พ.ต.อ.", "พ.ต.ท.",
    "พ.ต.ต.", "ร.ต.อ.", "ร.ต.ท.", "ร.ต.ต.", "ด.ต.", "จ.ส.ต.", "ส.ต.อ.", "ส.ต.ท.", "ส.ต.ต.", "พ.อ.",
    "พ.ท.", "พ.ต.", "ร.อ.", "ร.ท.", "ร.ต.", "จ.ส.อ.", "จ.ส.ท.", "ส.อ.", "ส.ท.", "ส.ต.", "จ.อ.",
    "พลฯ", "พลทหาร", "ดร.", "นพ.", "พญ.", "ทพ.", "ทญ.", "ภก.", "ภญ.", "ผศ.", "รศ.", "ศ.",
    "พระ", "พระภิกษุ", "สามเณร", "ส.ณ.", "แม่ชี", "ม.ร.ว.", "ม.ล.", "หม่อมราชวงศ์", "หม่อมหลวง",
)
_OTHER_KEYS: dict[str, str] = {t.replace(".", ""): t for t in _OTHER_TITLES}
# Whole words safe to split off even when glued to the name: no Thai given name starts with them
# in a way a reader would doubt. นาย/นาง are glued-split only if no other title says otherwise.
_GLUABLE_WORDS = ("เด็กชาย", "เด็กหญิง", "เด็กญิง", "นางสาว", "นาย", "นาง", "ว่าที่ร้อยตรีหญิง",
                  "ว่าที่ร้อยตรี", "หม่อมราชวงศ์", "หม่อมหลวง", "พระภิกษุ", "สามเณร", "พลทหาร")
# Words that are titles only when followed by a space: many names begin with them (คุณากร, พระพร).
_SPACED_WORDS = ("พระ", "แม่ชี", "ดช", "ดญ", "นส", "master", "mstr", "miss", "mrs", "mr", "ms")


def _dotted(title: str) -> str:
    """Regex for a dotted abbreviation, spaces allowed around dots, the final dot optional."""
    letters = [p for p in title.split(".") if p]
    body = r"\s*\.\s*".join(re.escape(p) for p in letters)
    return body + r"\s*\.?" if len(letters) > 1 else body + r"\s*\."


_DOTTED = sorted({"ด.ช.", "ด.ญ.", "น.ส.", *(t for t in _OTHER_TITLES if "." in t)}, key=len, reverse=True)
_TITLE_AT_START = re.compile(
    "^(?:"
    + "|".join(
        [r"ว่าที่\s*" + _dotted("ร.ต.")]
        + [_dotted(t) for t in _DOTTED if not t.startswith("ว่าที่")]
        + [re.escape(w) for w in sorted(_GLUABLE_WORDS, key=len, reverse=True)]
        + [re.escape(w) + r"\.?(?=\s|$)" for w in sorted(_SPACED_WORDS, key=len, reverse=True)]
    )
    + ")",
    re.IGNORECASE,
)
# Thai characters that cannot begin a syllable: a title match followed by one is a false cut.
_COMBINING = frozenset("\u0e31\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e3a\u0e47\u0e48\u0e49\u0e4a\u0e4b"
                       "\u0e4c\u0e4d\u0e4e\u0e30\u0e32\u0e33\u0e45")

# Nicknames: "(ต้น)", "[ต้น]", '"ต้น"', “ต้น”, "ชื่อเล่น ต้น", a separate word "น้องต้น".
_NICK_BRACKETS = re.compile(
    r"[(\[{（【]\s*([^)\]}）】]{0,40}?)\s*[)\]}）】]|[\"“”'‘’«]\s*([^\"“”'‘’»]{1,40}?)\s*[\"“”'‘’»]"
)
_NICK_WORD = re.compile(r"(?:^|\s)ชื่อเล่น\s*[:：=\-]?\s*(\S+)")
_NONG = re.compile(r"^น้อง(?=[^\u0e31\u0e34-\u0e3a\u0e47-\u0e4e\u0e30\u0e32\u0e33\u0e45])")
# Zero-width characters, soft hyphen, and text-direction controls (embeddings, overrides, isolates,
# the Arabic letter mark): they print as nothing, or reorder what is shown (an RTL override makes
# "สมชาย" display backwards), so two equal names would differ.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060-\u2064\ufeff\u00ad\u180e\u200e\u200f"
                        "\u202a-\u202e\u2066-\u2069\u061c\u034f\u115f\u1160\u3164\uffa0]")
_EDGE_PUNCT = " .,;:-_/\\|*+#=~`!?\"'“”‘’()[]{}<>"
# Surnames of royal descent keep the particle ณ and one space: "ณ อยุธยา", "ณ ระนอง".
_NA_SURNAMES = ("อยุธยา", "ป้อมเพชร", "ระนอง", "นคร", "ถลาง", "สงขลา", "เชียงใหม่", "ลำปาง", "ลำพูน",
                "น่าน", "บางช้าง", "พัทลุง", "มหาชัย", "ตะกั่วทุ่ง", "ศรีธรรมราช", "ปัตตานี", "วังขนาย")
# pythainlp.util.normalize changes a name only if one of these is present; most names have
# none, and skipping the call keeps the cleaner fast (a test checks this against the library).
_MAY_NORMALISE = re.compile(
    "\u0e40\u0e40|[\u0e48-\u0e4c][\u0e31\u0e34-\u0e39\u0e47\u0e4d]|\u0e4d|[\u0e30\u0e32\u0e33\u0e45][\u0e48-\u0e4b]"
    "|\u0e45|([\u0e30-\u0e3a\u0e40-\u0e45\u0e47\u0e4c-\u0e4e]) *\\1|[\u0e48-\u0e4b]{2}"
    "|(?:^| )[\u0e31\u0e34-\u0e3a\u0e47-\u0e4e]"
)
_LATIN = re.compile(r"[A-Za-z]")
_DIGIT = re.compile(r"[0-9๐-๙]")


def thai_normalised(text: str) -> str:
    """pythainlp's vowel and tone-mark normalisation, called only where it can change something."""
    return thai_normalize(text) if _MAY_NORMALISE.search(text) else text


@lru_cache(maxsize=4096)
def canonical_title(raw: str | None) -> tuple[str | None, str | None]:
    """(canonical title, form prefix code) for a title as entered or a prefix code; (None, None) if empty."""
    if raw is None:
        return None, None
    text = " ".join(_INVISIBLE.sub("", raw).split())
    if not text:
        return None, None
    upper = text.upper()
    if upper in _CODE_TO_TITLE:
        return _CODE_TO_TITLE[upper], upper
    if upper == "OTHER" or text in {"อื่นๆ", "อื่น ๆ", "อื่น"}:
        return None, "OTHER"
    key = re.sub(r"[\s.]", "", text).lower()
    if key in _TITLE_SPELLINGS:
        title = _TITLE_SPELLINGS[key]
        return title, CANONICAL_TITLES[title][0]
    if key in _OTHER_KEYS:
        return _OTHER_KEYS[key], "OTHER"
    if key.startswith("ว่าที่") and key.removeprefix("ว่าที่") in {"รต", "ร้อยตรี"}:
        return "ว่าที่ร.ต.", "OTHER"
    return text, "OTHER"


@lru_cache(maxsize=65536)
def split_title(text: str) -> tuple[str | None, str]:
    """(canonical title, rest) when the text starts with a title, else (None, text)."""
    m = _TITLE_AT_START.match(text)
    if m is None:
        return None, text
    rest = text[m.end():].lstrip(" .")
    if rest and rest[0] in _COMBINING:
        return None, text  # the "title" was the start of a longer word
    title, _ = canonical_title(m.group(0))
    return title, rest


@lru_cache(maxsize=16384)
def _clean_nickname(text: str) -> str | None:
    text = text.strip(_EDGE_PUNCT)
    text = re.sub(r"^ชื่อเล่น\s*[:：=\-]?\s*", "", text)
    text = _NONG.sub("", text) if len(text) > 5 else text  # "น้องต้น" → "ต้น", but "น้อง" stays
    text = re.sub(r"\s+", "", text).strip(_EDGE_PUNCT)
    return thai_normalised(text) or None


def _take_nickname(text: str) -> tuple[str, str | None]:
    """The text without a nickname written inside it, and that nickname."""
    found: str | None = None
    m = _NICK_BRACKETS.search(text)
    if m:
        found = m.group(1) if m.group(1) is not None else m.group(2)
        text = (text[:m.start()] + " " + text[m.end():]).strip()
    m2 = _NICK_WORD.search(text)
    if m2:
        found = found or m2.group(1)
        text = (text[:m2.start()] + " " + text[m2.end():]).strip()
    words = text.split(" ")
    if len(words) > 1 and _NONG.match(words[-1]) and len(words[-1]) > 4:
        found = found or words[-1]
        text = " ".join(words[:-1])
    return text, (_clean_nickname(found) if found else None)


def _tidy_word(text: str) -> str:
    return thai_normalised(text.strip(_EDGE_PUNCT))


def _tidy_last(words: list[str]) -> str:
    """A family name from its words: spaces removed, except after the particle ณ."""
    words = [w for w in (w.strip(_EDGE_PUNCT) for w in words) if w]
    if len(words) >= 2 and words[0] == "ณ":
        return "ณ " + thai_normalised("".join(words[1:]))
    joined = thai_normalised("".join(words))
    for place in _NA_SURNAMES:
        if joined == "ณ" + place:
            return "ณ " + place
    return joined


def clean_name(
    first: str | None,
    last: str | None,
    *,
    title: str | None = None,
    nickname: str | None = None,
    nickname_field_is_first: bool = False,
) -> PersonName:
    """Split and clean one person's name as entered (DOMAIN §3.1, §3.3).

    `title` may be the form's prefix code (MSTR, MISS_C, MR, MS, MRS, OTHER) or Thai text. A
    title typed into the name is moved out of it; a nickname in brackets, quotes, after
    ชื่อเล่น or as น้อง… is moved to `nickname`; a whole name typed into the first-name field is
    split. `nickname_field_is_first=True` says the form version asked in the first-name field
    for the name the child is called by: that value becomes the nickname, not the given name.
    """
    try:
        parts = (_str(first), _str(last), _str(title), _str(nickname))
        if any(p is not None and len(p) > MAX_NAME_LENGTH for p in parts):
            raw = " ".join(p.strip() for p in (parts[2], parts[0], parts[1], parts[3]) if p and p.strip())
            return PersonName(as_entered=raw, flags=("too_long",))
        return _clean_name(*parts, bool(nickname_field_is_first))
    except Exception:  # a cleaner never stops a batch; the text is kept for a person to read
        typed = [p for p in (_str(title), _str(first), _str(last), _str(nickname)) if p]
        return PersonName(as_entered=" ".join(typed) or None, flags=("unparsed",))


def _str(value: object) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


@lru_cache(maxsize=65536)
def _clean_name(
    first: str | None, last: str | None, title_raw: str | None, nick_raw: str | None, nick_is_first: bool
) -> PersonName:
    flags: list[str] = []
    raw_parts = [p.strip() for p in (title_raw, first, last, nick_raw) if p and p.strip()]
    as_entered = " ".join(raw_parts) or None

    def prep(value: str | None) -> str:
        if not value:
            return ""
        if _INVISIBLE.search(value):
            flags.append("invisible_chars")
            value = _INVISIBLE.sub("", value)
        return " ".join(value.split())

    first_t, last_t, nick_t = prep(first), prep(last), prep(nick_raw)
    title, title_code = canonical_title(title_raw)
    nickname = _clean_nickname(nick_t) if nick_t else None

    if nick_is_first and first_t:
        typed_title, called = split_title(first_t)
        if typed_title is not None:
            flags.append("title_in_name")
            if title is None:
                title, title_code = canonical_title(typed_title)
            elif title != typed_title:
                flags.append("title_conflict")
        if nickname is None:
            nickname = _clean_nickname(called)
            flags.append("nickname_as_first")
        first_t = ""

    found_nicks: list[str] = []
    for which in ("first", "last"):
        text = first_t if which == "first" else last_t
        if not text:
            continue
        rest, nick = _take_nickname(text)
        if nick:
            found_nicks.append(nick)
            if which == "first":
                first_t = rest
            else:
                last_t = rest
    if found_nicks:
        flags.append("nickname_in_name")
        if nickname is None:
            nickname = found_nicks[0]
        elif nickname not in found_nicks:
            flags.append("nickname_conflict")

    # A title typed into the first-name field (or into the family-name field when it holds everything).
    carrier = first_t or last_t
    found_title, rest = split_title(carrier) if carrier else (None, carrier)
    if found_title is not None:
        plain_word = found_title in {"นาย", "นาง"} and not carrier.startswith(found_title + " ")
        if plain_word and title is not None and title != found_title:
            found_title = None  # e.g. a girl named นางนวล: the form's own title says it is a name
    if found_title is not None:
        flags.append("title_in_name")
        if first_t:
            first_t = rest
        else:
            last_t = rest
        if title is None:  # none given, or the form's OTHER: the typed title says which
            title, title_code = canonical_title(found_title)
        elif title != found_title:
            flags.append("title_conflict")

    # The whole name in one field.
    first_words = first_t.split(" ") if first_t else []
    last_words = last_t.split(" ") if last_t else []
    if not first_words and len(last_words) > 1 and last_words[0] != "ณ":
        first_words, last_words = last_words[:1], last_words[1:]
        flags.append("full_name_in_last")
    if len(first_words) > 1:
        if not last_words:
            first_words, last_words = first_words[:1], first_words[1:]
            flags.append("full_name_in_first")
        elif first_words[-len(last_words):] == last_words:
            first_words = first_words[:-len(last_words)]
            flags.append("last_in_first")
        else:
            first_words = ["".join(first_words)]
            flags.append("spaces_removed")
    if len(last_words) > 1 and last_words[0] != "ณ":
        flags.append("spaces_removed")

    first_clean = _tidy_word("".join(first_words)) or None
    last_clean = _tidy_last(last_words) or None
    typed = "".join(w.strip(_EDGE_PUNCT) for w in (*first_words, *last_words))
    if (first_clean or "") + (last_clean or "").replace(" ", "") != typed:
        flags.append("thai_normalised")

    cleaned = " ".join(p for p in (first_clean, last_clean, nickname) if p)
    if _DIGIT.search(cleaned):
        flags.append("digits_in_name")
    if _LATIN.search(cleaned):
        flags.append("latin_script")
    if first_clean is None:
        flags.append("missing_first")
    if last_clean is None:
        flags.append("missing_last")
    sex = CANONICAL_TITLES[title][1] if title in CANONICAL_TITLES else None
    return PersonName(
        as_entered=as_entered,
        title=title,
        first=first_clean,
        last=last_clean,
        nickname=nickname,
        flags=tuple(dict.fromkeys(flags)),
        title_code=title_code,
        sex_hint=sex,
    )


__all__ = ["CANONICAL_TITLES", "canonical_title", "clean_name", "split_title", "thai_normalised"]
