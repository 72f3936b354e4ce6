"""What every follow-on form shares: Collect's metadata, the LAO, and the child picked from the list."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from simulation.registration_xml import Node
from simulation.timeline import Visit

# The follow-on forms' ch_status_th / ch_status_en calculates, code by code (DOMAIN §6).
STATUS_TH: Mapping[str, str] = {
    "10": "ค้นพบ/ลงทะเบียน", "20": "คัดกรอง/เยี่ยมบ้านแล้ว", "25": "ไม่เข้าเกณฑ์",
    "30": "จัดทำแผน (ร่าง)", "40": "แผนได้รับความเห็นชอบ", "50": "ดำเนินการตามแผน",
    "55": "พักแผนชั่วคราว", "60": "ติดตามผลหลังบรรลุเป้าหมาย", "70": "บรรลุเป้าหมาย (ปิด)",
    "80": "ส่งต่อหน่วยงานอื่น (ปิด)", "90": "ปิดกรณี-ไม่บรรลุ", "99": "ถอนความยินยอม",
}
STATUS_EN: Mapping[str, str] = {
    "10": "Identified", "20": "Screened", "25": "Not eligible", "30": "Plan drafted",
    "40": "Plan agreed", "50": "In progress", "55": "On hold", "60": "Monitoring",
    "70": "Achieved (closed)", "80": "Referred (closed)", "90": "Closed unresolved",
    "99": "Consent withdrawn",
}
# ch_* calculate -> the `children` entity property it reads.
CASE_PROPERTIES: tuple[tuple[str, str], ...] = (
    ("ch_name", "full_name"), ("ch_status", "plan_status"), ("ch_next_due", "next_followup_due"),
    ("ch_registered", "registered_on"), ("ch_birth_year", "birth_year"),
    ("ch_sensitive", "sensitive_consent"), ("ch_plan_id", "plan_id"),
    ("ch_plan_version", "plan_version"), ("ch_plan_date", "plan_date"),
    ("ch_interventions", "plan_interventions"),
)


def collect_header(visit: Visit, lao: tuple[str, str, str]) -> list[Node]:
    """start/end/today/deviceid/username as Collect fills them, then the LAO cascade."""
    return [
        ("start", visit.start.isoformat(timespec="milliseconds")),
        ("end", visit.end.isoformat(timespec="milliseconds")),
        ("today", visit.today.isoformat()),
        ("deviceid", visit.deviceid),
        ("username", visit.enumerator),
        ("phonenumber", ""),
        ("enumerator_id", visit.enumerator),
        ("lao", [("lao_province", lao[1]), ("lao_district", lao[2]), ("lao_code", lao[0])]),
    ]


def status_label(code: str, labels: Mapping[str, str], unknown: str) -> str:
    return f"{labels[code]} ({code})" if code in labels else unknown


def due_th(due: str) -> str:
    """format-date(…, '%d/%m/') plus the Buddhist-Era year, as the form's calculate writes it."""
    if not due:
        return "ยังไม่ได้นัด"
    day = date.fromisoformat(due)
    return f"{day.day:02d}/{day.month:02d}/{day.year + 543}"


def case_group(entity_id: str, row: Mapping[str, str], calcs: tuple[str, ...]) -> Node:
    """The `case` group: the entity picked, and what the form read from its list row.

    `calcs` are the ch_* copies this form has, in its order (each form reads what it needs).
    """
    source = dict(CASE_PROPERTIES)
    values = {calc: str(row.get(source[calc], "") or "") for calc in calcs}
    status, due = values.get("ch_status", ""), values.get("ch_next_due", "")
    return ("case", [
        ("child", entity_id),
        *values.items(),
        ("ch_status_th", status_label(status, STATUS_TH, "ไม่ทราบ")),
        ("ch_status_en", status_label(status, STATUS_EN, "unknown")),
        ("ch_next_due_th", due_th(due)),
        ("ch_next_due_en", due or "none set"),
        ("child_summary", ""),
    ])


def child_age(row: Mapping[str, str], today: date) -> int | None:
    """The forms' child_age: this year minus the entity's birth_year, or unknown."""
    year = str(row.get("birth_year", "") or "")
    return today.year - int(year) if year.isdigit() else None


def yes_no(value: bool) -> str:
    return "1" if value else "0"
