"""A small warehouse state for the export tests: children in three provinces with their consents,
statuses, identifiers, home GPS and the child's own words, as normalisation and matching leave them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from warehouse.matching.identity import observation_key
from warehouse.matching.store import Child, ChildAssignment
from warehouse.models import SubmissionVersion
from warehouse.normalised import ChildObservation, ConsentRecord, Screening, StatusEvent
from warehouse.plan_status.engine import recompute_status
from warehouse.privacy.pseudonym import child_key
from warehouse.privacy.tombstone import ErasureTombstone

SECRET = "export-tests-secret-0123456789"
PERIOD = "2026-11"
NOW = datetime(2026, 11, 20, tzinfo=UTC)


@dataclass(frozen=True)
class Kid:
    child_id: str
    lao: str
    province: str
    national_id: str
    lat: float
    lon: float
    name: str
    shares: bool = True
    withdrawn: bool = False
    erased: bool = False
    voice: str | None = None

    @property
    def key(self) -> str:
        """The fund's (EEF report's) child key."""
        return child_key(self.child_id, SECRET)

    def key_for(self, agency_id: str) -> str:
        """The child key an agency with its own key space (child_key = "own", the default) receives."""
        return child_key(self.child_id, SECRET, purpose=f"agency:{agency_id}")

    @property
    def exact_gps(self) -> tuple[str, str]:
        return repr(self.lat), repr(self.lon)


# national IDs are made up (13 digits); GPS has six decimals, so a rounded point never contains it.
KIDS = (
    Kid("C1", "6720120", "72", "1720100011111", 14.473921, 100.117654, "=HYPERLINK(\"http://x\")",
        voice="อยากเรียนต่อ โทร 081-234-5678 เลข 1720100011111"),
    Kid("C2", "6720211", "72", "1720100022222", 14.512345, 100.223456,
        "เด็กหญิง ข้าวฟ่าง ศรีสุวรรณวงศ์", shares=False),
    Kid("C3", "6720120", "72", "1720100033333", 14.431234, 100.154321,
        "เด็กชาย ต้นกล้า บุญประเสริฐกุล", withdrawn=True),
    Kid("C4", "6720120", "72", "1720100044444", 14.401111, 100.101111, "เด็กชาย ภูผา ทองมณีรัตน์", erased=True),
    Kid("C5", "6700603", "70", "1700100055555", 13.536789, 99.812345, "เด็กชาย ก้องภพ แสงอรุณฉาย", shares=False),
    Kid("C6", "6700603", "70", "1700100066666", 13.547891, 99.823456, "เด็กหญิง ใบเตย จันทร์หอมกลิ่น"),
    Kid("C7", "5730201", "73", "1730100077777", 14.012345, 99.987654, "เด็กชาย นที วงศ์ไพบูลย์ชัย"),
    Kid("C8", "6730110", "73", "1730100088888", 13.812345, 100.012345, "เด็กหญิง น้ำฝน ศักดิ์สิทธิ์เดชา"),
)


def _submission(session: Session, kid: Kid, form_id: str, n: int) -> dict[str, Any]:
    key = dict(source="central", project_id="1", form_id=form_id, submission_id=f"{kid.child_id}-{n}")
    raw = SubmissionVersion(**key, version_no=1, content_hash="0" * 64, payload={}, issues=[],
                            received_at=NOW)
    session.add(raw)
    session.flush()
    session.add(ChildAssignment(obs_key=observation_key(**key), child_id=kid.child_id, evidence="id",
                                assigned_at=NOW))
    return dict(key, raw_version_id=raw.id)


def build_state(engine: Engine, kids: tuple[Kid, ...] = KIDS) -> None:
    with Session(engine) as session:
        for kid in kids:
            session.add(Child(child_id=kid.child_id, minted_at=NOW))
            title, first, last = kid.name.split(" ", 2) if kid.name.count(" ") >= 2 else ("", kid.name, "")
            reg = _submission(session, kid, "child_registration", 1)
            on = date(2026, 11, 2)
            session.add(ChildObservation(
                **reg, observed_on=on, lao_code=kid.lao, national_id=kid.national_id, national_id_valid=True,
                title=title or None, first_name=first, last_name=last or None, sex="F" if "หญิง" in kid.name
                else "M", birth_date=date(2014, 5, 1), province_code=kid.province,
                district_code=kid.lao[1:5] if kid.lao[0] != "5" else kid.province + "06",
                subdistrict_code=kid.province + "0101", latitude=kid.lat, longitude=kid.lon))
            session.add(ConsentRecord(**reg, kind="registration", consented_on=on, age_told=12,
                                      given_by="MOTHER",
                                      consent_given=True, child_assent=True, consent_ok=True,
                                      consent_version="notice-2026-11", share_with_eef=kid.shares,
                                      contact_followup=True))
            session.add(StatusEvent(**reg, event_date=on, proposed_status=10))
            visit = _submission(session, kid, "home_visit", 2)
            later = date(2026, 11, 9)
            session.add(ChildObservation(**visit, observed_on=later, lao_code=kid.lao,
                                         province_code=kid.province, subdistrict_code=kid.province + "0101"))
            session.add(StatusEvent(**visit, event_date=later, proposed_status=20))
            session.add(Screening(**visit, lao_code=kid.lao, visit_date=later, child_voice=kid.voice))
            if kid.withdrawn:
                gone = _submission(session, kid, "plan_followup", 3)
                session.add(StatusEvent(**gone, event_date=date(2026, 11, 12), proposed_status=99))
            if kid.erased:
                session.add(ErasureTombstone(child_id=kid.child_id, erased_at=NOW, reason="subject_request",
                                             requested_by="test"))
        session.flush()
        recompute_status(session, as_of=date(2026, 11, 20))
        session.commit()
