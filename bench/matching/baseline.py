"""A plain probabilistic-linkage baseline with default-style settings on the same CSV.

Values go in as entered (no Thai-aware cleaning); off-the-shelf comparisons; u by random
sampling, m by EM on two blocking rules; links at match probability 0.95, clustered by
connected components.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

COLUMNS = ("first_name", "last_name", "nickname", "birth_date", "national_id", "sex", "guardian_name",
           "phone", "lao_code", "subdistrict_code", "village_no")


def baseline_match(rows: Sequence[Mapping[str, str]]) -> dict[str, str]:
    """record_id → cluster id."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    logging.getLogger("splink").setLevel(logging.ERROR)
    records = []
    for i, row in enumerate(rows):
        rec: dict[str, object] = {"unique_id": i}
        for c in COLUMNS:
            v = (row.get(c) or "").strip()
            rec[c] = v or None
        records.append(rec)
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("last_name").configure(term_frequency_adjustments=True),
            cl.ExactMatch("nickname"),
            cl.DateOfBirthComparison("birth_date", input_is_string=True),
            cl.LevenshteinAtThresholds("national_id", [1, 2]),
            cl.ExactMatch("sex"),
            cl.JaroWinklerAtThresholds("guardian_name", [0.9, 0.7]),
            cl.ExactMatch("phone"),
            cl.ExactMatch("lao_code"),
            cl.ExactMatch("subdistrict_code"),
            cl.ExactMatch("village_no"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "last_name"),
            block_on("birth_date"),
            block_on("national_id"),
            block_on("phone"),
            block_on("last_name", "village_no"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    import pyarrow as pa

    db_api = DuckDBAPI()
    table = pa.Table.from_pylist(records)
    df = db_api.register(table)
    linker = Linker(df, settings)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "last_name", "birth_date"), block_on("national_id")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("first_name", "last_name"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("birth_date"))
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, 0.95)
    out = {}
    for r in clusters.as_record_list():
        out[str(rows[int(r["unique_id"])].get("record_id") or f"row:{r['unique_id']}")] = str(r["cluster_id"])
    return out
