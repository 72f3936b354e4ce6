"""Asset check results as a data manager reads them at the end of a run: one line each, Thai first.

A passed check says the property that holds; a failed one says what was found and what to do,
with the check's own evidence (its English description) after the Thai.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class CheckLike(Protocol):
    asset: str
    name: str
    passed: bool
    severity: str
    description: str
    metadata: dict[str, Any]


def _pct(value: Any) -> str:
    return f"{float(value or 0):.1%}"


# check name → (what holds, in Thai; what was found and what to do, in Thai, from the evidence)
EXPLAIN: dict[str, tuple[str, Any]] = {
    "submissions_have_unique_instance_ids": (
        "ไม่มีรายการส่งซ้ำ: instanceID ไม่ซ้ำกัน",
        lambda m: f"{m.get('failing')} รายการใช้ instanceID ซ้ำกับรายการอื่น เด็กอาจถูกนับซ้ำ "
                  "ขั้นตอนถัดไปจะรอจนกว่าจะแก้ที่ต้นทาง"),
    "warehouse_count_equals_source_count": (
        "จำนวนในคลังข้อมูลเท่ากับที่ต้นทางทุกแบบฟอร์ม",
        lambda m: f"{m.get('failing')} จาก {m.get('checked')} แบบฟอร์มยังไม่ตรงกับต้นทาง "
                  "จะตรงในการซิงก์ครั้งถัดไป หรือสั่ง odksync sync --full"),
    "national_ids_pass_the_check_digit": (
        "เลขประจำตัวประชาชนทุกเลขผ่านการตรวจหลักสุดท้าย",
        lambda m: f"เลขประจำตัวประชาชน {m.get('failing')} จาก {m.get('checked')} เลข ({_pct(m.get('share'))}) "
                  "หลักตรวจสอบไม่ผ่าน: เก็บไว้และติดธงให้ทีมภาคสนามเทียบกับบัตร (บัตรขึ้นต้นด้วย 0 "
                  "รับได้เมื่อยืนยันแล้ว) เด็กยังจับคู่ได้ด้วยข้อมูลอื่น"),
    "every_child_has_an_lao": (
        "เด็กทุกรายมี อปท. ที่รับผิดชอบ",
        lambda m: f"เด็ก {m.get('failing')} จาก {m.get('checked')} รายการไม่มี อปท. "
                  "จะไม่มีใครติดตามหรือรายงาน ให้แก้ที่แบบฟอร์มต้นทาง"),
    "quarantine_is_below_threshold": (
        "รายการที่ถูกกักไว้ไม่เกินเกณฑ์",
        lambda m: f"ถูกกักไว้ {_pct(m.get('rate'))} ของที่เก็บไว้ เกินเกณฑ์ {_pct(m.get('threshold'))}: "
                  "ดูเหตุผลด้วย odksync quarantine list"),
    "uncertain_matches_await_review": (
        "ไม่มีคู่ระเบียนที่รอการตัดสิน",
        lambda m: f"{m.get('pending')} คู่ระเบียนรอคนตัดสินว่าเป็นเด็กคนเดียวกันหรือไม่ (นานสุด "
                  f"{float(m.get('oldest_pending_days') or 0):.1f} วัน) ระหว่างนี้นับเป็นเด็กคนละคน: "
                  "ดูด้วย odksync review list แล้วสั่ง odksync review accept|reject PAIR"),
    "plans_have_no_overdue_followups": (
        "ไม่มีแผนที่เกินกำหนดติดตาม",
        lambda m: f"เด็ก {m.get('overdue')} จาก {m.get('open_cases')} กรณีที่ยังเปิดอยู่ ({_pct(m.get('share'))}) "
                  "เกินกำหนดติดตามแล้ว: ให้ อปท. นัดเยี่ยมและส่งแบบติดตาม (รหัสเด็กที่เกินนานที่สุดอยู่ในผลการตรวจ)"),
    "report_rows_reconcile_with_the_status_engine": (
        "รายงาน กสศ. ตรงกับสถานะแผนทุกคนทุกสถานะ",
        lambda m: f"รายงานงวด {m.get('period')} ไม่ตรงกับสถานะแผน: ขาด {m.get('missing')} คน, สถานะต่าง "
                  f"{m.get('other_status')} คน จึงยังไม่ส่งไฟล์ให้หน่วยงาน: ออกรายงานใหม่ด้วย "
                  f"odksync report --period {m.get('period')} แล้วตรวจอีกครั้ง"),
}


def describe_check(check: CheckLike) -> str:
    """One line: ✅ passed, ⚠️ a warning explained, or ❌ a blocking failure explained."""
    holds, found = EXPLAIN.get(check.name, ("ผ่านการตรวจ", lambda m: "ไม่ผ่านการตรวจ"))
    where = f"{check.asset} · {check.name}"
    if check.passed:
        return f"✅ ผ่าน: {holds} ({where}: {check.description})"
    mark = "⚠️ เตือน" if check.severity == "WARN" else "❌ ไม่ผ่าน"
    return f"{mark}: {found(check.metadata)} ({where}: {check.description})"


def describe_checks(checks: Mapping[tuple[str, str], CheckLike]) -> list[str]:
    """Every check's latest result, passed ones first, in a stable order."""
    ordered = sorted(checks.values(), key=lambda c: (not c.passed, c.asset, c.name))
    return [describe_check(c) for c in ordered]
