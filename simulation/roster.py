"""The LAOs of a simulated round and their enumerators: everyone the simulation sends out."""

from __future__ import annotations

import random
from functools import cache

from pydantic import BaseModel, ConfigDict

from forms.media import read_laos
from simulation import thai

LAOS_PER_ROUND = 12


@cache
def _round_laos() -> tuple[tuple[str, str, str], ...]:
    """(dla_code, province, district) of every LAO below the province level in the region."""
    return tuple(
        (r["dla_code"], r["province_code"], r["district_code"])
        for r in read_laos()
        if r["province_code"] in thai.FIRST_ROUND_PROVINCES and r["district_code"]
    )


class Roster(BaseModel):
    """The LAOs of a simulated round and their enumerators, each with one phone."""

    model_config = ConfigDict(frozen=True)

    laos: tuple[tuple[str, str, str], ...]  # (dla_code, province, district)
    enumerators: dict[str, int]  # LAO code -> how many enumerators it has
    devices: dict[str, str]  # enumerator code -> Collect's deviceid

    def lao(self, code: str) -> tuple[str, str, str]:
        return next(lao for lao in self.laos if lao[0] == code)

    def enumerator_codes(self, lao_code: str) -> list[str]:
        return [f"{lao_code}-{k:02d}" for k in range(1, self.enumerators[lao_code] + 1)]


@cache
def roster(seed: int) -> Roster:
    """The seed's LAOs and enumerators; every part of the simulation draws people from here."""
    setup = random.Random(seed)
    laos = setup.sample(_round_laos(), LAOS_PER_ROUND)
    enumerators = {code: setup.randint(2, 4) for code, _, _ in laos}
    devices = {
        f"{code}-{k:02d}": "collect:" + "".join(
            setup.choices("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", k=16)
        )
        for code, count in enumerators.items()
        for k in range(1, count + 1)
    }
    return Roster(laos=tuple(laos), enumerators=enumerators, devices=devices)


def staff_rows(seed: int) -> list[dict[str, str]]:
    """The round's enumerators as roster rows (code, name, lao_code, role, phone), the way an LAO
    would list them; the code is the one their submissions carry (e.g. ``6810104-01``)."""
    from pythainlp.corpus import thai_family_names, thai_female_names, thai_male_names

    given = sorted(thai_female_names()) + sorted(thai_male_names())
    family = sorted(thai_family_names())
    staff = roster(seed)
    rng = random.Random(f"staff-{seed}")
    rows = []
    for lao_code, _, _ in staff.laos:
        for code in staff.enumerator_codes(lao_code):
            rows.append({"code": code, "name": f"{rng.choice(given)} {rng.choice(family)}",
                         "lao_code": lao_code, "role": "enumerator",
                         "phone": "0" + rng.choice("689") + "".join(rng.choices("0123456789", k=8))})
    return rows
