"""Train the matcher's model without labels on the bench's synthetic Thai records; write model.json.

    python -m warehouse.matching.train [--children 20000] [--seed 101]

The truth of the synthetic set is not used: EM sees only the records.
"""

from __future__ import annotations

import argparse

from warehouse.matching.engine import train_on
from warehouse.matching.model import MODEL_PATH
from warehouse.matching.prepare import prepare


def main() -> None:
    from bench.matching.generate import generate

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=101)
    args = parser.parse_args()
    rows, _ = generate(args.children, args.seed)
    records = [prepare(r) for r in rows]
    about = f"bench.matching.generate, {args.children} children, seed {args.seed}, {len(records)} records"
    model = train_on(records, trained_on=about + ", no labels")
    model.save(MODEL_PATH)
    print(f"wrote {MODEL_PATH}")


if __name__ == "__main__":
    main()
