"""Matching records of children: blocking on DuckDB, Fellegi–Sunter weights, constrained clustering.

`match_records` is stateless: the same rows give the same clusters and the same child ids.
"""

from __future__ import annotations

import hashlib
import math
import multiprocessing as mp
import operator
import os
import random
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from warehouse.matching import comparisons as cmp
from warehouse.matching import settings as s
from warehouse.matching.model import Model, Pattern, fit_lambda, posterior, prior_log2_odds, train
from warehouse.matching.prepare import Prepared, prepare

Decision = Literal["link", "review", "apart", "cannot"]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ScoredPair:
    left: int  # index into the records, left < right
    right: int
    pattern: Pattern
    probability: float
    decision: Decision
    reason: str  # "id", "same_record", "weights", "conflicting_ids", "given_name_differs"


@dataclass
class MatchResult:
    records: list[Prepared]
    cluster_of: list[int]  # record index → index of the cluster's smallest-record representative
    child_ids: list[str]
    pairs: list[ScoredPair] = field(default_factory=list)
    model: Model | None = None

    def review_pairs(self) -> list[ScoredPair]:
        """Pairs between the thresholds whose records did not end up in one child."""
        return [p for p in self.pairs if p.decision == "review"
                and self.cluster_of[p.left] != self.cluster_of[p.right]]


def vector(a: Prepared, b: Prepared) -> Pattern:
    return tuple([compare(a, b) for compare in _COMPARE])


_COMPARE = tuple(comp.compare for comp in s.COMPARISONS)


# --- the same work on both cores for big inputs (fork: the workers see the parent's lists) ------
_WORK: dict[str, Any] = {}


def _vector_chunk(bounds: tuple[int, int]) -> list[Pattern]:
    records, pairs = _WORK["records"], _WORK["pairs"]
    return [vector(records[i], records[j]) for i, j in pairs[bounds[0]:bounds[1]]]


