"""Entry noise the forms still accept (DOMAIN §3.2, §2.5, §8.2): spelling variants, nicknames, slips."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from simulation import thai
from simulation.attributes import geopoint, house_no, phone, prefix_for, weighted
from simulation.generator import (
    Roster,
    SyntheticChild,
    completed_years,
    registration_instance_id,
    subdistrict_codes,
)
from warehouse.identifiers import th_id_check_digit

SECOND_REGISTRATION_SHARE = 0.05  # children registered again by an enumerator who did not know

# Letters Thai writers confuse in names (DOMAIN §3.2): similar consonants, doubled or silent
# letters, vowel forms and karan endings. Each pair is (as registered, as typed the second time).
_SPELLING: tuple[tuple[str, str], ...] = (
    ("ธ", "ท"), ("ท", "ธ"), ("ณ", "น"), ("น", "ณ"), ("ศ", "ส"), ("ษ", "ส"), ("ส", "ศ"),
    ("พ", "ภ"), ("ภ", "พ"), ("ตติ", "ติ"), ("ณฐ", "ฏฐ"), ("รร", "ัน"), ("ษ์", "ศ์"), ("ศ์", "ษ์"),
)
THAI_MONTHS = ("ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.",
               "พ.ย.", "ธ.ค.")


def spelling_variant(rng: random.Random, name: str) -> str | None:
    """The name with one confusable spelling swapped, or None if it has none."""
    options = [(a, b) for a, b in _SPELLING if a in name]
    if not options:
        return None
    old, new = rng.choice(options)
    at = rng.choice([i for i in range(len(name)) if name.startswith(old, i)])
    return name[:at] + new + name[at + len(old):]


def thai_date_text(rng: random.Random, day: date) -> str:
    """A date as an enumerator types it in free text: usually Buddhist Era, sometimes a slip.

    Slips (DOMAIN §2.5): the Gregorian year where BE is meant, or a two-digit BE year.
    """
    style = weighted(rng, {"be": 0.75, "ce_slip": 0.12, "short_be": 0.13})
    if style == "ce_slip":
        return f"{day.day} {THAI_MONTHS[day.month - 1]} {day.year}"
    if style == "short_be":
        return f"{day.day}/{day.month}/{(day.year + 543) % 100:02d}"
    return f"{day.day} {THAI_MONTHS[day.month - 1]} {day.year + 543}"


def _age_band(age: int) -> int:
    # Consent rules change at 10 and 20 (§5.2); a second registration keeps the band.
    return 0 if age < 10 else (1 if age < 20 else 2)


def second_registration(
    rng: random.Random, child: SyntheticChild, staff: Roster, *, seed: int, as_of: date
) -> SyntheticChild | None:
    """The same child registered again weeks later by another enumerator, with variations."""
    if not child.consent_ok:
        return None
    day = child.today + timedelta(days=rng.randint(10, 120))
    if day > as_of:
        return None
    age = completed_years(child.birth_date, day) if child.birth_date else child.consent_age
    if _age_band(age) != _age_band(child.consent_age):
        return None
    lao = staff.lao(child.lao_code)
    if rng.random() < 0.3:  # a neighbouring LAO's enumerator, at school or on the road
        nearby = [x for x in staff.laos if x[0] != lao[0] and x[1] == lao[1]]
        lao = rng.choice(nearby or [x for x in staff.laos if x[0] != lao[0]])
    enumerator = rng.choice([e for e in staff.enumerator_codes(lao[0]) if e != child.enumerator])
    start = datetime.combine(day, child.start.timetz()) + timedelta(minutes=rng.randint(-90, 90))
    base = child.model_copy(update={
        "instance_id": registration_instance_id(seed, child.index, duplicate=True),
        "registration": 1, "enumerator": enumerator, "deviceid": staff.devices[enumerator],
        "start": start, "end": start + timedelta(minutes=rng.randint(8, 25)), "today": day,
        "lao_code": lao[0], "lao_province": lao[1], "lao_district": lao[2], "consent_age": age,
    })
    changes: dict[str, object] = {}
    applied: list[str] = []
    candidates = _variations(rng, base)
    for name in rng.sample(sorted(candidates), k=min(len(candidates), rng.randint(1, 3))):
        changes.update(candidates[name])
        applied.append(name)
    varied = base.model_copy(update={**changes, "variations": tuple(sorted(applied))})
    if varied.age_years != child.age_years:  # e.g. turned 15: ด.ช. becomes นาย
        varied = varied.model_copy(update={"prefix": prefix_for(rng, varied.sex, varied.age_years)})
    return varied


def moved_registration(
    rng: random.Random,
    child: SyntheticChild,
    staff: Roster,
    *,
    lao: tuple[str, str, str],
    day: date,
    seed: int,
) -> SyntheticChild | None:
    """The child registered by an enumerator of the LAO the family moved to: a new address there,
    sometimes entered a little differently. None if the consent rules changed meanwhile."""
    age = completed_years(child.birth_date, day) if child.birth_date else child.consent_age
    if _age_band(age) != _age_band(child.consent_age):
        return None
    enumerator = rng.choice(staff.enumerator_codes(lao[0]))
    start = datetime.combine(day, child.start.timetz()) + timedelta(minutes=rng.randint(-90, 90))
    base = child.model_copy(update={
        "instance_id": registration_instance_id(seed, child.index, duplicate=True),
        "registration": 1, "enumerator": enumerator, "deviceid": staff.devices[enumerator],
        "start": start, "end": start + timedelta(minutes=rng.randint(8, 25)), "today": day,
        "lao_code": lao[0], "lao_province": lao[1], "lao_district": lao[2], "consent_age": age,
        "province_code": lao[1], "district_code": lao[2],
        "subdistrict_code": rng.choice(subdistrict_codes(lao[2])),
        "house_no": house_no(rng), "moo": rng.randint(1, 15),
        "village_name": "บ้าน" + rng.choice(thai.VILLAGE_WORDS), "geopoint": geopoint(rng),
        "residence_status": "PRESENT",
    })
    candidates = _variations(rng, base)
    names = rng.sample(sorted(candidates), k=min(len(candidates), rng.randint(0, 2)))
    changes = {k: v for name in names for k, v in candidates[name].items()}
    varied = base.model_copy(update={**changes, "variations": ("moved", *sorted(names))})
    if varied.age_years != child.age_years:
        varied = varied.model_copy(update={"prefix": prefix_for(rng, varied.sex, varied.age_years)})
    return varied


def _variations(rng: random.Random, c: SyntheticChild) -> dict[str, dict[str, object]]:
    """Every variation that applies to this child, each a set of changed answers."""
    out: dict[str, dict[str, object]] = {}
    for field in ("first_name", "last_name"):
        variant = spelling_variant(rng, getattr(c, field))
        if variant:
            out[f"spelling_{field}"] = {field: variant}
    if c.nickname:  # the name everyone uses, typed where the registered name belongs
        out["nickname_as_first_name"] = {"first_name": c.nickname, "nickname": None}
    if c.national_id or c.g_code:
        out["id_not_at_hand"] = {"id_scheme": "UNKNOWN", "national_id": None, "g_code": None,
                                 "id_flaw": None}
    nid = c.national_id
    if nid and nid[0] not in "09":
        # The third digit carries weight 11 ≡ 0 (mod 11): a slip there passes the check digit.
        wrong = rng.choice([d for d in "0123456789" if d != nid[2]])
        out["id_digit3_mistyped"] = {"national_id": nid[:2] + wrong + nid[3:],
                                     "id_flaw": "digit3_mistyped"}
    if nid and nid[0] == "0":
        # Two digits swapped; 0-series numbers failing the check are accepted once confirmed.
        at = rng.randint(1, 10)
        swapped = nid[:at] + nid[at + 1] + nid[at] + nid[at + 2:]
        if swapped != nid and th_id_check_digit(swapped[:12]) != int(swapped[12]):
            out["id_digits_swapped"] = {"national_id": swapped, "id_flaw": "check_digit_0_series"}
    if c.birth_date_precision == "DAY" and c.birth_date:
        out["birth_year_only"] = {"birth_date_precision": "YEAR",
                                  "birth_date": date(c.birth_date.year, 1, 1)}
    if c.house_no and "/" in c.house_no:
        out["house_no_main_only"] = {"house_no": c.house_no.split("/")[0]}
    if c.village_name and c.village_name.startswith("บ้าน"):
        out["village_without_ban"] = {"village_name": c.village_name.removeprefix("บ้าน")}
    out["other_phone"] = {"guardian_phone": phone(rng) if rng.random() < 0.6 else None}
    return out
