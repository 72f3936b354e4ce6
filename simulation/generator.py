"""Seeded synthetic Thai children and the registration submissions Collect would send for them."""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, timedelta, timezone
from functools import cache
from typing import Any

import geothai
from pydantic import BaseModel, ConfigDict

from simulation import thai
from simulation.attributes import (
    education,
    geopoint,
    house_no,
    identifier,
    lives_with,
    phone,
    prefix_for,
    weighted,
)
from simulation.registration_xml import (
    FORM_ID,
    MalformedKind,
    malformed_xml,
    submission_xml,
)
from simulation.roster import Roster, roster

__all__ = [
    "AS_OF",
    "FORM_ID",
    "MalformedKind",
    "Roster",
    "SyntheticChild",
    "generate_children",
    "malformed_registration_xml",
    "registration_instance_id",
    "registration_xml",
    "roster",
    "simulated_uuid",
]

AS_OF = date(2026, 11, 30)
ICT = timezone(timedelta(hours=7))  # Thailand has no daylight saving
NAMESPACE = uuid.UUID("5b7c3a0e-2f41-4c1e-9a56-0d1c6b8e7f21")  # odksync synthetic data
REGISTRATION_DAYS = 300  # the first round registered children over ten months


class SyntheticChild(BaseModel):
    """One simulated registration: the answers an enumerator would enter in Collect."""

    model_config = ConfigDict(frozen=True)

    index: int
    instance_id: str  # uuid:… as Collect writes it; deterministic from the seed
    enumerator: str  # code, e.g. 6810104-01; Collect's "username" setting
    deviceid: str
    start: datetime
    end: datetime
    today: date
    lao_code: str
    lao_province: str
    lao_district: str
    consent_age: int
    consent_by: str
    consent_given: bool
    child_assent: bool | None
    consent_scope: tuple[str, ...] = ()
    id_scheme: str = "NONE"
    national_id: str | None = None
    id_flaw: str | None = None  # designed defect the form cannot catch, for warehouse tests
    g_code: str | None = None
    sex: str = "M"
    birth_date_precision: str = "DAY"
    birth_date: date | None = None
    prefix: str = "MSTR"
    first_name: str = ""
    last_name: str = ""
    nickname: str | None = None
    former_names: str | None = None
    nationality_status: str = "TH"
    house_no: str | None = None
    moo: int | None = None
    village_name: str | None = None
    province_code: str = ""
    district_code: str = ""
    subdistrict_code: str = ""
    geopoint: str | None = None
    residence_status: str = "PRESENT"
    guardian_relationship: str = "MOTHER"
    guardian_name: str | None = None
    guardian_phone: str | None = None
    lives_with: str = "BOTH_PARENTS"
    ever_enrolled: bool = True
    oos_category: str = "DROPOUT"
    highest_level: str | None = None
    last_school: str | None = None
    year_left_be: int | None = None
    leave_reasons: tuple[str, ...] = ()
    urgent: bool = False
    registration: int = 0  # 1: the same child registered again by another enumerator
    variations: tuple[str, ...] = ()  # how a second registration differs (simulation.noise)

    @property
    def consent_ok(self) -> bool:
        """The form's consent_ok: consent, plus the child's assent from 10 to 19."""
        needs_assent = 10 <= self.consent_age < 20
        return self.consent_given and (not needs_assent or bool(self.child_assent))

    @property
    def age_years(self) -> int:
        """Completed years at the visit, as the form's age_years computes it."""
        if self.birth_date is None or self.birth_date_precision == "EST":
            return self.consent_age
        return completed_years(self.birth_date, self.today)


