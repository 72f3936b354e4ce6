"""Seeded synthetic visit records of Thai children with ground truth (DOMAIN §3, §8.2).

Households of one to four children share a surname, guardian, phone and village; some have
twins born the same day with alike names. Each child is observed on one to eight visits, each
typed anew: titles in the name, typos and confusable letters, a nickname as the given name,
Buddhist-Era years, day and month swapped, IDs left out or one digit wrong, phones in +66 form,
a move to another LAO, a surname change.

    python -m bench.matching.generate --children 1000 --seed 1 --output data/thai.csv
"""

from __future__ import annotations

import argparse
import csv
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path

from warehouse.identifiers import th_id_check_digit
from warehouse.matching.prepare import INPUT_COLUMNS
from warehouse.matching.text import fold

NICKNAMES = (
    "ต้น", "นก", "เบนซ์", "แบงค์", "ฟ้า", "น้ำ", "มิ้นท์", "บอส", "กอล์ฟ", "เอ", "บี", "ปอ", "ปาล์ม", "เจ",
    "โอ๊ต", "ไอซ์", "แพร", "ฝน", "ดาว", "เดียร์", "กิ๊ฟ", "ข้าวหอม", "ส้ม", "แตงโม", "ภูมิ", "ต้นกล้า", "อาร์ม",
    "เฟิร์น", "มายด์", "ออม", "พลอย", "จูน", "นัท", "ปิง", "เต้", "ตั้ม", "หนึ่ง", "สอง", "แม็ก", "ฟิล์ม",
    "ก้อง", "บิว", "ใบเตย", "น้ำหวาน", "ขวัญ", "ปั้น", "ภู", "เก่ง", "ต่อ", "โบ๊ท", "เปา", "ไผ่", "อิง", "ซัน",
)
CONFUSABLE = {"ศ": "ส", "ษ": "ศ", "ส": "ศ", "ท": "ธ", "ธ": "ท", "ณ": "น", "น": "ณ", "พ": "ภ", "ภ": "พ",
              "ล": "ร", "ร": "ล", "ต": "ด", "ย": "ญ", "ค": "ฆ"}
TONES = "\u0e48\u0e49\u0e4a\u0e4b"
THIS_YEAR = 2026


@cache
def _names() -> tuple[list[str], list[str], list[str]]:
    from pythainlp.corpus import thai_family_names, thai_female_names, thai_male_names

    def clean(names: object) -> list[str]:
        return sorted({n.strip() for n in names if n and n.strip() and " " not in n.strip()})  # type: ignore[attr-defined]

    return clean(thai_male_names()), clean(thai_female_names()), clean(thai_family_names())


@cache
def _places() -> list[tuple[str, str, str]]:
    """(subdistrict code, district code, LAO code) for subdistricts whose district has a LAO."""
    import geothai

    laos: dict[str, list[str]] = {}
    path = Path(__file__).resolve().parents[2] / "warehouse" / "reference" / "laos.csv"
    with path.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["district_code"]:
                laos.setdefault(row["district_code"], []).append(row["dla_code"])
    out = []
    for p in geothai.provinces():
        for d in geothai.districts(p.code):
            if d.code not in laos:
                continue
            for sd in geothai.subdistricts(d.code):
                out.append((sd.code, d.code, laos[d.code][int(sd.code[-2:]) % len(laos[d.code])]))
    return out


@dataclass
class Child:
    key: str
    sex: str
    first: str
    last: str
    nickname: str
    birth: date
    pid: str  # valid 13-digit ID, G-code, or ""
    guardian: str
    phone: str
    place: tuple[str, str, str]
    village: str
    moved_to: tuple[str, str, str] | None = None
    new_surname: str | None = None
    changed_first: str | None = None
    siblings: list[str] = field(default_factory=list)


def _citizen_id(rng: random.Random, district: str) -> str:
    first = rng.choices("12345670", weights=[80, 5, 4, 1, 3, 2, 3, 2])[0]
    body = first + district + "".join(rng.choice("0123456789") for _ in range(7))
    if first == "0":
        body = body[:5] + "89" + body[7:]
    return body + str(th_id_check_digit(body))