def _in_parallel(fn: Callable[[tuple[int, int]], list[T]], n: int, **work: Any) -> list[T]:
    """fn over [0, n) in chunks, on s.WORKERS forked processes when n is large, else here."""
    workers = min(s.WORKERS, os.cpu_count() or 1)
    _WORK.update(work)
    try:
        if n < s.PARALLEL_FROM or workers < 2 or "fork" not in mp.get_all_start_methods():
            return fn((0, n))
        step = -(-n // (workers * 4))
        chunks = [(lo, min(lo + step, n)) for lo in range(0, n, step)]
        with mp.get_context("fork").Pool(workers) as pool:
            return [x for part in pool.map(fn, chunks) for x in part]
    finally:
        _WORK.clear()


def prepare_all(rows: Sequence[Mapping[str, object]] | Sequence[Prepared]) -> list[Prepared]:
    """Prepared records, here: sending them back from workers costs more than preparing them."""
    return [r if isinstance(r, Prepared) else prepare(r) for r in rows]


def vectors(records: Sequence[Prepared], pairs: Sequence[tuple[int, int]]) -> list[Pattern]:
    return _in_parallel(_vector_chunk, len(pairs), records=records, pairs=pairs)


# --- blocking -----------------------------------------------------------------------------------
def _key(record: Prepared, column: str) -> str:
    if column == "birth_year":
        return str(record.birth.year) if record.birth else ""
    if column == "birth":
        return record.birth.isoformat() if record.birth else ""
    return str(getattr(record, column))


def candidate_pairs(
    records: Sequence[Prepared], rules: Sequence[tuple[str, ...]] = s.BLOCKING_RULES,
) -> list[tuple[int, int]]:
    """Pairs (i < j) agreeing on every column of at least one blocking rule, found with DuckDB."""
    import duckdb
    import pyarrow as pa

    if len(records) < 2:
        return []
    columns = sorted({col for rule in rules for col in rule})
    data: dict[str, list[Any]] = {"i": list(range(len(records)))}
    for col in columns:
        if col in ("birth", "birth_year"):
            data[col] = [_key(r, col) for r in records]
        else:
            get = operator.attrgetter(col)
            data[col] = [get(r) for r in records]
    table = pa.table(data)
    con = duckdb.connect()
    try:
        con.execute("SET threads TO 2")
        con.register("recs", table)
        selects = []
        for rule in rules:
            keys = ", ".join(rule)
            non_empty = " AND ".join(f"{c} <> ''" for c in rule)
            on = " AND ".join(f"a.{c} = b.{c}" for c in rule)
            selects.append(
                f"SELECT a.i AS l, b.i AS r FROM (SELECT * FROM recs WHERE {non_empty} AND ({keys}) IN "
                f"(SELECT ({keys}) FROM recs WHERE {non_empty} GROUP BY {keys} "
                f"HAVING count(*) BETWEEN 2 AND {s.MAX_BLOCK})) a "
                f"JOIN recs b ON {on} AND a.i < b.i"
            )
        sql = " UNION ".join(selects) + " ORDER BY l, r"
        return [(int(x), int(y)) for x, y in con.execute(sql).fetchall()]
    finally:
        con.close()


def random_pairs(n_records: int, n_pairs: int, seed: int) -> Iterator[tuple[int, int]]:
    rng = random.Random(seed)
    if n_records < 2:
        return
    for _ in range(n_pairs):
        i, j = rng.randrange(n_records), rng.randrange(n_records)
        if i != j:
            yield (min(i, j), max(i, j))


# --- strong rules -------------------------------------------------------------------------------
def strong_rule(a: Prepared, b: Prepared, pattern: Pattern) -> tuple[Decision, str] | None:
    """Evidence decided before weighing: ids, duplicated rows, twins and siblings."""
    if a.record_id and a.record_id == b.record_id:
        return "link", "same_record"
    same_kind_valid = a.id_valid and b.id_valid and a.id_kind == b.id_kind
    if same_kind_valid and a.id_digits == b.id_digits:
        return "link", "id"
    # A G-code has no check digit, so a mistyped one still looks valid: only far-apart G-codes conflict.
    if same_kind_valid and (pattern[4] == 0 or (pattern[4] == 1 and a.id_kind != "g_code")):
        return "cannot", "conflicting_ids"
    if pattern[4] >= 2:  # the same ID or one keystroke apart: stronger than any name
        return None
    given, nickname = pattern[0], pattern[1]
    if given != cmp.MISSING and given <= s.GIVEN_VETO_LEVEL:
        return "cannot", "given_name_differs"
    if given == cmp.MISSING and nickname == 0:
        return "cannot", "nickname_differs"
    return None


# --- term frequencies ---------------------------------------------------------------------------
def _tf_tables(records: Sequence[Prepared]) -> dict[str, dict[str, float]]:
    tables: dict[str, dict[str, float]] = {}
    for comp in s.COMPARISONS:
        if comp.tf_column and comp.tf_column not in tables:
            counts = Counter(getattr(r, comp.tf_column) for r in records)
            counts.pop("", None)
            total = sum(counts.values()) or 1
            tables[comp.tf_column] = {v: n / total for v, n in counts.items()}
    return tables


# --- the whole run ------------------------------------------------------------------------------
def match_records(
    rows: Sequence[Mapping[str, object]] | Sequence[Prepared], *, model: Model | None = None,
    retrain: bool = False,
) -> MatchResult:
    """Cluster the rows into children. `retrain` estimates u, m and λ on these rows (EM, no labels)."""
    records = prepare_all(rows)
    pairs = candidate_pairs(records)
    patterns = vectors(records, pairs)
    counts = Counter(patterns)
    if retrain or model is None:
        model = train_on(records) if retrain or not _saved_model_exists() else Model.load()
    # The prior of two random records being one child: the matches EM finds among the candidates,
    # spread over all pairs (u comes from random pairs, so the prior must too).
    lam = fit_lambda(model, counts)
    all_pairs = max(len(records) * (len(records) - 1) / 2, 1.0)
    prior = prior_log2_odds(min(lam * len(pairs) / all_pairs, 0.5)) + s.PRIOR_SHIFT
    weight_of: dict[Pattern, float] = {p: model.pattern_weight(p) for p in counts}
    # Term frequencies: per record the log2 share of its value; per level the model's log2 u.
    tf_specs = []
    for k, comp in enumerate(s.COMPARISONS):
        if comp.tf_column:
            table = _tf_tables(records)[comp.tf_column]
            log_tf = [math.log2(table[v]) if (v := getattr(r, comp.tf_column)) in table else 0.0
                      for r in records]
            log_u = {lv: math.log2(u) for lv in comp.tf_levels if (u := model.u[k].get(lv, 0.0)) > 0}
            tf_specs.append((k, log_tf, log_u))
    scored: list[ScoredPair] = []  # links, reviews and never-links; pairs simply apart are not kept
    for (i, j), pattern in zip(pairs, patterns, strict=True):
        a, b = records[i], records[j]
        rule = strong_rule(a, b, pattern)
        if rule is not None:
            decision, reason = rule
            scored.append(ScoredPair(i, j, pattern, 1.0 if decision == "link" else 0.0, decision, reason))
            continue
        weight = weight_of[pattern]
        for k, log_tf, log_u in tf_specs:
            level = pattern[k]
            if level in log_u and log_tf[i] and log_tf[j]:
                weight += log_u[level] - max(log_tf[i], log_tf[j])
        p = posterior(prior, weight)
        if p < s.LOWER:
            continue
        weighed: Decision = "link" if p >= s.UPPER else "review"
        if weighed == "link" and pattern[0] == cmp.MISSING and pattern[1] != 2 and pattern[4] < 2:
            weighed = "review"  # no given name and no agreeing nickname: a twin cannot be ruled out
        scored.append(ScoredPair(i, j, pattern, p, weighed, "weights"))
    cluster_of = cluster(len(records), scored)
    return MatchResult(records=records, cluster_of=cluster_of, child_ids=child_ids(records, cluster_of),
                       pairs=scored, model=model)


def _saved_model_exists() -> bool:
    from warehouse.matching.model import MODEL_PATH

    return MODEL_PATH.exists()


def train_on(records: Sequence[Prepared], *, trained_on: str = "") -> Model:
    """EM without labels on these records: u from random pairs, then m from one EM session per
    training rule, each on the pairs agreeing on that rule and leaving the m of the comparisons the
    rule looks at alone (those pairs agree there by construction, so they say nothing about m)."""
    n_random = min(s.U_SAMPLE_PAIRS, max(len(records) * 20, 1000))
    rnd = Counter(vector(records[i], records[j]) for i, j in random_pairs(len(records), n_random, s.SEED))
    sessions = []
    for rule in s.TRAINING_RULES:
        pairs = candidate_pairs(records, (rule,))
        fixed = {k for k, comp in enumerate(s.COMPARISONS) if set(comp.columns) & set(rule)}
        sessions.append((Counter(vector(records[i], records[j]) for i, j in pairs), fixed))
    all_pairs = candidate_pairs(records)
    candidates = Counter(vector(records[i], records[j]) for i, j in all_pairs)
    return train(sessions, rnd, candidates, iterations=s.EM_ITERATIONS, trained_on=trained_on)


# --- clustering ---------------------------------------------------------------------------------
def cluster(n: int, pairs: Sequence[ScoredPair]) -> list[int]:
    """Connected components of the links, strongest first, never joining across a "cannot" pair.

    Returns for each record the smallest record index of its cluster.
    """
    parent = list(range(n))
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    cannot: dict[int, set[int]] = {}
    for p in pairs:
        if p.decision == "cannot":
            cannot.setdefault(p.left, set()).add(p.right)
            cannot.setdefault(p.right, set()).add(p.left)

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    blocked: dict[int, set[int]] = {i: set(v) for i, v in cannot.items()}  # root → records it must avoid
    # Identical rows and identical valid IDs first, then the weights from strongest to weakest.
    links = sorted((p for p in pairs if p.decision == "link"),
                   key=lambda p: (p.reason not in ("same_record", "id"), -p.probability, p.left, p.right))
    for p in links:
        ra, rb = find(p.left), find(p.right)
        if ra == rb:
            continue
        small, big = (ra, rb) if len(members[ra]) <= len(members[rb]) else (rb, ra)
        big_blocked = blocked.get(big, set())
        if any(x in big_blocked for x in members[small]):
            continue
        parent[small] = big
        members[big].extend(members.pop(small))
        if small in blocked:
            big_blocked |= blocked.pop(small)
            blocked[big] = big_blocked
    smallest: dict[int, int] = {}
    for i in range(n):
        root = find(i)
        smallest.setdefault(root, i)
    return [smallest[find(i)] for i in range(n)]


def child_ids(records: Sequence[Prepared], cluster_of: Sequence[int]) -> list[str]:
    """A child id from the smallest record_id of each cluster (row number when record_ids are empty)."""
    smallest_id: dict[int, str] = {}
    for i, rep in enumerate(cluster_of):
        rid = records[i].record_id or f"row:{i}"
        if rep not in smallest_id or rid < smallest_id[rep]:
            smallest_id[rep] = rid
    return ["c-" + hashlib.sha256(smallest_id[rep].encode("utf-8")).hexdigest()[:16] for rep in cluster_of]
