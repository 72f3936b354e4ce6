"""The home_visit instance Collect submits for a simulated visit (forms/xlsform/home_visit.xlsx)."""

from __future__ import annotations

import random
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from simulation.attributes import weighted
from simulation.case_xml import case_group, child_age, collect_header, yes_no
from simulation.noise import thai_date_text
from simulation.registration_xml import Node, render
from simulation.timeline import Visit

FORM_ID = "home_visit"
CASE = ("ch_name", "ch_status", "ch_next_due", "ch_registered", "ch_birth_year")
# Choices the form hides unless sensitive-data consent was given (the `sensitive` column).
SENSITIVE_CHOICES = frozenset({"DISABLED", "CHRONIC", "DISABILITY_ALLOWANCE", "HEALTH",
                               "PSYCHOSOCIAL"})
_NEEDS = {"IN_SCHOOL_AGE": ("RETURN_SCHOOL", "NFE", "SCHOLARSHIP", "FAMILY_SUPPORT"),
          "OLDER": ("NFE", "VOCATIONAL", "WORK", "SCHOLARSHIP", "FAMILY_SUPPORT")}
NEED_ORDER = ("RETURN_SCHOOL", "NFE", "VOCATIONAL", "WORK", "SCHOLARSHIP", "HEALTH", "DOCS",
              "FAMILY_SUPPORT", "PSYCHOSOCIAL", "OTHER")
_VOICES = ("อยากกลับไปเรียนกับเพื่อน", "อยากเรียน กศน. ไปด้วยทำงานไปด้วย", "อยากมีงานทำช่วยแม่",
           "ไม่มีค่ารถไปโรงเรียน", "อยากเรียนช่างยนต์", "อยากได้ชุดนักเรียนใหม่")


def _some(rng: random.Random, options: tuple[str, ...], low: int, high: int) -> str:
    """A select_multiple answer: distinct choice names in the order the form lists them."""
    picked = set(rng.sample(options, k=min(len(options), rng.randint(low, high))))
    return " ".join(o for o in options if o in picked)


def _in_order(answer: str, order: tuple[str, ...]) -> str:
    picked = set(answer.split())
    return " ".join(o for o in order if o in picked)


def _or_none(rng: random.Random, options: tuple[str, ...], none_share: float) -> str:
    return "NONE" if rng.random() < none_share else _some(rng, options, 1, 2)


def home_visit_tree(
    visit: Visit, *, entity_id: str, row: Mapping[str, str], lao: tuple[str, str, str]
) -> list[Node]:
    """The submission as nested (name, value) pairs in the form's instance order."""
    rng = random.Random(visit.instance_id)
    found = visit.visit_result == "FOUND"
    visit_date = visit.on.isoformat()
    nodes: list[Node] = [
        *collect_header(visit, lao),
        case_group(entity_id, row, CASE),
        ("visit", [("visit_date", visit_date), ("visit_result", visit.visit_result),
                   ("visit_ended", None if found else "")]),
    ]
    if found:
        nodes += _found(rng, visit, row)
    label = f"{row.get('full_name', '') or ''} · เยี่ยมบ้าน {visit_date}"
    nodes += [("instance_label", label),
              ("meta", [("instanceID", visit.instance_id), ("instanceName", label)])]
    return nodes


