"""Table tests of clean_name: every title form, glued titles, nicknames, invisible characters (DOMAIN §3)."""

import random

import pytest
from pythainlp.util import normalize

from warehouse.cleaning import PersonName, clean_name
from warehouse.cleaning.names import canonical_title, thai_normalised

# (first, last, title argument) → (title, title code, first, last)
Opt = str | None
TITLES: list[tuple[Opt, Opt, Opt, tuple[Opt, Opt, Opt, Opt]]] = [
    # the form's prefix codes
    ("สมชาย", "ใจดี", "MSTR", ("ด.ช.", "MSTR", "สมชาย", "ใจดี")),
    ("สมหญิง", "ใจดี", "MISS_C", ("ด.ญ.", "MISS_C", "สมหญิง", "ใจดี")),
    ("สมชาย", "ใจดี", "MR", ("นาย", "MR", "สมชาย", "ใจดี")),
    ("มาลี", "ใจดี", "MS", ("นางสาว", "MS", "มาลี", "ใจดี")),
    ("มาลี", "ใจดี", "MRS", ("นาง", "MRS", "มาลี", "ใจดี")),
    ("มาลี", "ใจดี", "mrs", ("นาง", "MRS", "มาลี", "ใจดี")),
    # spelled-out and abbreviated titles in the title field
    ("สมชาย", "ใจดี", "เด็กชาย", ("ด.ช.", "MSTR", "สมชาย", "ใจดี")),
    ("สมชาย", "ใจดี", "ด.ช", ("ด.ช.", "MSTR", "สมชาย", "ใจดี")),
    ("สมชาย", "ใจดี", "ดช.", ("ด.ช.", "MSTR", "สมชาย", "ใจดี")),
    ("สมชาย", "ใจดี", "ด. ช.", ("ด.ช.", "MSTR", "สมชาย", "ใจดี")),
    ("สมหญิง", "ใจดี", "เด็กหญิง", ("ด.ญ.", "MISS_C", "สมหญิง", "ใจดี")),
    ("สมหญิง", "ใจดี", "ด.ญ", ("ด.ญ.", "MISS_C", "สมหญิง", "ใจดี")),
    ("สมหญิง", "ใจดี", "ดญ", ("ด.ญ.", "MISS_C", "สมหญิง", "ใจดี")),
    ("มาลี", "ใจดี", "น.ส.", ("นางสาว", "MS", "มาลี", "ใจดี")),
    ("มาลี", "ใจดี", "นส", ("นางสาว", "MS", "มาลี", "ใจดี")),
    ("มาลี", "ใจดี", "นางสาว", ("นางสาว", "MS", "มาลี", "ใจดี")),
    ("มาลี", "ใจดี", " นาง ", ("นาง", "MRS", "มาลี", "ใจดี")),
    ("John", "Smith", "Mr.", ("นาย", "MR", "John", "Smith")),
    # titles glued to the given name, or typed before it
    ("ด.ช.สมชาย", "ใจดี", None, ("ด.ช.", "MSTR", "สมชาย", "ใจดี")),
    ("ด.ช สมชาย", "ใจดี", None, ("ด.ช.", "MSTR", "สมชาย", "ใจดี")),
    ("ดช สมชาย", "ใจดี", None, ("ด.ช.", "MSTR", "สมชาย", "ใจดี")),
    ("เด็กชายสมชาย", "ใจดี", None, ("ด.ช.", "MSTR", "สมชาย", "ใจดี")),
    ("เด็กชาย สมชาย", "ใจดี", None, ("ด.ช.", "MSTR", "สมชาย", "ใจดี")),
    ("ด.ญ.สมหญิง", "ใจดี", None, ("ด.ญ.", "MISS_C", "สมหญิง", "ใจดี")),
    ("เด็กหญิงสมหญิง", "ใจดี", None, ("ด.ญ.", "MISS_C", "สมหญิง", "ใจดี")),
    ("น.ส.มาลี", "ใจดี", None, ("นางสาว", "MS", "มาลี", "ใจดี")),
    ("นางสาวมาลี", "ใจดี", None, ("นางสาว", "MS", "มาลี", "ใจดี")),
    ("นางมาลี", "ใจดี", None, ("นาง", "MRS", "มาลี", "ใจดี")),
    ("นายสมชาย", "ใจดี", None, ("นาย", "MR", "สมชาย", "ใจดี")),
    ("นาย สมชาย", "ใจดี", "MR", ("นาย", "MR", "สมชาย", "ใจดี")),
    ("เด็กชายสมชาย", "ใจดี", "OTHER", ("ด.ช.", "MSTR", "สมชาย", "ใจดี")),
    # other titles, kept under OTHER
    ("ว่าที่ ร.ต. สมชาย", "ใจดี", None, ("ว่าที่ร.ต.", "OTHER", "สมชาย", "ใจดี")),
    ("จ.ส.ต.สมชาย", "ใจดี", None, ("จ.ส.ต.", "OTHER", "สมชาย", "ใจดี")),
    ("พระ สมชาย", "ใจดี", None, ("พระ", "OTHER", "สมชาย", "ใจดี")),
    ("สมชาย", "ใจดี", "ดร.", ("ดร.", "OTHER", "สมชาย", "ใจดี")),
    ("สมชาย", "ใจดี", "อื่นๆ", (None, "OTHER", "สมชาย", "ใจดี")),
    # names that begin like a title are names
    ("คุณากร", "ใจดี", None, (None, None, "คุณากร", "ใจดี")),
    ("พระพร", "ใจดี", None, (None, None, "พระพร", "ใจดี")),
    ("นางนวล", "ใจดี", "ด.ญ.", ("ด.ญ.", "MISS_C", "นางนวล", "ใจดี")),
    ("นาฬิกา", "ใจดี", None, (None, None, "นาฬิกา", "ใจดี")),
    ("ดวงใจ", "ใจดี", None, (None, None, "ดวงใจ", "ใจดี")),
]


