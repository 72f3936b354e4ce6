"""Asset checks of the later stages: follow-ups on time, and the report agreeing with the status engine."""


import dagster as dg

from orchestration.assets.plan_status import plan_status
from orchestration.resources import WarehouseResource
from warehouse.plan_status.overdue import overdue_followups


@dg.asset_check(asset=plan_status, name="plans_have_no_overdue_followups")
def plans_have_no_overdue_followups(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    """No open case has a follow-up past its due date (the date the last follow-up set, else 30
    days after it). A warning with the count, the share of open cases and the longest-overdue
    children's ids (the warehouse's own ids: no names): the LAO's enumerator should visit them."""
    with warehouse.session() as session:
        finding = overdue_followups(session)
    return dg.AssetCheckResult(
        passed=finding.failing == 0, severity=dg.AssetCheckSeverity.WARN,
        description=f"เกินกำหนดติดตาม {finding.failing} จาก {finding.checked} กรณีที่ยังเปิดอยู่ "
                    f"({finding.share:.1%}) ({finding.failing} of {finding.checked} open case(s) overdue)",
        metadata={"open_cases": finding.checked, "overdue": finding.failing, "share": finding.share,
                  "examples": dg.MetadataValue.json(finding.examples)})


status_checks = [plans_have_no_overdue_followups]
