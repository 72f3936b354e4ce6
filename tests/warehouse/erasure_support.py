"""A small warehouse for erasure tests, built by the real pipeline: raw layer → normalise → match → status.

Child A registers and later withdraws consent (a follow-up proposing 99); child B registers and stays.
Each has its own name, nickname, 13-digit ID, guardian, phone and GPS, so a scan of every table's text
can tell whether anything of A is left and whether B is intact.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import Session, SQLModel, col

from tests.warehouse.normalise_support import raw, sample, store
from warehouse.matching.identity import match_warehouse
from warehouse.normalise.driver import normalise_pending
from warehouse.plan_status.engine import recompute_status


def thai_id(first12: str) -> str:
    """A valid 13-digit ID: the check digit computed as DOPA does."""
    total = sum(int(d) * (13 - i) for i, d in enumerate(first12))
    return first12 + str((11 - total % 11) % 10)


@dataclass(frozen=True)
class Person:
    key: str  # submission id stem
    first: str
    last: str
    nickname: str
    national_id: str
    guardian: str
    phone: str
    lon: float
    lat: float
    entity: str

    def secrets(self) -> list[str]:
        """What must not be found anywhere once the child is erased."""
        return [self.first, self.last, self.nickname, self.national_id, self.guardian, self.phone,
                self.phone[1:], f"{self.lon}", f"{self.lat}"]


A = Person("a", "ขจิตรา", "อะคะปันวงศ์", "ปาล์มมี่", thai_id("170072420613"), "สุขวิชณิ์ อะคะปันวงศ์",
           "0892596284", 99.85632, 14.459786, "d4ec0951-fbcf-4d69-8dc0-e3f0910ae7d0")
C = Person("c", "ธีรวัฒน์", "บุญประเสริฐยิ่ง", "ต้นกล้า", thai_id("140010098765"), "บุญมี บุญประเสริฐยิ่ง",
           "0867778899", 101.2345, 15.6789, "7c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f")
B = Person("b", "มณีรัตน์", "ศรีสุขสวัสดิ์", "แป้งร่ำ", thai_id("110020045678"), "สมพร ศรีสุขสวัสดิ์",
           "0811112222", 100.51234, 13.75123, "5b0f0b1e-2a51-4a0e-9d55-0c3b6a1b2c3d")


def registration(person: Person, **child: Any) -> dict[str, Any]:
    d = sample("child_registration", f"uuid:{person.key}-reg")
    d["child"].update(first_name=person.first, last_name=person.last, national_id=person.national_id,
                      nickname=person.nickname, **child)
    d["guardian"].update(guardian_name=person.guardian, guardian_phone=person.phone)
    d["address"]["geopoint"] = {"type": "Point", "coordinates": [person.lon, person.lat, 5.2]}
    full = f"{person.first} {person.last}"
    d["case"].update(full_name=full, list_label=f"{full} ({person.nickname})")
    d["instance_label"] = d["meta"]["instanceName"] = full
    d["meta"]["entity"] = {"label": full}
    return d


def followup(person: Person, status: int, day: str,
             close_reason: str = "CONSENT_WITHDRAWN") -> dict[str, Any]:
    d = sample("plan_followup", f"uuid:{person.key}-fu")
    full = f"{person.first} {person.last}"
    d["today"] = day
    d["case"].update(child=person.entity, ch_name=full, ch_registered="2026-04-26")
    d["followup"].update(fu_date=day, is_supervision="0", child_current_status="NOT_ENGAGED")
    d["status"].update(recommend_status=str(status),
                       close_reason=close_reason if status >= 70 else None)
    d["supervision"] = {"supervisor_id": None, "supervision_result": None, "supervisor_note": None}
    d["instance_label"] = d["meta"]["instanceName"] = f"{full} · ติดตาม {day}"
    return d


def pipeline(session: Session) -> None:
    """normalise → match → status, as `odksync run` does after a sync."""
    normalise_pending(session)
    match_warehouse(session, by="test")
    session.commit()
    recompute_status(session)
    session.commit()


def build(engine: Engine) -> dict[str, str]:
    """Both children through the pipeline; returns {"A": child id, "B": child id}."""
    with Session(engine) as session:
        store(session, "child_registration", [
            raw("child_registration", "uuid:a-reg", registration(A)),
            raw("child_registration", "uuid:b-reg", registration(B))])
        store(session, "plan_followup", [raw("plan_followup", "uuid:a-fu", followup(A, 99, "2026-06-01"))])
        pipeline(session)
        from warehouse.matching.store import ChildAssignment

        child_of: dict[str, str] = {k: c for k, c in session.execute(
            select(col(ChildAssignment.obs_key), col(ChildAssignment.child_id)))}
    ids = {"A": child_of["central/1/child_registration/uuid:a-reg"],
           "B": child_of["central/1/child_registration/uuid:b-reg"]}
    assert child_of["central/1/plan_followup/uuid:a-fu"] == ids["A"] != ids["B"]
    return ids


def warehouse_text(engine: Engine) -> dict[str, str]:
    """Every table's rows as one text each (JSON values written out, Thai as is)."""
    out = {}
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            rows = connection.execute(select(table)).all()
            out[table.name] = "\n".join(json.dumps([_plain(v) for v in row], ensure_ascii=False, default=str)
                                        for row in rows)
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def found(engine: Engine, person: Person) -> dict[str, list[str]]:
    """Which of the person's values appear in which table."""
    hits: dict[str, list[str]] = {}
    for table, text in warehouse_text(engine).items():
        present = [s for s in person.secrets() if s in text]
        if present:
            hits[table] = present
    return hits