@pytest.mark.parametrize(("first", "last", "title", "expected"), TITLES)
def test_titles(
    first: str | None, last: str | None, title: str | None,
    expected: tuple[str | None, str | None, str | None, str | None],
) -> None:
    name = clean_name(first, last, title=title)
    assert (name.title, name.title_code, name.first, name.last) == expected


@pytest.mark.parametrize(("first", "title", "flags"), [
    ("ด.ช.สมชาย", None, {"title_in_name"}),
    ("ด.ช.สมชาย", "MSTR", {"title_in_name"}),
    ("ด.ช.สมชาย", "MR", {"title_in_name", "title_conflict"}),
    ("สมชาย", "MSTR", set()),
])
def test_title_flags(first: str, title: str | None, flags: set[str]) -> None:
    assert set(clean_name(first, "ใจดี", title=title).flags) == flags


@pytest.mark.parametrize(("title", "sex"), [("MSTR", "M"), ("ด.ญ.", "F"), ("นาย", "M"), ("น.ส.", "F"),
                                            ("นาง", "F"), ("ดร.", None), (None, None)])
def test_sex_hint_comes_from_the_title_only(title: str | None, sex: str | None) -> None:
    assert clean_name("สมชาย", "ใจดี", title=title).sex_hint == sex


# (first, last, nickname argument, nickname_field_is_first) → (first, last, nickname)
NICKNAMES: list[tuple[Opt, Opt, Opt, bool, tuple[Opt, Opt, Opt]]] = [
    ("สมชาย", "ใจดี", "ต้น", False, ("สมชาย", "ใจดี", "ต้น")),
    ("สมชาย (ต้น)", "ใจดี", None, False, ("สมชาย", "ใจดี", "ต้น")),
    ("สมชาย(ต้น)", "ใจดี", None, False, ("สมชาย", "ใจดี", "ต้น")),
    ("สมชาย [ต้น]", "ใจดี", None, False, ("สมชาย", "ใจดี", "ต้น")),
    ("สมชาย （ต้น）", "ใจดี", None, False, ("สมชาย", "ใจดี", "ต้น")),
    ('สมชาย "ต้น"', "ใจดี", None, False, ("สมชาย", "ใจดี", "ต้น")),
    ("สมชาย “ต้น”", "ใจดี", None, False, ("สมชาย", "ใจดี", "ต้น")),
    ("สมชาย 'ต้น'", "ใจดี", None, False, ("สมชาย", "ใจดี", "ต้น")),
    ("สมชาย ชื่อเล่น ต้น", "ใจดี", None, False, ("สมชาย", "ใจดี", "ต้น")),
    ("สมชาย ชื่อเล่น: ต้น", "ใจดี", None, False, ("สมชาย", "ใจดี", "ต้น")),
    ("สมชาย น้องต้น", "ใจดี", None, False, ("สมชาย", "ใจดี", "ต้น")),
    ("สมชาย", "ใจดี (ต้น)", None, False, ("สมชาย", "ใจดี", "ต้น")),
    ("ด.ช.สมชาย (น้องต้น)", "ใจดี", None, False, ("สมชาย", "ใจดี", "ต้น")),
    ("สมชาย", "ใจดี", "น้องต้น", False, ("สมชาย", "ใจดี", "ต้น")),
    ("สมชาย", "ใจดี", "(ต้น)", False, ("สมชาย", "ใจดี", "ต้น")),
    ("สมชาย", "ใจดี", "ชื่อเล่น ต้น", False, ("สมชาย", "ใจดี", "ต้น")),
    ("สมชาย", "ใจดี", "น้อง", False, ("สมชาย", "ใจดี", "น้อง")),  # the nickname น้อง itself stays
    # the form version asked for the name the child is called by in the first-name field
    ("ต้น", "ใจดี", None, True, (None, "ใจดี", "ต้น")),
    ("ต้น", "ใจดี", "ต้น", True, (None, "ใจดี", "ต้น")),
    ("ด.ช.ต้น", "ใจดี", None, True, (None, "ใจดี", "ต้น")),
]


