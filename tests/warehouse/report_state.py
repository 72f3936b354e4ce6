"""A small hand-made warehouse for the EEF report tests: children with forms, plans, follow-ups,
merges, a withdrawal, an erasure, consent for the fund given, refused and never recorded, and the rows
that cannot be reported, made through the real
normalised, matching and plan-status tables (the status engine computes the history)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session

from warehouse.matching.identity import observation_key
from warehouse.matching.store import Child, ChildAssignment
from warehouse.models import SubmissionVersion
from warehouse.normalised import (
    ChildObservation,
    ConsentRecord,
    Education,
    FollowUp,
    Plan,
    PlanIntervention,
    SelectChoice,
    StatusEvent,
)
from warehouse.plan_status.engine import recompute_status
from warehouse.privacy.tombstone import ErasureTombstone

NOW = datetime(2026, 11, 30, tzinfo=UTC)
AS_OF = date(2026, 11, 30)
SECRET = "report-test-secret-0123456789"
LAO_KRABI = "6810104"  # อบต.อ่าวนาง, Krabi 81 / 8101
LAO_KHON_KAEN = "5400505"  # เทศบาลตำบลหนองไผ่, Khon Kaen 40 / 4005
FORM_OF = {"registration": "child_registration", "visit": "home_visit", "plan": "assistance_plan",
           "followup": "plan_followup"}


def thai_id(first12: str) -> str:
    """A 13-digit national ID with its check digit (DOMAIN.md §2.1)."""
    total = sum(int(d) * (13 - i) for i, d in enumerate(first12))
    return first12 + str((11 - total % 11) % 10)


@dataclass
class World:
    session: Session
    counter: int = 0
    children: set[str] = field(default_factory=set)

    def child(self, child_id: str, redirect_to: str | None = None) -> None:
        self.session.add(Child(child_id=child_id, minted_at=NOW, status="merged" if redirect_to else "active",
                               redirect_to=redirect_to))
        self.children.add(child_id)

    def form(self, child_id: str, kind: str, on: date, status: int | None, *, lao: str | None = LAO_KRABI,
             **extra: Any) -> dict[str, Any]:
        """One submitted form for the child as normalisation and matching leave it."""
        self.counter += 1
        key: dict[str, Any] = dict(source="central", project_id="1", form_id=FORM_OF[kind],
                   submission_id=f"uuid:{self.counter:04d}")
        raw = SubmissionVersion(**key, version_no=1, content_hash="0" * 64, payload={}, issues=[],
                                received_at=NOW)
        self.session.add(raw)
        self.session.flush()
        common: dict[str, Any] = dict(key, raw_version_id=raw.id)
        observation: dict[str, Any] = {name: extra.pop(name) for name in (
            "sex", "birth_date", "birth_year", "national_id", "province_code", "district_code",
            "subdistrict_code") if name in extra}
        if "national_id" in observation:
            observation["national_id_valid"] = True
        self.session.add(ChildObservation(**common, observed_on=on, lao_code=lao, enumerator_id="enum01",
                                          **observation))
        share = extra.pop("share", None)
        if share is not None:  # the consent group: consent given; sharing with the fund as `share` says
            self.session.add(ConsentRecord(**common, kind="registration", consented_on=on, age_told=12,
                                           given_by="MOTHER", consent_given=True, child_assent=True,
                                           consent_ok=True, consent_version="v1", share_with_eef=share,
                                           contact_followup=True))
        if kind == "registration":
            self.session.add(Education(**common, oos_category=extra.pop("oos_category", None)))
            for ordinal, reason in enumerate(extra.pop("leave_reasons", ()), start=1):
                self.session.add(SelectChoice(**common, field="education/leave_reasons", position=0,
                                              ordinal=ordinal, choice=reason))
        plan_id = extra.pop("plan_id", None)
        if kind == "plan":
            self.session.add(Plan(**common, lao_code=lao, plan_id=plan_id,
                                  plan_version=extra.pop("version", 1),
                                  plan_date=on, plan_status=status))
            for position, (intv_type, funding) in enumerate(extra.pop("interventions", ()), start=1):
                self.session.add(PlanIntervention(**common, plan_id=plan_id, position=position,
                                                  intv_type=intv_type, funding=funding))
        if kind == "followup":
            self.session.add(FollowUp(**common, lao_code=lao, plan_id=plan_id, fu_date=on,
                                      is_supervision=False, recommend_status=status,
                                      next_fu_date=extra.pop("next_fu", None),
                                      child_current_status=extra.pop("outcome", None)))
        assert not extra, f"unknown form details {extra}"
        if status is not None:
            self.session.add(StatusEvent(**common, event_date=on, proposed_status=status, plan_id=plan_id))
        self.session.add(ChildAssignment(obs_key=observation_key(**key), child_id=child_id, evidence="id",
                                         assigned_at=NOW))
        self.session.flush()
        return common


def build(session: Session) -> World:
    """The hand-made state; the report period of the golden files is 2026-03."""
    w = World(session)
    # A: a full case in Krabi: registered, screened, planned (one intervention paid by the fund),
    # followed up with an appointment on 15/3 that passes in March; a later April form must not count.
    w.child("CA")
    w.form("CA", "registration", date(2026, 1, 5), 10, sex="F", birth_date=date(2012, 5, 1),
           national_id=thai_id("110370012345"), province_code="81", district_code="8101",
           subdistrict_code="810102", oos_category="DROPOUT", leave_reasons=("POVERTY", "WORK"), share=True)
    w.form("CA", "visit", date(2026, 1, 10), 20)
    w.form("CA", "plan", date(2026, 1, 20), 40, plan_id="PA",
           interventions=(("NFE", "EEF"), ("MATERIALS", "LAO")))
    w.form("CA", "followup", date(2026, 2, 15), 50, plan_id="PA", next_fu=date(2026, 3, 15), outcome="IN_NFE")
    w.form("CA", "followup", date(2026, 4, 10), 60, plan_id="PA", outcome="IN_FORMAL")
    # B: screened out (25) during March: closed in the period, so still reported.
    w.child("CB")
    w.form("CB", "registration", date(2026, 2, 1), 10, sex="M", birth_year=2009, oos_category="NEVER",
           share=True)
    w.form("CB", "visit", date(2026, 3, 5), 25)
    # C: screened out in 2025: closed before the period began, left out.
    w.child("CC")
    w.form("CC", "registration", date(2025, 10, 1), 10, lao=LAO_KHON_KAEN, sex="F")
    w.form("CC", "visit", date(2025, 10, 5), 25, lao=LAO_KHON_KAEN)
    # D: consent withdrawn in March: counted in the summary only.
    w.child("CD")
    w.form("CD", "registration", date(2026, 1, 2), 10, lao=LAO_KHON_KAEN, sex="M")
    w.form("CD", "followup", date(2026, 3, 10), 99, lao=LAO_KHON_KAEN)
    # E: erased (tombstone): counted, never a row.
    w.child("CE")
    w.form("CE", "registration", date(2026, 1, 3), 10, sex="F")
    session.add(ErasureTombstone(child_id="CE", erased_at=NOW, reason="subject_request"))
    # F: no LAO on any form; G: an LAO code not in the DLA list.
    w.child("CF")
    w.form("CF", "registration", date(2026, 2, 2), 10, lao=None, sex="F")
    w.child("CG")
    w.form("CG", "registration", date(2026, 2, 3), 10, lao="9999999", sex="M")
    # H: registered after the period: not in March at all.
    w.child("CH")
    w.form("CH", "registration", date(2026, 4, 2), 10, sex="M")
    # I: two ids matching merged; the surviving id's latest visit is in Khon Kaen → that LAO.
    w.child("CI1")
    w.child("CI2", redirect_to="CI1")
    w.form("CI1", "registration", date(2026, 1, 1), 10, sex="M", birth_date=date(2020, 6, 1),
           national_id=thai_id("310050011223"), oos_category="ATRISK", share=True)
    w.form("CI2", "visit", date(2026, 1, 15), 20, lao=LAO_KHON_KAEN)
    # J: two registrations with two different valid national IDs: a contradiction.
    w.child("CJ")
    w.form("CJ", "registration", date(2026, 1, 7), 10, national_id=thai_id("110370099887"))
    w.form("CJ", "registration", date(2026, 2, 7), 10, national_id=thai_id("110370055443"))
    # K: only a follow-up, never registered: the engine refuses it; no status to report.
    w.child("CK")
    w.form("CK", "followup", date(2026, 2, 20), 50, lao=LAO_KHON_KAEN)
    # L: consent given but not to share with the fund; M: no consent record at all. On basis consent
    # both are exceptions (no_consent); on an agreement's basis L is a pseudonymised row.
    w.child("CL")
    w.form("CL", "registration", date(2026, 2, 10), 10, sex="F", birth_date=date(2014, 2, 1),
           national_id=thai_id("110370077665"), subdistrict_code="810102", oos_category="NOTCONT",
           share=False)
    w.form("CL", "visit", date(2026, 2, 12), 20)
    w.child("CM")
    w.form("CM", "registration", date(2026, 2, 11), 10, lao=LAO_KHON_KAEN, sex="M", birth_year=2011)
    recompute_status(session, as_of=AS_OF)
    session.commit()
    return w