def _found(rng: random.Random, visit: Visit, row: Mapping[str, str]) -> list[Node]:
    age = child_age(row, visit.today)
    consent, assent = bool(visit.sensitive_consent), visit.sensitive_assent
    ok = consent and assent is not False
    size = rng.randint(1, 9) if rng.random() < 0.97 else rng.randint(10, 16)
    income = rng.randrange(0, 30_001, 500) if rng.random() < 0.9 else rng.randint(0, 60_000)
    # round(x, 0) in the form rounds halves up, as Decimal's ROUND_HALF_UP does.
    per_capita = int((Decimal(income) / Decimal(size)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    # Options in the form's order, without the sensitive ones unless consent allows them.
    dependants = (*(("DISABLED", "CHRONIC") if ok else ()), "ELDERLY", "NO_INCOME")
    welfare = ("STATE_CARD", "CHILD_GRANT", "EEF_GRANT", "ELDERLY_ALLOWANCE",
               *(("DISABILITY_ALLOWANCE",) if ok else ()), "OTHER")
    needs = _NEEDS["IN_SCHOOL_AGE" if age is None or age < 15 else "OLDER"]
    if ok and rng.random() < 0.15:
        needs = (*needs, rng.choice(("HEALTH", "PSYCHOSOCIAL")))
    if str(row.get("id_scheme", "")) in ("NONE", "UNKNOWN") or rng.random() < 0.05:
        needs = (*needs, "DOCS")
    voice = ""
    if rng.random() < 0.5:
        voice = rng.choice(_VOICES)
        if rng.random() < 0.3:  # dates in free text are where Buddhist-Era slips live
            voice += f" เคยเรียนถึง {thai_date_text(rng, visit.on.replace(year=visit.on.year - 1))}"
    nodes: list[Node] = [
        ("sensitive", [
            ("child_age", "" if age is None else str(age)),
            ("sensitive_notice", ""),
            ("sensitive_consent", yes_no(consent)),
            ("sensitive_assent", None if assent is None else yes_no(assent)),
            ("sensitive_ok", yes_no(ok)),
        ]),
        ("household", [
            ("hh_size", str(size)),
            ("hh_dependants", _or_none(rng, dependants, 0.45)),
            ("hh_income_month", str(income)),
            ("income_per_capita", str(per_capita)),
            ("low_income", yes_no(per_capita <= 3000)),
            ("income_note", ""),
            ("housing_tenure", weighted(rng, {"OWN": 0.55, "RENT": 0.15, "WITH_OTHERS": 0.18,
                                              "EMPLOYER": 0.07, "PUBLIC_LAND": 0.05})),
            ("housing_condition", weighted(rng, {"SOUND": 0.4, "WORN": 0.4, "DILAPIDATED": 0.15,
                                                 "NO_TOILET": 0.05})),
            ("farmland", weighted(rng, {"NONE": 0.6, "LT1": 0.2, "R1_5": 0.15, "GT5": 0.05})),
            ("water_source", weighted(rng, {"BOTTLED": 0.45, "TAP": 0.35, "WELL": 0.1,
                                            "RAIN": 0.07, "NATURAL": 0.03})),
            ("electricity", weighted(rng, {"METER": 0.8, "SHARED": 0.15, "OFFGRID": 0.04,
                                           "NONE": 0.01})),
            ("vehicles", _or_none(rng, ("CAR", "PICKUP", "FARM", "MOTORCYCLE", "BICYCLE"), 0.15)),
            ("appliances", _or_none(rng, ("FRIDGE", "TV", "WASHER", "AIRCON", "COMPUTER",
                                          "SMARTPHONE"), 0.05)),
            ("welfare_received", "" if rng.random() < 0.2 else _or_none(rng, welfare, 0.3)),
        ]),
        ("health", _health(rng) if ok else None),
        ("screening", [
            ("child_needs", _in_order(_some(rng, needs, 1, 3), NEED_ORDER)),
            ("child_voice", voice),
            ("screen_result", visit.screen_result),
        ]),
    ]
    return nodes


def _health(rng: random.Random) -> list[Node]:
    disability = weighted(rng, {"0": 0.9, "1": 0.06, "9": 0.04})
    return [
        ("has_disability", disability),
        ("disability_types", _some(rng, ("VISUAL", "HEARING", "PHYSICAL", "MENTAL", "INTELLECTUAL",
                                         "LEARNING", "AUTISM"), 1, 2)
         if disability == "1" else None),
        ("disability_card", yes_no(rng.random() < 0.6) if disability == "1" else None),
        ("chronic_illness", "" if rng.random() < 0.3 else weighted(rng, {"0": 0.85, "1": 0.1,
                                                                         "9": 0.05})),
        ("risk_flags", "" if rng.random() < 0.4 else _or_none(
            rng, ("PREGNANCY", "EARLY_MARRIAGE", "JUSTICE", "CHILD_LABOUR", "VIOLENCE",
                  "SUBSTANCE"), 0.85)),
    ]


def home_visit_xml(
    visit: Visit, *, entity_id: str, row: Mapping[str, str], lao: tuple[str, str, str],
    form_version: str,
) -> bytes:
    """The instance XML ODK Collect submits for this visit."""
    tree = home_visit_tree(visit, entity_id=entity_id, row=row, lao=lao)
    return render(tree, form_version=form_version, form_id=FORM_ID)