@pytest.mark.parametrize(("first", "last", "nickname", "is_first", "expected"), NICKNAMES)
def test_nicknames(
    first: str | None, last: str | None, nickname: str | None, is_first: bool,
    expected: tuple[str | None, str | None, str | None],
) -> None:
    name = clean_name(first, last, nickname=nickname, nickname_field_is_first=is_first)
    assert (name.first, name.last, name.nickname) == expected


def test_a_different_nickname_in_the_name_is_flagged_and_the_nickname_field_wins() -> None:
    name = clean_name("สมชาย (ต้น)", "ใจดี", nickname="บอส")
    assert name.nickname == "บอส"
    assert {"nickname_in_name", "nickname_conflict"} <= set(name.flags)


# (first, last) → (first, last, flags that must be present)
SHAPES: list[tuple[str | None, str | None, tuple[str | None, str | None, set[str]]]] = [
    # whitespace and invisible characters
    ("  สมชาย  ", " ใจดี ", ("สมชาย", "ใจดี", set())),
    ("สม\u200bชาย", "ใจ\u200dดี", ("สมชาย", "ใจดี", {"invisible_chars"})),
    ("\ufeffสมชาย\u2060", "ใจดี\u00ad", ("สมชาย", "ใจดี", {"invisible_chars"})),
    ("สมชาย", "ใจ ดี", ("สมชาย", "ใจดี", {"spaces_removed"})),
    ("สม ชาย", "ใจดี", ("สมชาย", "ใจดี", {"spaces_removed"})),
    ("สมชาย\u00a0", "ใจดี\t", ("สมชาย", "ใจดี", set())),
    # the whole name in one field
    ("สมชาย ใจดี", None, ("สมชาย", "ใจดี", {"full_name_in_first"})),
    ("ด.ช.สมชาย ใจดี", "", ("สมชาย", "ใจดี", {"full_name_in_first", "title_in_name"})),
    ("สมชาย ใจดี", "ใจดี", ("สมชาย", "ใจดี", {"last_in_first"})),
    (None, "สมชาย ใจดี", ("สมชาย", "ใจดี", {"full_name_in_last"})),
    ("สมศักดิ์ ณ อยุธยา", None, ("สมศักดิ์", "ณ อยุธยา", {"full_name_in_first"})),
    # surnames with the particle ณ keep one space
    ("สมศักดิ์", "ณ อยุธยา", ("สมศักดิ์", "ณ อยุธยา", set())),
    ("สมศักดิ์", "ณ  อยุธยา", ("สมศักดิ์", "ณ อยุธยา", set())),
    ("สมศักดิ์", "ณอยุธยา", ("สมศักดิ์", "ณ อยุธยา", set())),
    ("สมศักดิ์", "ณ ระนอง", ("สมศักดิ์", "ณ ระนอง", set())),
    ("นายสมศักดิ์", "ณ ป้อมเพชร", ("สมศักดิ์", "ณ ป้อมเพชร", {"title_in_name"})),
    ("ณัฐพล", "ณรงค์ชัย", ("ณัฐพล", "ณรงค์ชัย", set())),  # ณ starting a word is no particle
    # vowel and tone-mark order (pythainlp normalisation)
    ("เเสงเดือน", "ใจดี", ("แสงเดือน", "ใจดี", {"thai_normalised"})),
    ("สมชาย", "ใจดีี", ("สมชาย", "ใจดี", {"thai_normalised"})),
    ("กิ่\u0e07", "ใจดี", ("กิ่ง", "ใจดี", set())),
    ("ก\u0e48\u0e34ง", "ใจดี", ("กิ่ง", "ใจดี", {"thai_normalised"})),  # tone mark typed before the vowel
    ("น\u0e4d\u0e32ฝน", "ใจดี", ("น\u0e33ฝน", "ใจดี", {"thai_normalised"})),  # nikhahit + sara aa
    # punctuation at the ends
    ("สมชาย.", "ใจดี,", ("สมชาย", "ใจดี", set())),
    # missing parts
    (None, None, (None, None, {"missing_first", "missing_last"})),
    ("", "ใจดี", (None, "ใจดี", {"missing_first"})),
    ("ด.ช.", "ใจดี", (None, "ใจดี", {"missing_first", "title_in_name"})),
    # other scripts and digits are kept, and flagged
    ("John", "Smith", ("John", "Smith", {"latin_script"})),
    ("สมชาย2", "ใจดี", ("สมชาย2", "ใจดี", {"digits_in_name"})),
]


