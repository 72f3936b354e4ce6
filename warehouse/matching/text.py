"""String tools for matching names: Thai confusable folding, phonetic codes, Jaro-Winkler, Levenshtein.

All pure and cached; they never raise on odd text (any script, digits, emoji).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Letters Thai writers confuse because they sound alike (DOMAIN §3.2): each maps to one stand-in.
_CONFUSABLES = str.maketrans({
    "ศ": "ส", "ษ": "ส", "ซ": "ส",
    "ธ": "ท", "ฑ": "ท", "ฒ": "ท", "ถ": "ท", "ฐ": "ท",
    "ณ": "น",
    "ล": "ร", "ฬ": "ร",
    "ภ": "พ", "ผ": "พ",
    "ฎ": "ด", "ฏ": "ต",
    "ญ": "ย",
    "ฆ": "ค", "ฅ": "ค", "ข": "ค", "ฃ": "ค",
    "ฉ": "ช", "ฌ": "ช",
    "ฝ": "ฟ",
    "ฮ": "ห",
})
# Tone marks, the short-vowel sign ็ and the cancellation sign ์ are often mistyped or left out.
_MARKS = re.compile("[\u0e47\u0e48\u0e49\u0e4a\u0e4b\u0e4c\u0e4d]")
# A consonant written twice (กิตติ / กิติ, ณัฏฐ / ณัฐ once folded) reads as one.
_DOUBLED = re.compile(r"([\u0e01-\u0e2e])\1")
_NOT_WORD = re.compile("[^\\w\u0e31-\u0e3a\u0e47-\u0e4e]+")
_THAI = re.compile("[\u0e01-\u0e4e]")


def is_thai(text: str) -> bool:
    return bool(_THAI.search(text))


@lru_cache(maxsize=262144)
def fold(text: str | None) -> str:
    """A name as it sounds: confusable letters merged, marks and doubled letters dropped, Latin lower-cased.

    ณัฐพล, นัฐพล → นัตพร ; กิตติพงษ์, กิติพงศ์ → กิติพงส ; วรรณา, วันนา, วัณณา → วันนา.
    """
    if not text:
        return ""
    t = unicodedata.normalize("NFC", text).lower()
    t = _NOT_WORD.sub("", t).replace("_", "")
    if not is_thai(t):
        return t
    t = t.replace("รร", "ัน").replace("ฏฐ", "ฐ").translate(_CONFUSABLES)
    t = _MARKS.sub("", t)
    prev = None
    while prev != t:
        prev, t = t, _DOUBLED.sub(r"\1", t)
    return t


_SOUNDEX_CODES = {c: str(d) for d, letters in enumerate(
    ("aeiouyhw", "bfpv", "cgjkqsxz", "dt", "l", "mn", "r"), start=0) for c in letters}


def _latin_soundex(text: str) -> str:
    letters = [c for c in text.lower() if "a" <= c <= "z"]
    if not letters:
        return ""
    out, last = [letters[0]], _SOUNDEX_CODES.get(letters[0], "")
    for c in letters[1:]:
        code = _SOUNDEX_CODES.get(c, "0")
        if code != "0" and code != last:
            out.append(code)
        if c not in "hw":
            last = code
    return ("".join(out) + "000")[:4]


@lru_cache(maxsize=262144)
def phonetic(text: str | None) -> tuple[str, str]:
    """Two sound codes of a name: (lk82, udom83) for Thai script, (Soundex, Soundex) otherwise; "" if none."""
    if not text:
        return "", ""
    if not is_thai(text):
        code = _latin_soundex(text)
        return code, code
    from pythainlp.soundex import soundex

    thai = "".join(c for c in text if "\u0e01" <= c <= "\u0e4e")
    try:
        return soundex(thai, engine="lk82"), soundex(thai, engine="udom83")
    except Exception:  # the library trips on some rare letter runs: no code is no evidence
        return "", ""


@lru_cache(maxsize=524288)
def jaro_winkler(a: str, b: str) -> float:
    """Jaro-Winkler similarity in [0, 1] (prefix scale 0.1, up to 4 characters)."""
    if a == b:
        return 1.0 if a else 0.0
    la, lb = len(a), len(b)
    if not la or not lb:
        return 0.0
    window = max(max(la, lb) // 2 - 1, 0)
    a_hit = [False] * la
    b_hit = [False] * lb
    matches = 0
    for i, ch in enumerate(a):
        lo, hi = max(0, i - window), min(lb, i + window + 1)
        for j in range(lo, hi):
            if not b_hit[j] and b[j] == ch:
                a_hit[i] = b_hit[j] = True
                matches += 1
                break
    if not matches:
        return 0.0
    transpositions = 0
    j = 0
    for i in range(la):
        if a_hit[i]:
            while not b_hit[j]:
                j += 1
            if a[i] != b[j]:
                transpositions += 1
            j += 1
    m = float(matches)
    jaro = (m / la + m / lb + (m - transpositions / 2) / m) / 3
    prefix = 0
    for x, y in zip(a[:4], b[:4], strict=False):
        if x != y:
            break
        prefix += 1
    return jaro + prefix * 0.1 * (1 - jaro)


@lru_cache(maxsize=262144)
def levenshtein(a: str, b: str) -> int:
    """Edit distance (insertions, deletions, substitutions)."""
    if a == b:
        return 0
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]