def completed_years(born: date, on: date) -> int:
    """Age in completed years, the way the form compares '%m%d' strings."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


@cache
def _names() -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    from pythainlp.corpus import thai_family_names, thai_female_names, thai_male_names

    # The corpora are sets; sort them so a seed always picks the same names.
    return (
        tuple(sorted(thai_male_names())),
        tuple(sorted(thai_female_names())),
        tuple(sorted(thai_family_names())),
    )


def subdistrict_codes(district: str) -> list[str]:
    return [s.code for s in geothai.subdistricts(district)]


def generate_children(n: int, seed: int, *, as_of: date = AS_OF) -> list[SyntheticChild]:
    """n children registered in the months before as_of; child i is the same whatever n is."""
    staff = roster(seed)
    children = []
    for i in range(n):
        rng = random.Random(seed * 1_000_003 + i)
        lao = rng.choice(staff.laos)
        enumerator = f"{lao[0]}-{rng.randint(1, staff.enumerators[lao[0]]):02d}"
        instance_id = registration_instance_id(seed, i)
        children.append(
            _child(rng, i, instance_id, lao, enumerator, staff.devices[enumerator], as_of)
        )
    return children


def registration_instance_id(seed: int, index: int, *, duplicate: bool = False) -> str:
    """Collect's instanceID for a child's registration, fixed by the seed so reruns add nothing."""
    key = f"registration/{seed}/{index}" + ("/again" if duplicate else "")
    return f"uuid:{simulated_uuid(key)}"


def simulated_uuid(key: str, namespace: uuid.UUID = NAMESPACE) -> str:
    """A uuid fixed by a key: the simulation's stand-in for Collect's uuid().

    Shaped as version 4 (random), as Collect's are: Central refuses entity ids of other versions.
    """
    return str(uuid.UUID(bytes=uuid.uuid5(namespace, key).bytes, version=4))


def _age(rng: random.Random) -> int:
    band = weighted(rng, {"school": 0.9, "young": 0.04, "youth": 0.06})
    if band == "young":
        return rng.randint(3, 5)
    if band == "youth":
        return rng.randint(19, 24)
    return rng.randint(6, 18)


def _child(
    rng: random.Random,
    index: int,
    instance_id: str,
    lao: tuple[str, str, str],
    enumerator: str,
    deviceid: str,
    as_of: date,
) -> SyntheticChild:
    lao_code, lao_province, lao_district = lao
    # Registrations spread over the round's months, more of them early on (the initial survey).
    days_back = 1 + int(REGISTRATION_DAYS * rng.random() ** 0.6)
    start = datetime.combine(
        as_of - timedelta(days=days_back), datetime.min.time(), ICT
    ) + timedelta(hours=rng.randint(8, 16), minutes=rng.randint(0, 59), seconds=rng.randint(0, 59))
    end = start + timedelta(minutes=rng.randint(8, 25), seconds=rng.randint(0, 59))
    today = start.date()
    born = today - timedelta(days=365 * _age(rng) + rng.randint(0, 364))
    age = completed_years(born, today)
    guardian_rel = weighted(rng, {"MOTHER": 35, "GRANDPARENT": 25, "FATHER": 20, "RELATIVE": 10,
                                   "SIBLING": 3, "FOSTER": 3, "LEGAL_GUARDIAN": 2, "OTHER": 2})
    if age >= 18 and rng.random() < 0.3:
        guardian_rel = "SELF"
    if age >= 20:
        consent_by = "SELF"
    elif age < 10 and guardian_rel not in ("FATHER", "MOTHER", "LEGAL_GUARDIAN"):
        consent_by = "LEGAL_GUARDIAN"  # grandparents raising a child usually hold guardianship
    else:
        consent_by = guardian_rel if guardian_rel != "SELF" else "MOTHER"
    consent_given = rng.random() > 0.03
    assent = (rng.random() > 0.02) if consent_given and 10 <= age < 20 else None
    base: dict[str, Any] = {
        "index": index, "instance_id": instance_id, "enumerator": enumerator,
        "deviceid": deviceid, "start": start, "end": end, "today": today, "lao_code": lao_code,
        "lao_province": lao_province, "lao_district": lao_district, "consent_age": age,
        "consent_by": consent_by, "consent_given": consent_given, "child_assent": assent,
    }
    if not consent_given or assent is False:
        return SyntheticChild.model_validate(base)
    personal = _personal(rng, born, age, today, lao_district, guardian_rel)
    return SyntheticChild.model_validate({**base, **personal})


def _personal(
    rng: random.Random, born: date, age: int, today: date, district: str, guardian_rel: str
) -> dict[str, Any]:
    males, females, surnames = _names()
    sex = weighted(rng, {"M": 0.55, "F": 0.44, "X": 0.01})
    first = rng.choice(females if sex == "F" else males)
    last = rng.choice(surnames)
    precision = weighted(rng, {"DAY": 0.85, "MONTH": 0.05, "YEAR": 0.05, "EST": 0.05})
    birth_date: date | None = {
        "DAY": born, "MONTH": born.replace(day=1), "YEAR": date(born.year, 1, 1), "EST": None,
    }[precision]
    age_years = completed_years(birth_date, today) if birth_date else age
    ids = identifier(rng, district)
    subdistrict = rng.choice(subdistrict_codes(district))
    ever = ids["id_scheme"] != "NONE" or rng.random() < 0.5
    ever = ever and rng.random() > 0.08
    guardian_first = rng.choice(males if guardian_rel in ("FATHER",) else females)
    guardian_last = last if guardian_rel in ("FATHER", "MOTHER", "GRANDPARENT", "SIBLING") \
        else rng.choice(surnames)
    return {
        **ids,
        "consent_scope": tuple(s for s in ("SHARE_EEF", "CONTACT_FOLLOWUP") if rng.random() < 0.9),
        "sex": sex, "birth_date_precision": precision, "birth_date": birth_date,
        "prefix": prefix_for(rng, sex, age_years),
        "first_name": first, "last_name": last,
        "nickname": rng.choice(thai.NICKNAMES) if rng.random() < 0.85 else None,
        "former_names": f"{rng.choice(males if sex == 'M' else females)} {last}"
        if rng.random() < 0.04 else None,
        "house_no": house_no(rng) if rng.random() < 0.92 else None,
        "moo": rng.randint(1, 15) if rng.random() < 0.9 else None,
        "village_name": "บ้าน" + rng.choice(thai.VILLAGE_WORDS) if rng.random() < 0.8 else None,
        "province_code": district[:2], "district_code": district, "subdistrict_code": subdistrict,
        "geopoint": geopoint(rng) if rng.random() < 0.8 else None,
        "residence_status": weighted(rng, {"PRESENT": 0.95, "MOVED": 0.05}),
        "guardian_relationship": guardian_rel,
        "guardian_name": None if guardian_rel == "SELF" else f"{guardian_first} {guardian_last}",
        "guardian_phone": phone(rng) if rng.random() < 0.85 else None,
        "lives_with": lives_with(rng, guardian_rel),
        **education(rng, ever, age_years, today),
        "urgent": rng.random() < 0.1,
    }


def registration_xml(child: SyntheticChild, *, form_version: str, instance_id: str) -> bytes:
    """The instance XML ODK Collect submits for this child (non-relevant questions left out)."""
    return submission_xml(child, form_version=form_version, instance_id=instance_id)


def malformed_registration_xml(
    kind: MalformedKind, child: SyntheticChild, *, form_version: str, instance_id: str
) -> bytes:
    """A submission broken in one named way, for tests of the server and the normaliser."""
    return malformed_xml(kind, child, form_version=form_version, instance_id=instance_id)
