"""The saved model, training without labels, the bench's scorer and generator."""

from __future__ import annotations

import json
import random

import pytest

from bench.matching.generate import generate, make_children
from bench.matching.score import score
from warehouse.matching.engine import match_records, train_on
from warehouse.matching.model import MODEL_PATH, Model
from warehouse.matching.prepare import prepare
from warehouse.matching.settings import COMPARISONS
from warehouse.matching.text import fold


def test_saved_model_covers_every_comparison_and_round_trips() -> None:
    doc = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    assert list(doc["comparisons"]) == [c.name for c in COMPARISONS]
    for comp in COMPARISONS:
        assert {int(k) for k in doc["comparisons"][comp.name]} == set(comp.levels)
    model = Model.load()
    assert Model.from_json(model.to_json()).to_json() == model.to_json()
    # Agreeing on a given name is evidence for, a different one against.
    assert model.weight(0, 6) > 5 > 0 > model.weight(0, 0)


def test_training_without_labels_learns_what_agreement_means() -> None:
    rows, _ = generate(300, 11)
    model = train_on([prepare(r) for r in rows])
    birth = [c.name for c in COMPARISONS].index("birth_date")
    assert model.m[birth][5] > 0.6  # records of one child mostly share the birth date
    assert model.u[birth][5] < 0.01  # two children rarely do
    assert model.weight(birth, 5) > model.weight(birth, 3) > model.weight(birth, 0)


def test_scorer_pairwise_and_bcubed() -> None:
    truth = {"a": "1", "b": "1", "c": "1", "d": "2"}
    perfect = score(truth, truth)
    assert (perfect.precision, perfect.recall, perfect.f1, perfect.bcubed_f1) == (1.0, 1.0, 1.0, 1.0)
    merged = score({"a": "x", "b": "x", "c": "x", "d": "x"}, truth)
    assert (merged.true_pairs, merged.predicted_pairs, merged.correct_pairs) == (3, 6, 3)
    assert merged.precision == 0.5 and merged.recall == 1.0
    split = score({"a": "x", "b": "x", "c": "y", "d": "z"}, truth)
    assert split.precision == 1.0 and round(split.recall, 4) == round(1 / 3, 4)
    assert round(split.bcubed_recall, 4) == round((2 / 3 + 2 / 3 + 1 / 3 + 1) / 4, 4)


def test_generator_is_seeded_and_has_twins_and_siblings() -> None:
    rows, truth = generate(400, 5)
    again, truth_again = generate(400, 5)
    assert rows == again and truth == truth_again
    assert len(set(truth.values())) == 400 and len(rows) > 400
    children = {c.key: c for c in make_children(400, random.Random(5))}
    siblings = [(c, children[k]) for c in children.values() for k in c.siblings if k in children]
    assert siblings
    twins = [(a, b) for a, b in siblings if a.birth == b.birth]
    assert twins and all(fold(a.first) != fold(b.first) for a, b in twins)
    assert any(r["birth_date"][:4].isdigit() and int(r["birth_date"][:4]) > 2500 for r in rows)  # BE years
    assert any(r["first_name"].startswith(("ด.ช.", "ด.ญ.", "เด็กชาย", "เด็กหญิง")) for r in rows)


def test_small_bench_set_matches_well() -> None:
    rows, truth = generate(300, 12)
    result = match_records(rows)
    predicted = {r.record_id: cid for r, cid in zip(result.records, result.child_ids, strict=True)}
    s = score(predicted, truth)
    assert s.precision >= 0.985
    assert s.f1 >= 0.95


def test_comparing_on_two_processes_gives_the_same_children(monkeypatch: pytest.MonkeyPatch) -> None:
    from warehouse.matching import settings

    rows, _ = generate(150, 13)
    serial = match_records(rows).child_ids
    monkeypatch.setattr(settings, "PARALLEL_FROM", 1)
    monkeypatch.setattr(settings, "WORKERS", 2)
    assert match_records(rows).child_ids == serial
