"""Scores of a clustering against the truth: pairwise precision, recall, F1 and B-cubed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def score(predicted: Mapping[str, str], truth: Mapping[str, str]) -> Scores:
    """`predicted` and `truth` map record_id → cluster label; records missing from either are singletons."""
    ids = sorted(set(truth) | set(predicted))
    pred = {i: predicted.get(i, f"__p{i}") for i in ids}
    true = {i: truth.get(i, f"__t{i}") for i in ids}
    cells = Counter((pred[i], true[i]) for i in ids)
    pred_sizes = Counter(pred.values())
    true_sizes = Counter(true.values())
    correct = sum(_pairs(n) for n in cells.values())
    predicted_pairs = sum(_pairs(n) for n in pred_sizes.values())
    true_pairs = sum(_pairs(n) for n in true_sizes.values())
    precision = correct / predicted_pairs if predicted_pairs else 1.0
    recall = correct / true_pairs if true_pairs else 1.0
    # B-cubed: per record, the share of its predicted cluster that is truly its child, and back.
    bp = sum(cells[(pred[i], true[i])] / pred_sizes[pred[i]] for i in ids) / len(ids) if ids else 1.0
    br = sum(cells[(pred[i], true[i])] / true_sizes[true[i]] for i in ids) / len(ids) if ids else 1.0
    return Scores(precision, recall, _f1(precision, recall), bp, br, _f1(bp, br),
                  true_pairs, predicted_pairs, correct)
