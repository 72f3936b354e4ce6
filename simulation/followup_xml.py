"""The plan_followup instance Collect submits for a simulated follow-up (forms/xlsform/plan_followup.xlsx)."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import timedelta

from simulation import lifecycle as lc
from simulation.attributes import weighted
from simulation.case_xml import case_group, collect_header, yes_no
from simulation.noise import thai_date_text
from simulation.registration_xml import Node, render
from simulation.timeline import Visit

FORM_ID = "plan_followup"
CASE = ("ch_name", "ch_status", "ch_next_due", "ch_registered", "ch_sensitive", "ch_plan_id",
        "ch_plan_date", "ch_interventions")
# jr:choice-name() gives the label in the form's current language: Thai, the default.
INTERVENTION_TH: Mapping[str, str] = {
    "RETURN_FORMAL": "กลับเข้าเรียนในระบบโรงเรียน", "NFE": "ส่งต่อ กศน.",
    "INFORMAL": "การศึกษาตามอัธยาศัย/ทางเลือก", "VOCATIONAL": "ฝึกอาชีพ",
    "APPRENTICE": "ฝึกงาน/Learn to Earn", "JOB": "จัดหางาน/ประกอบอาชีพ", "SCHOLARSHIP": "ทุนการศึกษา",
    "CASH": "เงินช่วยเหลือ/อุดหนุน", "MATERIALS": "อุปกรณ์การเรียน/ชุดนักเรียน",
    "TRANSPORT": "ค่าเดินทาง", "HEALTH_REF": "ส่งต่อสาธารณสุข", "PSYCHOSOCIAL": "ดูแลจิตสังคม",
    "WELFARE_REF": "ส่งต่อ พม./สวัสดิการ", "LEGAL_STATUS": "แก้ปัญหาสถานะทางทะเบียน",
    "FAMILY_INCOME": "ส่งเสริมอาชีพครอบครัว", "OTHER": "อื่น ๆ",
}
ENGAGED = ("IN_FORMAL", "IN_NFE", "IN_TRAINING", "TRAINING_AND_WORK")  # enrolled_institution asked
_INSTITUTIONS = {"IN_FORMAL": ("โรงเรียนบ้านหนองบัว", "โรงเรียนวัดท่าช้าง", "รร.บ้านดอนแก้ว"),
                 "IN_NFE": ("กศน.อำเภอ", "ศกร.ตำบล", "กศน. ตำบลนาดี"),
                 "IN_TRAINING": ("วิทยาลัยการอาชีพ", "ศูนย์ฝึกอาชีพชุมชน", "วษท."),
                 "TRAINING_AND_WORK": ("กศน.อำเภอ", "วิทยาลัยการอาชีพ")}
_BARRIERS = ("NO_MONEY", "TRANSPORT", "MUST_WORK", "FAMILY", "CHILD_NOT_READY", "DOCS", "NO_PLACE",
             "AGENCY_DELAY")
_STEPS = ("ประสานโรงเรียนเรื่องการรับเข้าเรียน", "นัดผู้ปกครองคุยเรื่องค่าเดินทาง", "ติดตามเอกสารที่อำเภอ",
          "ส่งรายชื่อเข้าฝึกอาชีพรุ่นถัดไป")


def plan_followup_tree(
    visit: Visit, *, entity_id: str, row: Mapping[str, str], lao: tuple[str, str, str]
) -> list[Node]:
    """The submission as nested (name, value) pairs in the form's instance order."""
    rng = random.Random(visit.instance_id)
    planned = str(row.get("plan_interventions", "") or "").split()
    if len(planned) != len(visit.progress):
        raise ValueError(f"entity {entity_id} lists {len(planned)} interventions, the follow-up "
                         f"reports on {len(visit.progress)}")
    sensitive = str(row.get("sensitive_consent", "")) == "1"
    supervised = visit.supervision_result is not None
    outcome = visit.outcome or "NOT_ENGAGED"
    fu_date = visit.on.isoformat()
    closed = lc.is_closed(visit.status_after)
    label = f"{row.get('full_name', '') or ''} · ติดตาม {fu_date}"
    return [
        *collect_header(visit, lao),
        case_group(entity_id, row, CASE),
        ("followup", [
            ("plan_id", str(row.get("plan_id", "") or "")),
            ("is_supervision", yes_no(supervised)),
            ("fu_date", fu_date),
            ("fu_mode", "HOME" if supervised else weighted(
                rng, {"HOME": 0.6, "PHONE": 0.25, "SCHOOL": 0.1, "ONLINE": 0.05})),
            ("child_current_status", outcome),
            ("enrolled_institution", rng.choice(_INSTITUTIONS[outcome]) if outcome in ENGAGED
             else None),
            ("attendance_ok", weighted(rng, {"1": 0.75, "0": 0.15, "9": 0.1})
             if outcome in ENGAGED else None),
        ]),
        ("progress", [
            ("n_planned", str(len(planned))),
            ("progress_planned", "" if planned else None),
            ("n_intv", None if planned else "0"),
            ("n_rows", str(len(planned))),
        ]),
        *[_row(rng, n, kind, state, visit, sensitive)
          for n, (kind, state) in enumerate(zip(planned, visit.progress, strict=True), start=1)],
        ("status", [
            ("recommend_status", str(visit.status_after)),
            ("close_reason", visit.close_reason if closed else None),
        ]),
        ("supervision", [
            ("supervisor_id", f"{visit.lao_code}-90"),
            ("supervision_result", visit.supervision_result),
            ("supervisor_note", "" if rng.random() < 0.6 else "ให้ทบทวนแผนร่วมกับผู้ปกครอง"),
        ] if supervised else None),
        ("next_fu_date", None if closed or visit.next_due is None else visit.next_due.isoformat()),
        ("instance_label", label),
        ("meta", [("instanceID", visit.instance_id), ("instanceName", label)]),
    ]


def _row(rng: random.Random, n: int, kind: str, state: str, visit: Visit, sensitive: bool) -> Node:
    barriers = ""
    if state in ("BLOCKED", "NOT_STARTED") and rng.random() < 0.7:
        options = (*_BARRIERS, "HEALTH") if sensitive else _BARRIERS
        picked = set(rng.sample(options, k=rng.randint(1, 2)))
        barriers = " ".join(b for b in (*_BARRIERS, "HEALTH") if b in picked)
    steps = ""
    if rng.random() < 0.35:
        steps = rng.choice(_STEPS)
        if rng.random() < 0.4:  # appointments typed in free text: Buddhist-Era slips live here
            steps += f" ภายใน {thai_date_text(rng, visit.on + timedelta(days=rng.randint(7, 45)))}"
    return ("intervention_progress", [
        ("intv_no", str(n)),
        ("intv_planned", kind),
        ("intv_choice", None),
        ("intv_ref", kind),
        ("intv_ref_label", INTERVENTION_TH.get(kind, kind)),
        ("intv_show", ""),
        ("intv_progress", state),
        ("barriers", barriers),
        ("next_steps", steps),
    ])


def plan_followup_xml(
    visit: Visit, *, entity_id: str, row: Mapping[str, str], lao: tuple[str, str, str],
    form_version: str,
) -> bytes:
    """The instance XML ODK Collect submits for this follow-up."""
    tree = plan_followup_tree(visit, entity_id=entity_id, row=row, lao=lao)
    return render(tree, form_version=form_version, form_id=FORM_ID)