def _alike(rng: random.Random, name: str, pool: list[str]) -> str:
    """Another real name starting like this one (twins are often named alike)."""
    for size in (4, 3, 2):
        alike = [n for n in pool if n.startswith(name[:size]) and fold(n) != fold(name)]
        if alike:
            return rng.choice(alike)
    return rng.choice([n for n in pool if fold(n) != fold(name)])


def make_children(n: int, rng: random.Random) -> list[Child]:
    males, females, families = _names()
    places = _places()
    children: list[Child] = []
    while len(children) < n:
        size = rng.choices((1, 2, 3, 4), weights=(55, 28, 12, 5))[0]
        surname = rng.choice(families)
        place = rng.choice(places)
        village = str(rng.randint(1, 15))
        mother = rng.choice(females)
        guardian = rng.choice(("นาง", "นางสาว", "")) + mother + " " + surname
        if rng.random() < 0.25:
            guardian = rng.choice(("นาย", "")) + rng.choice(males) + " " + surname
        phone = "0" + rng.choice("689") + "".join(rng.choice("0123456789") for _ in range(8))
        household: list[Child] = []
        used_nicks: set[str] = set()
        twins = size >= 2 and rng.random() < 0.15
        for k in range(size):
            sex = rng.choice("MF")
            pool = males if sex == "M" else females
            if twins and k == 1:
                older = household[0]
                sex = older.sex if rng.random() < 0.7 else sex
                pool = males if sex == "M" else females
                first = _alike(rng, older.first, pool)
                birth = older.birth
            else:
                first = rng.choice(pool)
                birth = date(THIS_YEAR - rng.randint(6, 17), 1, 1) + timedelta(days=rng.randrange(365))
            nick = rng.choice([x for x in NICKNAMES if x not in used_nicks])
            used_nicks.add(nick)
            r = rng.random()
            pid = _citizen_id(rng, place[1]) if r < 0.72 else (
                "G" + "".join(rng.choice("0123456789") for _ in range(12)) if r < 0.80 else "")
            child = Child(key=f"k{len(children) + len(household)}", sex=sex, first=first, last=surname,
                          nickname=nick, birth=birth, pid=pid, guardian=guardian, phone=phone, place=place,
                          village=village)
            if rng.random() < 0.05:
                child.moved_to = rng.choice(places)
            if rng.random() < 0.02:
                child.new_surname = rng.choice(families)
            if rng.random() < 0.01:
                child.changed_first = rng.choice(pool)
            household.append(child)
        for c in household:
            c.siblings = [o.key for o in household if o is not c]
        children.extend(household)
    return children[:n]


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 3:
        return text
    kind = rng.random()
    spots = [i for i, ch in enumerate(text) if ch in CONFUSABLE]
    if kind < 0.45 and spots:
        i = rng.choice(spots)
        return text[:i] + CONFUSABLE[text[i]] + text[i + 1:]
    i = rng.randrange(1, len(text))
    if kind < 0.65:
        return text[:i] + text[i + 1:]  # a letter left out
    if kind < 0.8:
        return text[:i] + text[i - 1] + text[i:]  # a letter typed twice
    if kind < 0.9:
        return text[:i] + rng.choice(TONES) + text[i:]  # a stray tone mark
    return text[:i] + rng.choice("กขคงจชดตทนบปพมยรลวสหอ") + text[i + 1:]


def _slip(rng: random.Random, digits: str) -> str:
    i = rng.randrange(1, len(digits))
    if rng.random() < 0.5 and i < len(digits) - 1:
        return digits[:i] + digits[i + 1] + digits[i] + digits[i + 2:]
    return digits[:i] + rng.choice([d for d in "0123456789" if d != digits[i]]) + digits[i + 1:]


