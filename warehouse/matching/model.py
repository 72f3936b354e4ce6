"""Fellegi–Sunter model: m and u per comparison level, trained without labels (EM), saved as JSON.

u (how often two different children agree at a level) comes from random pairs; m (how often
two records of one child do) and λ (the share of candidate pairs that match) come from EM over
the candidate pairs' comparison patterns, with u held fixed.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from warehouse.matching.comparisons import MISSING
from warehouse.matching.settings import COMPARISONS

MODEL_PATH = Path(__file__).with_name("model.json")
_FLOOR = 1e-6

Pattern = tuple[int, ...]


@dataclass
class Model:
    m: list[dict[int, float]]  # per comparison (settings order): level → m
    u: list[dict[int, float]]
    lambda_candidates: float = 0.2
    trained_on: str = ""
    history: list[str] = field(default_factory=list)

    def weight(self, k: int, level: int) -> float:
        """log2 Bayes factor of one comparison level; 0 for a missing value."""
        if level == MISSING:
            return 0.0
        m = max(self.m[k].get(level, _FLOOR), _FLOOR)
        u = max(self.u[k].get(level, _FLOOR), _FLOOR)
        return math.log2(m / u)

    def pattern_weight(self, pattern: Pattern) -> float:
        return sum(self.weight(k, level) for k, level in enumerate(pattern))

    # --- persistence: human-diffable, one comparison per block, levels in settings order --------
    def to_json(self) -> str:
        doc = {
            "about": "m/u probabilities of the child matcher; settings in warehouse/matching/settings.py.",
            "trained_on": self.trained_on,
            "lambda_candidates": round(self.lambda_candidates, 6),
            "comparisons": {
                comp.name: {
                    str(level): {
                        "meaning": meaning,
                        "m": round(self.m[k].get(level, 0.0), 6),
                        "u": round(self.u[k].get(level, 0.0), 6),
                        "weight": round(self.weight(k, level), 2),
                    }
                    for level, meaning in comp.levels.items()
                }
                for k, comp in enumerate(COMPARISONS)
            },
        }
        return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Model:
        doc = json.loads(text)
        m: list[dict[int, float]] = []
        u: list[dict[int, float]] = []
        for comp in COMPARISONS:
            levels = doc["comparisons"].get(comp.name, {})
            m.append({int(k): float(v["m"]) for k, v in levels.items()})
            u.append({int(k): float(v["u"]) for k, v in levels.items()})
        return cls(m=m, u=u, lambda_candidates=float(doc.get("lambda_candidates", 0.2)),
                   trained_on=str(doc.get("trained_on", "")))

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> Model:
        return cls.from_json(path.read_text(encoding="utf-8"))

    def save(self, path: Path = MODEL_PATH) -> None:
        path.write_text(self.to_json(), encoding="utf-8")


def level_frequencies(patterns: Counter[Pattern]) -> list[dict[int, float]]:
    """Per comparison, the share of non-missing pairs at each level (add-half smoothed)."""
    out: list[dict[int, float]] = []
    for k, comp in enumerate(COMPARISONS):
        counts = Counter[int]()
        for pattern, n in patterns.items():
            if pattern[k] != MISSING:
                counts[pattern[k]] += n
        total = sum(counts.values()) + 0.5 * len(comp.levels)
        out.append({level: (counts[level] + 0.5) / total for level in comp.levels})
    return out


def _initial_m() -> list[dict[int, float]]:
    """Records of one child mostly agree at the top level and seldom fully disagree."""
    out = []
    for comp in COMPARISONS:
        levels = sorted(comp.levels, reverse=True)
        middle = 0.14 / max(len(levels) - 2, 1)
        out.append({level: (0.85 if i == 0 else 0.01 if i == len(levels) - 1 else middle)
                    for i, level in enumerate(levels)})
    return out


def expectation_maximisation(
    patterns: Counter[Pattern], u: list[dict[int, float]], *, iterations: int,
    m: list[dict[int, float]] | None = None, lam: float = 0.05, fix_m: bool = False,
    fixed: frozenset[int] | set[int] = frozenset(),
) -> tuple[list[dict[int, float]], float]:
    """EM for m (unless fix_m; never for the comparisons in `fixed`) and λ over pattern counts, u fixed."""
    m = [dict(x) for x in (m or _initial_m())]
    items = sorted(patterns.items())
    weights: list[float] = []
    for iteration in range(iterations):
        if iteration == 0 or not fix_m:
            model = Model(m=m, u=u)
            # Comparisons on the session's own blocking columns agree by construction: not evidence here.
            weights = [sum(model.weight(k, lv) for k, lv in enumerate(pattern) if k not in fixed)
                       for pattern, _ in items]
        posts: list[tuple[Pattern, int, float]] = []
        prior = math.log2(lam / (1 - lam))
        for (pattern, n), weight in zip(items, weights, strict=True):
            p = 1.0 / (1.0 + 2.0 ** (-max(min(prior + weight, 60.0), -60.0)))
            posts.append((pattern, n, p))
        total = sum(n for _, n, _ in posts)
        matched = sum(n * p for _, n, p in posts)
        lam = min(max(matched / total, 1e-6), 0.95) if total else lam
        if fix_m:
            continue
        new_m: list[dict[int, float]] = []
        for k, comp in enumerate(COMPARISONS):
            if k in fixed:
                new_m.append(m[k])
                continue
            sums = dict.fromkeys(comp.levels, 0.0)
            for pattern, n, p in posts:
                level = pattern[k]
                if level != MISSING and level in sums:
                    sums[level] += n * p
            denom = sum(sums.values()) + 1e-3 * len(sums)
            new_m.append({level: (v + 1e-3) / denom for level, v in sums.items()})
        m = new_m
    return m, lam


def train(
    sessions: Sequence[tuple[Counter[Pattern], set[int]]],
    random_patterns: Iterable[Pattern] | Counter[Pattern],
    candidate_patterns: Counter[Pattern], *, iterations: int, trained_on: str = "",
) -> Model:
    """u from random pairs; m averaged over EM sessions, each estimating the comparisons it leaves free."""
    rnd = random_patterns if isinstance(random_patterns, Counter) else Counter(random_patterns)
    u = level_frequencies(rnd)
    start = _initial_m()
    estimates: list[list[dict[int, float]]] = [[] for _ in COMPARISONS]
    for patterns, fixed in sessions:
        if not patterns:
            continue
        m, _ = expectation_maximisation(patterns, u, iterations=iterations, m=start, fixed=fixed)
        for k in range(len(COMPARISONS)):
            if k not in fixed:
                estimates[k].append(m[k])
    final = []
    for k, comp in enumerate(COMPARISONS):
        if not estimates[k]:
            final.append(start[k])
            continue
        final.append({level: sum(e.get(level, 0.0) for e in estimates[k]) / len(estimates[k])
                      for level in comp.levels})
    model = Model(m=final, u=u, trained_on=trained_on)
    model.lambda_candidates = fit_lambda(model, candidate_patterns)
    return model


def posterior(prior_log2_odds: float, weight: float) -> float:
    score = max(min(prior_log2_odds + weight, 60.0), -60.0)
    return 1.0 / (1.0 + 2.0 ** (-score))


def prior_log2_odds(lam: float) -> float:
    lam = min(max(lam, 1e-9), 1 - 1e-9)
    return math.log2(lam / (1 - lam))


def fit_lambda(model: Model, patterns: Counter[Pattern], iterations: int = 15) -> float:
    """λ for this input's candidate pairs, m and u kept as trained."""
    _, lam = expectation_maximisation(patterns, model.u, iterations=iterations, m=model.m,
                                      lam=model.lambda_candidates, fix_m=True)
    return lam


__all__: Sequence[str] = ("MODEL_PATH", "Model", "fit_lambda", "posterior", "prior_log2_odds", "train")
