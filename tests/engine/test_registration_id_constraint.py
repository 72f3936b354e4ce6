"""The registration form's ID and G-code checks, run in ODK's engine, agree with warehouse.identifiers."""

from __future__ import annotations

import pytest

from forms.paths import MEDIA_DIR
from tests.engine.ids import (
    CONFIRM,
    CONSENTED,
    NID,
    generated_g_codes,
    generated_ids,
    id_disagreements,
    id_sweep,
)
from tests.engine.runner import Case, CaseResult, run_cases
from warehouse.identifiers import normalize_identifier, validate_g_code, validate_thai_id

pytestmark = pytest.mark.usefixtures("engine_ready")

G_CODE = "/data/child/g_code"


@pytest.fixture(scope="module")
def id_sweeps(registration_xml: str) -> dict[str, CaseResult]:
    """Every generated ID entered in turn, once as a Thai ID and once as a non-Thai one."""
    values = [v for vs in generated_ids().values() for v in vs]
    cases = [id_sweep(scheme, values) for scheme in ("TH_PID", "NONTHAI_PID")]
    cases.append(Case(
        id="GCODE", set=[*CONSENTED, ["/data/child/id_scheme", "GCODE"]], read=[G_CODE, NID],
        sweep_path=G_CODE,
        sweep_values=[v for vs in generated_g_codes().values() for v in vs],
    ))
    # The full media files: this also proves the real place lists load in the engine.
    return run_cases(registration_xml, cases, MEDIA_DIR)


def test_generated_ids_cover_every_kind() -> None:
    ids = generated_ids()
    assert sum(map(len, ids.values())) >= 1000
    verdicts = {kind: [validate_thai_id(v) for v in values] for kind, values in ids.items()}
    for v in [*ids["valid_1_to_8"], *ids["not_13_digits"]]:
        assert normalize_identifier(v) == v  # the form sees exactly what the validator sees
    assert all(v.valid for v in verdicts["valid_1_to_8"])
    assert not any(v.valid for v in verdicts["not_13_digits"])
    # Most single-digit errors and swaps are caught; a few slip through the mod-11 check.
    wrong = verdicts["one_digit_wrong"] + verdicts["adjacent_swap"]
    assert sum(not v.valid for v in wrong) > 0.8 * len(wrong)
    assert all(v.valid for v in verdicts["zero_series_check_fails"] + verdicts["nine_series_check_fails"])


@pytest.mark.parametrize("scheme", ["TH_PID", "NONTHAI_PID"])
def test_id_constraint_agrees_with_the_python_validator(
    id_sweeps: dict[str, CaseResult], scheme: str
) -> None:
    result = id_sweeps[scheme]
    result.raise_error()
    assert len(result.sweep) >= 1000
    disagreements = id_disagreements(result)
    assert disagreements == [], f"{len(disagreements)} IDs disagree:\n" + "\n".join(disagreements[:20])


def test_id_verdicts_cover_both_outcomes(id_sweeps: dict[str, CaseResult]) -> None:
    """Guard against a vacuous agreement: the form both refused and accepted, asked and did not ask."""
    reads = [r for _, r in id_sweeps["TH_PID"].sweep]
    refused = sum(not r[NID]["constraint"] for r in reads)
    asked = sum(r[CONFIRM]["relevant"] for r in reads)
    assert 300 < refused < len(reads) - 300
    assert 100 < asked < len(reads) - 300


def test_refused_id_shows_the_thai_message(id_sweeps: dict[str, CaseResult]) -> None:
    refused = next(r[NID] for v, r in id_sweeps["TH_PID"].sweep if v == "1101700230703")
    assert refused["constraint"] is False
    assert refused["message"] and any("\u0e00" <= ch <= "\u0e7f" for ch in refused["message"])


def test_g_code_pattern_agrees_with_the_python_validator(id_sweeps: dict[str, CaseResult]) -> None:
    result = id_sweeps["GCODE"]
    result.raise_error()
    codes = generated_g_codes()
    assert len(result.sweep) == sum(map(len, codes.values()))
    for value, reads in result.sweep:
        assert normalize_identifier(value) == value
        assert reads[G_CODE]["relevant"] is True
        assert reads[NID]["relevant"] is False  # a G-code child is not asked for a 13-digit ID
        assert reads[G_CODE]["constraint"] is validate_g_code(value).valid, value
    accepted = {v for v, r in result.sweep if r[G_CODE]["constraint"]}
    assert accepted == set(codes["valid"])