@pytest.mark.parametrize(("first", "last", "expected"), SHAPES)
def test_name_shapes(first: Opt, last: Opt, expected: tuple[Opt, Opt, set[str]]) -> None:
    name = clean_name(first, last)
    assert (name.first, name.last) == expected[:2]
    assert expected[2] <= set(name.flags)


def test_as_entered_keeps_what_was_typed() -> None:
    name = clean_name("ด.ช.สม\u200bชาย", "ใจดี", title="MSTR", nickname="ต้น")
    assert name.as_entered == "MSTR ด.ช.สม\u200bชาย ใจดี ต้น"
    assert clean_name(None, None).as_entered is None
    assert isinstance(name, PersonName)


@pytest.mark.parametrize(("raw", "expected"), [
    ("MSTR", ("ด.ช.", "MSTR")), ("เด็กชาย", ("ด.ช.", "MSTR")), ("  ", (None, None)), (None, (None, None)),
    ("ร้อยตำรวจเอก", ("ร้อยตำรวจเอก", "OTHER")), ("ว่าที่ร้อยตรี", ("ว่าที่ร้อยตรี", "OTHER")),
])
def test_canonical_title(raw: str | None, expected: tuple[str | None, str | None]) -> None:
    assert canonical_title(raw) == expected


THAI = [chr(c) for c in range(0x0E01, 0x0E5C) if chr(c).isprintable()] + [" ", "a"]


def test_the_normalisation_shortcut_never_skips_a_change_pythainlp_would_make() -> None:
    """thai_normalised skips pythainlp when its pre-check finds nothing to change; check that on
    random Thai strings (already free of double spaces, as the cleaner leaves them)."""
    rng = random.Random(20261130)
    for _ in range(30_000):
        text = " ".join("".join(rng.choices(THAI, k=rng.randint(1, 12))).split())
        assert thai_normalised(text) == normalize(text), repr(text)
