"""Seeded 13-digit IDs and G-codes of every kind the registration form must tell apart."""

from __future__ import annotations

import random
from typing import Any

from tests.engine.runner import Case, CaseResult
from warehouse.identifiers import th_id_check_digit, validate_thai_id

NID = "/data/child/national_id"
CONFIRM = "/data/child/id_confirm"
CHECK_OK = "/data/child/id_check_ok"
# A father consenting for an 8-year-old opens the child group (README decision 3).
CONSENTED: list[Any] = [
    ["/data/consent/consent_age", "8"],
    ["/data/consent/consent_by", "FATHER"],
    ["/data/consent/consent_given", "1"],
]
ASKS_CONFIRMATION = {"check_digit_0_series", "reserved_series"}

# Real DOPA province codes for digits 2–3, plus a few that are not (the check digit never sees digit 3).
PROVINCE_CODES = ("10", "11", "50", "57", "63", "81", "90", "96")
NOT_PROVINCES = ("00", "29", "59", "99")


def _with_check_digit(first12: str) -> str:
    return first12 + str(th_id_check_digit(first12))


def _valid(rng: random.Random, first: str) -> str:
    province = rng.choice(PROVINCE_CODES if rng.random() < 0.9 else NOT_PROVINCES)
    rest = "".join(rng.choice("0123456789") for _ in range(9))
    return _with_check_digit(first + province + rest)


def _one_digit_wrong(rng: random.Random, good: str) -> str:
    i = rng.randrange(13)
    digit = rng.choice([d for d in "0123456789" if d != good[i]])
    return good[:i] + digit + good[i + 1:]


def _adjacent_swap(rng: random.Random, good: str) -> str:
    positions = [i for i in range(12) if good[i] != good[i + 1]]
    i = rng.choice(positions)
    return good[:i] + good[i + 1] + good[i] + good[i + 2:]


def _failing_check(rng: random.Random, first: str) -> str:
    good = _valid(rng, first)
    return good[:12] + str((int(good[12]) + rng.randrange(1, 10)) % 10)


def generated_ids(seed: int = 20261130) -> dict[str, list[str]]:
    """IDs by kind; 1,203 in all with this seed, unique within each kind."""
    rng = random.Random(seed)
    series = "12345678"
    valid = [_valid(rng, rng.choice(series)) for _ in range(300)]
    kinds: dict[str, list[str]] = {
        "valid_1_to_8": valid,
        "one_digit_wrong": [_one_digit_wrong(rng, rng.choice(valid)) for _ in range(300)],
        "adjacent_swap": [_adjacent_swap(rng, rng.choice(valid)) for _ in range(250)],
        "zero_series_check_ok": [_valid(rng, "0") for _ in range(80)],
        "zero_series_check_fails": [_failing_check(rng, "0") for _ in range(80)],
        "nine_series_check_ok": [_valid(rng, "9") for _ in range(60)],
        "nine_series_check_fails": [_failing_check(rng, "9") for _ in range(60)],
        "not_13_digits": (
            [_valid(rng, rng.choice(series))[:12] for _ in range(25)]
            + [_valid(rng, rng.choice(series)) + rng.choice("0123456789") for _ in range(25)]
            + [_letter_inside(rng, _valid(rng, rng.choice(series))) for _ in range(25)]
        ),
    }
    # The famous near-miss of DOMAIN §2.1 and its valid neighbour.
    kinds["valid_1_to_8"] += ["1101700230708", "1112034563562", "3100600445635", "1234545678781"]
    kinds["one_digit_wrong"] += ["1101700230703"]
    return {kind: list(dict.fromkeys(values)) for kind, values in kinds.items()}


def _letter_inside(rng: random.Random, good: str) -> str:
    i = rng.randrange(13)
    return good[:i] + rng.choice("AOX") + good[i + 1:]


def generated_g_codes(seed: int = 20261130) -> dict[str, list[str]]:
    """G-codes that fit the pattern and near misses (wrong length, wrong letter, a letter inside)."""
    rng = random.Random(seed)

    def digits(n: int) -> str:
        return "".join(rng.choice("0123456789") for _ in range(n))

    return {
        "valid": [f"G{digits(12)}" for _ in range(40)],
        "invalid": (
            [f"G{digits(11)}" for _ in range(8)]
            + [f"G{digits(13)}" for _ in range(8)]
            + [f"{rng.choice('HKX0')}{digits(12)}" for _ in range(8)]
            + [f"G{digits(5)}O{digits(6)}" for _ in range(8)]
            + [digits(13) for _ in range(8)]
        ),
    }


def expected_id_verdict(raw: str) -> tuple[bool, bool, str]:
    """(accepted, confirmation asked, id_check_ok) as README decision 4 derives them from the validator."""
    verdict = validate_thai_id(raw)
    confirm = verdict.valid and any(w.code in ASKS_CONFIRMATION for w in verdict.warnings)
    well_formed = len(raw) == 13 and raw.isdigit()
    check_ok = well_formed and th_id_check_digit(raw[:12]) == int(raw[12])
    return verdict.valid, confirm, "1" if check_ok else "0"


def id_sweep(scheme: str, values: list[str]) -> Case:
    """Each value typed into national_id in turn, on a consented form with this ID scheme."""
    return Case(id=scheme, set=[*CONSENTED, ["/data/child/id_scheme", scheme]],
                read=[NID, CONFIRM, CHECK_OK], sweep_path=NID, sweep_values=values)


def id_disagreements(result: CaseResult) -> list[str]:
    """IDs where the form's (accepted, confirmation asked, check_ok) differ from the validator's."""
    result.raise_error()
    out = []
    for value, reads in result.sweep:
        assert reads[NID]["value"] == value and reads[NID]["relevant"], value
        got = (reads[NID]["constraint"], reads[CONFIRM]["relevant"], reads[CHECK_OK]["value"] or "0")
        want = expected_id_verdict(value)
        if got != want:
            out.append(f"{value}: form {got}, validator {want}")
    return out
