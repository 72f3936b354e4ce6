"""The engine tests catch a broken form: copies with one rule removed fail the same checks."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from connectors.xlsform import convert
from forms.paths import form_paths
from tests.engine.ids import generated_ids, id_disagreements, id_sweep
from tests.engine.runner import run_cases
from tests.engine.scenarios import Scenario, check
from tests.engine.test_home_visit import SCENARIOS as VISIT_SCENARIOS
from tests.engine.test_registration_consent import SCENARIOS as CONSENT_SCENARIOS

pytestmark = pytest.mark.usefixtures("engine_ready")


def mutated_xml(tmp_path: Path, form_id: str, question: str, column: str, value: str) -> str:
    """The form converted after setting one survey cell of `question` to `value`, in a copy."""
    source = next(p for p in form_paths() if p.stem == form_id)
    wb = load_workbook(source)
    ws = wb["survey"]
    header = [c.value for c in ws[1]]
    row = next(r[0].row for r in ws.iter_rows(min_row=2) if r[header.index("name")].value == question)
    cell = ws.cell(row=row, column=header.index(column) + 1)
    assert cell.value != value, "the mutation must change the form"
    cell.value = value
    target = tmp_path / source.name
    wb.save(target)
    return convert(target).xml


def scenario(scenarios: list[Scenario], sid: str) -> Scenario:
    return next(s for s in scenarios if s.id == sid)


def test_id_constraint_without_check_digit_is_caught(tmp_path: Path, small_media: Path) -> None:
    xml = mutated_xml(tmp_path, "child_registration", "national_id", "constraint", "regex(., '^[0-9]{13}$')")
    values = [*[v for vs in generated_ids().values() for v in vs][::3], "1101700230703"]
    result = run_cases(xml, [id_sweep("TH_PID", values)], small_media)["TH_PID"]
    wrong = id_disagreements(result)
    assert any(line.startswith("1101700230703: form (True,") for line in wrong), wrong[:5]


def test_consent_ignoring_assent_is_caught(tmp_path: Path, small_media: Path) -> None:
    xml = mutated_xml(tmp_path, "child_registration", "consent_ok", "calculation",
                      "if(${consent_given} = '1', '1', '0')")
    refusal = scenario(CONSENT_SCENARIOS, "age19-child-refuses")
    result = run_cases(xml, [refusal.case()], small_media)[refusal.id]
    with pytest.raises(AssertionError, match=r"/data/child\.relevant: engine True, designed False"):
        check(refusal, result)


def test_health_without_sensitive_consent_is_caught(tmp_path: Path, small_media: Path) -> None:
    xml = mutated_xml(tmp_path, "home_visit", "health", "relevant", "${visit_result} = 'FOUND'")
    refused = scenario(VISIT_SCENARIOS, "young-refuses")
    result = run_cases(xml, [refused.case()], small_media)[refused.id]
    with pytest.raises(AssertionError, match=r"/data/health\.relevant: engine True, designed False"):
        check(refused, result)
