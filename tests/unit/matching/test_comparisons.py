"""Table tests of every matching comparison: left, right, expected level."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from warehouse.matching import comparisons as c
from warehouse.matching.prepare import prepare
from warehouse.matching.text import fold, jaro_winkler, levenshtein, phonetic


@pytest.mark.parametrize(("left", "right", "same"), [
    ("ณัฐพล", "นัฐพล", True),  # ณ/น
    ("ณัฏฐพล", "ณัฐพล", True),  # ฏฐ/ฐ
    ("กิตติพงษ์", "กิตติพงศ์", True),  # ษ/ศ
    ("กิตติพงษ์", "กิติพงษ์", True),  # doubled letter
    ("วรรณา", "วันนา", True),  # รร/ัน
    ("ธนพล", "ทนพล", True),  # ธ/ท
    ("สมชาย", "สมชัย", False),
    ("กิตติพัฒน์", "กิตติพงษ์", False),
    ("Mich-aela", "michaela", True),
])
def test_fold(left: str, right: str, same: bool) -> None:
    assert (fold(left) == fold(right)) is same


def test_string_measures() -> None:
    assert round(jaro_winkler("martha", "marhta"), 3) == 0.961
    assert jaro_winkler("", "") == 0.0
    assert levenshtein("kitten", "sitting") == 3
    assert phonetic("ณัฐพล") == phonetic("นัฐพล")
    assert phonetic("") == ("", "")


@pytest.mark.parametrize(("first_l", "nick_l", "first_r", "nick_r", "level"), [
    ("สมชาย", "", "สมชาย", "", c.GIVEN_EXACT),
    ("ณัฐพล", "", "นัฐพล", "", c.GIVEN_FOLDED),
    ("กิตติพงษ์", "", "กิติพงศ์", "", c.GIVEN_FOLDED),
    ("ธนพล", "ต้น", "ต้น", "", c.GIVEN_NICKNAME),  # the nickname typed as the given name
    ("ธนพล", "", "เบนซ์", "", c.MISSING),  # a common nickname typed as the given name: no evidence
    ("ธนพล", "", "ต้นกล้า", "ต้นกล้า", c.MISSING),
    ("สุธิตา", "", "สุธตา", "", c.GIVEN_TYPO),  # a letter left out
    ("กิตติพัฒน์", "", "กิตติพงษ์", "", c.GIVEN_WEAK),  # twins: two real names, alike
    ("สมชาย", "", "มาลี", "", c.GIVEN_DIFFERENT),
    ("", "", "มาลี", "", c.MISSING),
    ("michael", "", "micheal", "", c.GIVEN_TYPO),
])
def test_given_name(first_l: str, nick_l: str, first_r: str, nick_r: str, level: int) -> None:
    assert c.compare_given(first_l, nick_l, first_r, nick_r) == level
    assert c.compare_given(first_r, nick_r, first_l, nick_l) == level  # symmetric


@pytest.mark.parametrize(("left", "right", "level"), [
    ("ต้น", "ต้น", 2), ("มิ้นท์", "มิ้น", 1), ("ต้น", "นก", 0), ("", "ต้น", c.MISSING),
])
def test_nickname(left: str, right: str, level: int) -> None:
    assert c.compare_nickname(left, right) == level


@pytest.mark.parametrize(("left", "right", "level"), [
    ("ใจดี", "ใจดี", 4), ("ศรีสุข", "สรีสุข", 3), ("พิบูลย์สวัสดิ์", "พิบูลสวัสดิ์", 2),
    ("สุวรรณวงศ์", "สุวรรณวง", 2), ("ใจดี", "บุญมา", 0), ("ใจดี", "", c.MISSING),
])
def test_surname(left: str, right: str, level: int) -> None:
    assert c.compare_surname(left, right) == level


@pytest.mark.parametrize(("left", "right", "level"), [
    (date(2015, 3, 5), date(2015, 3, 5), 5),
    (date(2015, 3, 5), date(2015, 5, 3), 4),  # day and month swapped
    (date(2015, 3, 5), date(2015, 3, 15), 3),  # the day mistyped
    (date(2015, 3, 5), date(2016, 1, 20), 2),
    (date(2015, 3, 5), date(2017, 7, 1), 1),
    (date(2015, 3, 5), date(2010, 7, 1), 0),
    (None, date(2010, 7, 1), c.MISSING),
])
def test_birth(left: date | None, right: date | None, level: int) -> None:
    assert c.compare_birth(left, right) == level


def test_birth_in_buddhist_era_is_read_as_the_same_day() -> None:
    be = prepare({"record_id": "1", "birth_date": "2558-03-05"})
    ce = prepare({"record_id": "2", "birth_date": "2015-03-05"})
    swapped = prepare({"record_id": "3", "birth_date": "2015-13-05"})
    assert c.compare_birth(be.birth, ce.birth) == 5
    assert swapped.birth == date(2015, 5, 13)


@pytest.mark.parametrize(("left", "right", "level"), [
    ("1101700230708", "1101700230708", 3),
    ("1101700230708", "1101700230709", 2),  # one digit
    ("1101700230708", "1107100230708", 2),  # two neighbours swapped
    ("1101700230708", "110170023070", 2),  # a digit left out
    ("1101700230708", "3100600445635", 0),
    ("G123456789012", "G123456780021", 1),  # three digits
    ("G123456789012", "G923456780021", 0),
    ("G123456789012", "G123456789012", 3),
    ("", "1101700230708", c.MISSING),
])
def test_id(left: str, right: str, level: int) -> None:
    assert c.compare_id(left, right) == level


@pytest.mark.parametrize(("fn", "left", "right", "level"), [
    (c.compare_sex, "M", "M", 1), (c.compare_sex, "M", "F", 0), (c.compare_sex, "", "F", c.MISSING),
    (c.compare_guardian, "สมสรีใจดี", "สมสรีใจดี", 3), (c.compare_guardian, "สมสรีใจดี", "สมสีใจดี", 2),
    (c.compare_guardian, "สมสรีใจดี", "ประเสิดบุนมา", 0),
    (c.compare_phone, "0812345678", "0812345678", 2), (c.compare_phone, "0812345678", "0812345679", 1),
    (c.compare_phone, "0812345678", "0998887777", 0), (c.compare_phone, "", "0998887777", c.MISSING),
    (c.compare_code, "6570910", "6570910", 1), (c.compare_code, "6570910", "5180107", 0),
    (c.compare_code, "", "5180107", c.MISSING),
])
def test_simple_comparisons(fn: Callable[[str, str], int], left: str, right: str, level: int) -> None:
    assert fn(left, right) == level


@pytest.mark.parametrize(("sub_l", "vil_l", "sub_r", "vil_r", "level"), [
    ("100101", "3", "100101", "3", 1), ("100101", "3", "100101", "4", 0),
    ("100101", "3", "100102", "3", c.MISSING), ("", "3", "", "3", 1),
    ("100101", "", "100101", "3", c.MISSING),
])
def test_village(sub_l: str, vil_l: str, sub_r: str, vil_r: str, level: int) -> None:
    assert c.compare_village(sub_l, vil_l, sub_r, vil_r) == level


def test_prepare_removes_titles_and_reads_ids_and_phones() -> None:
    r = prepare({"record_id": "1", "first_name": "ด.ช. กิตติพัฒน์", "last_name": "ใจดี",
                 "national_id": "1-1017-00230-70-8", "phone": "+66 81 234 5678", "village_no": "หมู่ 3",
                 "guardian_name": "นางสมศรี ใจดี"})
    assert (r.first, r.last, r.sex) == ("กิตติพัฒน์", "ใจดี", "M")
    assert (r.id_digits, r.id_valid, r.phone, r.village) == ("1101700230708", True, "0812345678", "3")
    assert r.guardian_fold == fold("สมศรีใจดี")


def test_names_typed_in_each_others_fields() -> None:
    assert c.compare_given("ใจดี", "", "ณัฐพล", "", "ณัฐพล", "ใจดี") == c.GIVEN_NICKNAME
    assert c.compare_surname("ณัฐพล", "ใจดี", "ใจดี", "ณัฐพล") == 3
    assert c.compare_given("ใจดี", "", "ณัฐพล", "", "มีสุข", "ใจดี") != c.GIVEN_NICKNAME