def observe(child: Child, visit: int, rng: random.Random) -> dict[str, str]:
    later = visit > 0
    first = child.changed_first if (child.changed_first and later and rng.random() < 0.5) else child.first
    last = child.new_surname if (child.new_surname and later and rng.random() < 0.6) else child.last
    nick = child.nickname if rng.random() < 0.7 else ""
    if rng.random() < 0.08:
        first = _typo(rng, first)
    if rng.random() < 0.03:
        first, nick = child.nickname, (child.nickname if rng.random() < 0.5 else "")
    if rng.random() < 0.3:
        title = ("ด.ช." if child.sex == "M" else "ด.ญ.") if rng.random() < 0.6 else (
            "เด็กชาย" if child.sex == "M" else "เด็กหญิง")
        first = title + rng.choice(("", " ")) + first
    if rng.random() < 0.05:
        last = _typo(rng, last)
    if rng.random() < 0.01:
        last = ""
    if nick and rng.random() < 0.1:
        nick = "น้อง" + nick
    birth = ""
    b = child.birth
    r = rng.random()
    if r < 0.03:
        birth = ""
    elif r < 0.07:
        birth = f"{b.year}-{b.day:02d}-{b.month:02d}"  # day and month swapped
    elif r < 0.10:
        birth = f"{b.year}-{b.month:02d}-{min(28, max(1, b.day + rng.choice((-1, 1, 10)))):02d}"
    else:
        birth = b.isoformat()
    if birth and rng.random() < 0.2:
        birth = str(int(birth[:4]) + 543) + birth[4:]
    pid = ""
    if child.pid and rng.random() < 0.7:
        pid = child.pid if rng.random() < 0.96 else _slip(rng, child.pid)
        if pid[0] != "G" and rng.random() < 0.1:
            pid = f"{pid[0]}-{pid[1:5]}-{pid[5:10]}-{pid[10:12]}-{pid[12]}"
    guardian = child.guardian if rng.random() < 0.8 else ""
    if guardian and rng.random() < 0.05:
        guardian = _typo(rng, guardian)
    phone = child.phone if rng.random() < 0.7 else ""
    if phone and rng.random() < 0.1:
        phone = "+66 " + phone[1:3] + " " + phone[3:6] + " " + phone[6:]
    if phone and rng.random() < 0.03:
        phone = "0" + rng.choice("689") + "".join(rng.choice("0123456789") for _ in range(8))
    place, village = child.place, child.village
    if child.moved_to and later and rng.random() < 0.6:
        place, village = child.moved_to, str(rng.randint(1, 15))
    return {
        "national_id": pid,
        "first_name": first,
        "last_name": last,
        "nickname": nick,
        "birth_date": birth,
        "sex": child.sex if rng.random() < 0.9 else "",
        "guardian_name": guardian,
        "phone": phone,
        "lao_code": place[2] if rng.random() < 0.95 else "",
        "subdistrict_code": place[0] if rng.random() < 0.9 else "",
        "village_no": village if rng.random() < 0.9 else "",
        "visit_date": (date(2025, 6, 1) + timedelta(days=visit * 60 + rng.randrange(30))).isoformat(),
    }


def generate(children: int, seed: int) -> tuple[list[dict[str, str]], dict[str, str]]:
    """(rows in the pinned CSV shape, record_id → true child key), shuffled."""
    rng = random.Random(seed)
    rows: list[dict[str, str]] = []
    truth: dict[str, str] = {}
    for child in make_children(children, rng):
        visits = rng.choices(range(1, 9), weights=(18, 18, 18, 15, 12, 9, 6, 4))[0]
        for v in range(visits):
            rows.append(observe(child, v, rng))
            truth[str(len(rows))] = child.key
            rows[-1]["record_id"] = str(len(rows))
    order = list(range(len(rows)))
    rng.shuffle(order)
    out = []
    for new, old in enumerate(order, start=1):
        row = dict(rows[old])
        rid = f"r{new:07d}"
        truth[rid] = truth.pop(row["record_id"])
        row["record_id"] = rid
        out.append({c: row.get(c, "") for c in INPUT_COLUMNS})
    return out, truth


def write_csv(rows: list[dict[str, str]], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(INPUT_COLUMNS))
        w.writeheader()
        w.writerows(rows)


def write_truth(truth: dict[str, str], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["record_id", "true_child"])
        w.writerows(sorted(truth.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args()
    rows, truth = generate(args.children, args.seed)
    write_csv(rows, args.output)
    write_truth(truth, args.output.with_suffix(".truth.csv"))
    print(f"{len(rows)} records of {args.children} children → {args.output}")


if __name__ == "__main__":
    main()
