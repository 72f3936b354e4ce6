"""Reporting layer: one partner-agency export per agency of config/agencies.toml, per month.

Each agency's asset is made from its entry in the agencies file (`export_asset`); its file holds only
the columns that agency is configured for. It is downstream of `eef_report`, so in a run with the
report it waits for the blocking check `report_rows_reconcile_with_the_status_engine`.
"""

from typing import Any

import dagster as dg
from sqlmodel import Session, col, select

from orchestration.assets.report import eef_report, period_of, report_months
from orchestration.exports import ExportOutcome, describe_exports, run_exports
from orchestration.resources import SettingsResource, WarehouseResource
from warehouse.exports.agencies import Agency, load_agencies
from warehouse.exports.store import ExportDelivery

FAILED = "failed"


def export_asset(agency: Agency) -> dg.AssetsDefinition:
    """The asset of one agency's monthly export."""

    @dg.asset(name=asset_name(agency), key_prefix=["exports"], group_name="reporting",
              partitions_def=report_months, deps=[eef_report], kinds={agency.format},
              tags={"odksync/agency": agency.id},
              description=describe_agency(agency))
    def partner_export(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                       settings: SettingsResource) -> dg.MaterializeResult:
        period = period_of(context.partition_key)
        outcomes = run_exports(settings.settings(), warehouse.engine(), period=period, agency_id=agency.id,
                               actor="dagster")
        with warehouse.session() as session:
            delivery = latest_delivery(session, agency.id, period)
        metadata = export_metadata(agency, period, outcomes, delivery)
        context.log.info(f"{agency.id} {period}: {describe_exports(outcomes)}")
        failed = [o for o in outcomes if o.status == FAILED]
        if failed:  # kept and tried again by the next run; the run fails so the alert goes out
            raise dg.Failure(
                description=f"ส่งไฟล์ให้ {agency.name} ไม่สำเร็จ (delivery failed, retried by the next run): "
                            + "; ".join(str(o.error) for o in failed),
                metadata=metadata)
        return dg.MaterializeResult(metadata=metadata)

    return partner_export


def asset_name(agency: Agency) -> str:
    """`moe-suphanburi` → `moe_suphanburi`: Dagster's names take letters, digits and underscores."""
    return agency.id.replace("-", "_")


def describe_agency(agency: Agency) -> str:
    """The asset's description in the UI: who receives what, on what basis, how often, where."""
    extras = ", ".join(e.field for e in agency.extra_fields) or "—"
    return (f"{agency.name}: ไฟล์ {agency.format.upper()} เฉพาะคอลัมน์ที่ตกลงไว้ "
            f"({len(agency.output_columns)} คอลัมน์; extra fields: {extras}) ฐานทางกฎหมาย "
            f"{agency.legal_basis.value}, ตาราง `{agency.schedule}`, ปลายทาง {agency.destination.describe()}."
            "\n\nThe agency's monthly export: only its configured "
            "columns, children out of its scope or without the consent it needs left out and counted; "
            "the same content is never delivered twice, and a failed delivery is tried again.")


def latest_delivery(session: Session, agency_id: str, period: str) -> ExportDelivery | None:
    return session.exec(select(ExportDelivery).where(
        ExportDelivery.agency_id == agency_id, ExportDelivery.period == period)
        .order_by(col(ExportDelivery.id).desc()).limit(1)).first()


def export_metadata(agency: Agency, period: str, outcomes: list[ExportOutcome],
                    delivery: ExportDelivery | None) -> dict[str, Any]:
    """Rows, columns, the file's SHA-256, where it went and how: no value from the file itself."""
    meta: dict[str, Any] = {
        "agency": agency.name,
        "period": period,
        "legal_basis": agency.legal_basis.value,
        "destination": agency.destination.describe(),
        "outcome": describe_exports(outcomes),
    }
    if delivery is None:
        return {**meta, "rows": 0, "delivery_status": "none"}
    return {**meta,
            "file": delivery.file_name,
            "rows": delivery.row_count,
            "columns": dg.MetadataValue.json(list(delivery.columns)),
            "column_count": len(delivery.columns),
            "sha256": delivery.sha256,
            "bytes": delivery.size,
            "delivery_status": delivery.status,
            "attempts": delivery.attempts,
            "receipt": delivery.receipt or "—",
            "last_error": delivery.last_error or "—",
            "left_out": dg.MetadataValue.json(dict(delivery.excluded))}


agencies = load_agencies()
partner_exports = [export_asset(agency) for agency in agencies]
