"""One matcher run in its own process, so its time and peak memory are its own.

    python -m bench.matching.one odksync|odksync-retrain|baseline INPUT.csv OUTPUT.csv
Prints one JSON line: seconds, peak_mb.
"""

from __future__ import annotations

import csv
import json
import resource
import sys
import time
from pathlib import Path


def main() -> None:
    engine, source, target = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    from orchestration.cli_match import read_rows, write_assignments

    start = time.perf_counter()
    rows = read_rows(source)
    record_ids = [r.get("record_id", "") for r in rows]
    if engine.startswith("odksync"):
        from warehouse.matching.engine import match_records

        result = match_records(rows, retrain=engine == "odksync-retrain")
        write_assignments(target, record_ids, result.child_ids)
    else:
        from bench.matching.baseline import baseline_match

        clusters = baseline_match(rows)
        with target.open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(["record_id", "child_id"])
            w.writerows((rid, clusters.get(rid, "")) for rid in record_ids)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": round(seconds, 2), "peak_mb": round(peak_mb)}))


if __name__ == "__main__":
    main()
