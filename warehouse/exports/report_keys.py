"""The row keys of the EEF report (`eef-plan-status/1`, REPORT_FORMAT.md), in the report's order."""

from __future__ import annotations

REPORT_KEYS: tuple[str, ...] = (
    "period", "lao_code", "lao_name", "province_code", "district_code", "subdistrict_code", "child_key",
    "national_id_masked", "sex", "age_band", "oos_category", "main_leave_reason", "registered_on",
    "plan_status_code", "plan_status_th", "status_since", "intervention_types", "eef_funded",
    "outcome_status", "visits_count", "last_followup_on", "next_followup_due", "followup_overdue",
)

# What a child's row keeps when only a pseudonymised row may go (consent.ShareForm.PSEUDONYMISED,
# DOMAIN §5.2 item 5): the child key, age band, sex, subdistrict and status codes.
PSEUDONYMISED_KEYS: frozenset[str] = frozenset({
    "period", "lao_code", "lao_name", "province_code", "district_code", "subdistrict_code", "child_key",
    "sex", "age_band", "plan_status_code", "plan_status_th", "status_since",
})

# Thai headers of REPORT_FORMAT.md, for the XLSX people read.
THAI_HEADERS: dict[str, str] = {
    "period": "งวดรายงาน", "lao_code": "รหัส อปท.", "lao_name": "ชื่อ อปท.", "province_code": "รหัสจังหวัด",
    "district_code": "รหัสอำเภอ", "subdistrict_code": "รหัสตำบล", "child_key": "รหัสเด็ก",
    "national_id_masked": "เลขประจำตัวประชาชน", "sex": "เพศ", "age_band": "ช่วงอายุ",
    "oos_category": "ประเภทเด็ก", "main_leave_reason": "สาเหตุหลักที่ออกจากระบบ",
    "registered_on": "วันที่ลงทะเบียน", "plan_status_code": "รหัสสถานะแผน", "plan_status_th": "สถานะแผน",
    "status_since": "วันที่เปลี่ยนสถานะ", "intervention_types": "ประเภทการช่วยเหลือ",
    "eef_funded": "ได้รับการสนับสนุนจาก กสศ.", "outcome_status": "สถานะปัจจุบันของเด็ก",
    "visits_count": "จำนวนครั้งที่ติดตาม", "last_followup_on": "วันที่ติดตามล่าสุด",
    "next_followup_due": "กำหนดติดตามครั้งถัดไป", "followup_overdue": "เกินกำหนดติดตาม",
}
