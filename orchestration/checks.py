"""Asset checks: one property of the data each, named as the statement that should hold.

Each check reads its evidence through warehouse/quality.py and puts it in metadata (counts, the
share, a few example records) so that a failed check says where to look.
"""


import dagster as dg

from orchestration.assets.matching import pending_queue, review_queue
from orchestration.assets.normalised import normalised_submissions
from orchestration.assets.quarantine import quarantine
from orchestration.assets.raw import central_submissions, kobo_submissions
from orchestration.resources import SettingsResource, WarehouseResource
from orchestration.status_checks import status_checks
from warehouse.quality import (
    Finding,
    children_without_lao,
    count_mismatches,
    duplicate_instance_ids,
    invalid_national_ids,
    quarantine_summary,
)


def _result(finding: Finding, *, severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR,
            description: str) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=finding.failing == 0, severity=severity, description=description,
        metadata={"checked": finding.checked, "failing": finding.failing, "share": finding.share,
                  "examples": dg.MetadataValue.json(finding.examples)})


def _raw_checks(asset: dg.AssetsDefinition, source: str) -> list[dg.AssetChecksDefinition]:
    """The raw layer's two checks, for one source's submissions asset."""

    @dg.asset_check(asset=asset, name="submissions_have_unique_instance_ids", blocking=True)
    def unique_instance_ids(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        """No two current submissions of a form share an instanceID (one visit counted twice
        would count a child twice downstream); blocking: later stages wait until it holds."""
        with warehouse.session() as session:
            finding = duplicate_instance_ids(session, source=source)
        return _result(finding, description=f"{finding.failing} submission(s) repeat another's "
                       f"instanceID among {finding.checked} current {source} submissions")

    @dg.asset_check(asset=asset, name="warehouse_count_equals_source_count")
    def counts_agree(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        """Every form holds as many current submissions as the source reported at its last sync,
        and that sync succeeded; a gap closes at the next sync, or `odksync sync --full`."""
        with warehouse.session() as session:
            finding = count_mismatches(session, source=source)
        return _result(finding, severity=dg.AssetCheckSeverity.WARN,
                       description=f"{finding.failing} of {finding.checked} {source} form(s) out of sync")

    return [unique_instance_ids, counts_agree]


@dg.asset_check(asset=normalised_submissions, name="national_ids_pass_the_check_digit")
def national_ids_pass_the_check_digit(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    """Every 13-digit ID entered has the right check digit. A wrong one is kept and flagged (the
    child is still matched by other evidence): a warning with the share, for the field team."""
    with warehouse.session() as session:
        finding = invalid_national_ids(session)
    return _result(finding, severity=dg.AssetCheckSeverity.WARN,
                   description=f"{finding.failing} of {finding.checked} ID(s) fail the check digit "
                   f"({finding.share:.1%})")


@dg.asset_check(asset=normalised_submissions, name="every_child_has_an_lao")
def every_child_has_an_lao(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    """Every child observation names its LAO: a child without one is followed up and reported
    by nobody."""
    with warehouse.session() as session:
        finding = children_without_lao(session)
    return _result(finding, description=f"{finding.failing} of {finding.checked} child observation(s) "
                   "without an LAO")


@dg.asset_check(asset=quarantine, name="quarantine_is_below_threshold")
def quarantine_is_below_threshold(warehouse: WarehouseResource,
                                  settings: SettingsResource) -> dg.AssetCheckResult:
    """The share of held submissions in quarantine stays at or below ODKSYNC_QUARANTINE_THRESHOLD
    (default 5%); above it, something systematic is wrong (a form change, a broken phone)."""
    threshold = settings.settings().quarantine_threshold
    with warehouse.session() as session:
        summary = quarantine_summary(session, preview=0)
    return dg.AssetCheckResult(
        passed=summary.rate <= threshold, severity=dg.AssetCheckSeverity.WARN,
        description=f"{summary.rate:.1%} of {summary.held} held submission(s) in quarantine "
                    f"(threshold {threshold:.1%})",
        metadata={"held": summary.held, "quarantined": summary.quarantined, "rate": summary.rate,
                  "threshold": threshold, "by_reason": dg.MetadataValue.json(summary.by_reason)})


@dg.asset_check(asset=review_queue, name="uncertain_matches_await_review")
def uncertain_matches_await_review(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    """No pair of records is waiting for a person's decision. A waiting pair is two records the
    matcher could not decide: until someone runs `odksync review accept|reject PAIR` they count as
    two children. A warning, with the pairs and the commands in metadata."""
    with warehouse.session() as session:
        queue = pending_queue(session, top=10)
    return dg.AssetCheckResult(
        passed=queue["pending"] == 0, severity=dg.AssetCheckSeverity.WARN,
        description=f"{queue['pending']} pair(s) waiting for review, the oldest for "
                    f"{queue['oldest_pending_days']:.1f} day(s); {queue['decided']} decided",
        metadata={"pending": queue["pending"], "decided": queue["decided"],
                  "oldest_pending_days": queue["oldest_pending_days"],
                  "examples": dg.MetadataValue.json([
                      {k: r[k] for k in ("pair", "score", "accept", "reject")} for r in queue["top"]])})


asset_checks = [
    *_raw_checks(central_submissions, "central"),
    *_raw_checks(kobo_submissions, "kobo"),
    national_ids_pass_the_check_digit,
    every_child_has_an_lao,
    quarantine_is_below_threshold,
    uncertain_matches_await_review,
    *status_checks,
]
