"""Consent as data: the age rules of consent (PDPA s.20, DOMAIN §5.2) and what may go where.

The forms enforce the age rules on the phone; the server checks them again, because a submission may
come from an older form, another client or a hand-made request. A registration that breaks them is
quarantined with a Thai reason (warehouse/normalise/child_registration.py calls `age_rule_problems`).

`may_share` answers the question every export asks before it writes a child's row: may this child's
data go to this recipient on this legal basis, and in what form. `consent_rows_by_child` is the one
lookup of consent records by child (the surviving id of a merged child), streamed in child order for
the fund's report and gathered for a few children by `child_consents` for the partner exports.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from itertools import groupby
from typing import Any, Protocol

from sqlalchemy import func
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from warehouse.matching.store import Child, ChildAssignment
from warehouse.normalised import ConsentRecord, StatusEvent

ADULT_AGE = 20  # Civil and Commercial Code: majority at 20
ASSENT_AGE = 10  # PDPC guideline: from 10 the child's own assent is recorded too
LEGAL_REPRESENTATIVES = ("FATHER", "MOTHER", "LEGAL_GUARDIAN")  # holders of parental responsibility


@dataclass(frozen=True)
class RuleBreak:
    """One broken consent rule: the field, what was found, what the rule expects (Thai)."""

    field: str
    found: str | None
    expected: str


def age_rule_problems(
    age: int | None,
    given_by: str | None,
    consent_given: str | None,
    child_assent: str | None,
    consent_ok: str | None,
    *,
    fields: tuple[str, str, str] = ("consent/consent_by", "consent/child_assent", "consent/consent_ok"),
) -> list[RuleBreak]:
    """What in a registration's consent group breaks the age rules; [] when nothing does.

    Values are the form's raw codes (`"1"`/`"0"` for yes/no). `age` is the child's age in completed
    years as told at the consent; missing answers are the normaliser's `missing_required` business.
    """
    by_field, assent_field, ok_field = fields
    breaks: list[RuleBreak] = []
    if age is None:
        return breaks
    if age < ASSENT_AGE:
        if given_by is not None and given_by not in LEGAL_REPRESENTATIVES:
            breaks.append(RuleBreak(by_field, given_by,
                                    f"เด็กอายุ {age} ปี (ต่ำกว่า 10 ปี) ผู้ให้ความยินยอมต้องเป็นบิดา มารดา "
                                    "หรือผู้ปกครองตามกฎหมาย"))
    elif age < ADULT_AGE:
        if given_by == "SELF":
            breaks.append(RuleBreak(by_field, given_by,
                                    f"เด็กอายุ {age} ปี (10–19 ปี) ต้องมีผู้ปกครองให้ความยินยอมด้วย "
                                    "ไม่ใช่เด็กให้ความยินยอมเองเพียงคนเดียว"))
        if consent_given == "1" and child_assent is None:
            breaks.append(RuleBreak(assent_field, None,
                                    f"เด็กอายุ {age} ปี (10–19 ปี) ต้องบันทึกว่าเด็กรับทราบและยินยอมหรือไม่"))
    elif given_by is not None and given_by != "SELF":
        breaks.append(RuleBreak(by_field, given_by,
                                f"ผู้มีอายุ {age} ปี (20 ปีขึ้นไป) ต้องให้ความยินยอมด้วยตนเอง (SELF)"))
    expected_ok = consent_given == "1" and (age < ASSENT_AGE or age >= ADULT_AGE or child_assent == "1")
    if consent_ok in ("0", "1") and (consent_ok == "1") != expected_ok:
        breaks.append(RuleBreak(ok_field, consent_ok,
                                f"{ok_field.rsplit('/', 1)[-1]} ต้องเป็น 1 เฉพาะเมื่อได้รับความยินยอม "
                                "(และเด็กอายุ 10–19 ปีรับทราบและยินยอมด้วย) มิฉะนั้นต้องเป็น 0"))
    return breaks


class Scope(StrEnum):
    """What a consent covers (DOMAIN §5.2 scope flags)."""

    SHARE_WITH_FUND = "share_with_eef"
    SENSITIVE = "sensitive_health"
    FOLLOWUP_CONTACT = "contact_followup"


class Basis(StrEnum):
    """Legal bases an export may be configured with (PDPA s.24/s.26); a legal review confirms them."""

    CONSENT = "consent"
    PUBLIC_TASK = "pdpa-s24-4"
    LEGAL_OBLIGATION = "pdpa-s24-6"
    SOCIAL_CARE_LAW = "pdpa-s26-5"  # sensitive data where a law mandates social care


class ShareForm(StrEnum):
    FULL = "full"  # the configured columns as they are
    PSEUDONYMISED = "pseudonymised"  # child key, age band, sex, subdistrict, status codes only
    NONE = "none"  # not a row: counted in the exceptions / summary only


@dataclass(frozen=True)
class ChildConsent:
    """A child's consent as the forms recorded it (registration, then the latest sensitive-data one)."""

    consent_ok: bool | None = None
    given_by: str | None = None
    consent_version: str | None = None
    consented_on: date | None = None
    age_told: int | None = None
    child_assent: bool | None = None
    share_with_eef: bool | None = None
    contact_followup: bool | None = None
    sensitive_ok: bool | None = None
    withdrawn: bool = False  # plan status 99

    def has(self, scope: Scope) -> bool:
        if self.withdrawn or not self.consent_ok:
            return False
        if scope is Scope.SHARE_WITH_FUND:
            return bool(self.share_with_eef)
        if scope is Scope.FOLLOWUP_CONTACT:
            return bool(self.contact_followup)
        return bool(self.sensitive_ok)


class ConsentRow(Protocol):
    kind: str
    consented_on: date | None
    age_told: int | None
    given_by: str | None
    child_assent: bool | None
    consent_ok: bool | None
    consent_version: str | None
    share_with_eef: bool | None
    contact_followup: bool | None


def consent_from_rows(rows: Iterable[ConsentRow], *, withdrawn: bool = False) -> ChildConsent:
    """One child's consent from its `norm_consent` rows: the latest registration and sensitive ones."""
    def latest(kind: str) -> ConsentRow | None:
        picked = [r for r in rows_list if r.kind == kind]
        picked.sort(key=lambda r: r.consented_on or date.min)
        return picked[-1] if picked else None

    rows_list = list(rows)
    reg, sensitive = latest("registration"), latest("sensitive")
    if reg is None:
        return ChildConsent(sensitive_ok=sensitive.consent_ok if sensitive else None, withdrawn=withdrawn)
    return ChildConsent(
        consent_ok=reg.consent_ok, given_by=reg.given_by, consent_version=reg.consent_version,
        consented_on=reg.consented_on, age_told=reg.age_told, child_assent=reg.child_assent,
        share_with_eef=reg.share_with_eef, contact_followup=reg.contact_followup,
        sensitive_ok=sensitive.consent_ok if sensitive else None, withdrawn=withdrawn)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    form: ShareForm
    reason: str  # Thai, for the exceptions sheet and the audit log

    def __bool__(self) -> bool:
        return self.allowed


FUND = "eef"


def may_share(consent: ChildConsent, recipient: str, basis: Basis | str, *,
              sensitive: bool = False) -> Decision:
    """May this child's data go to `recipient` on `basis`, and in what form.

    - withdrawn consent or a refusal: never a row (only counted);
    - basis consent: the scope for the recipient must be given (the fund: share_with_eef; anyone
      else: the data-sharing consent too), sensitive fields need the sensitive-data consent;
    - basis public task or legal obligation (a data-sharing agreement names it): pseudonymised rows
      without the scope, full rows with it; sensitive fields never on these bases;
    - basis s.26(5): as public task, and sensitive fields may go pseudonymised.
    """
    try:
        basis = Basis(basis)
    except ValueError:
        return Decision(False, ShareForm.NONE, f"ฐานทางกฎหมาย {basis!r} ไม่อยู่ในรายการที่ตั้งค่าไว้")
    if consent.withdrawn:
        return Decision(False, ShareForm.NONE, "ถอนความยินยอมแล้ว (สถานะ 99): นับในสรุปเท่านั้น")
    if consent.consent_ok is not True:
        return Decision(False, ShareForm.NONE, "ไม่มีบันทึกความยินยอมที่ใช้ได้: นับในข้อยกเว้นเท่านั้น")
    shares = consent.has(Scope.SHARE_WITH_FUND)
    if basis is Basis.CONSENT:
        if not shares:
            who = "กสศ." if recipient == FUND else recipient
            return Decision(False, ShareForm.NONE, f"ไม่ได้ยินยอมให้ส่งข้อมูลแก่ {who}")
        if sensitive and not consent.has(Scope.SENSITIVE):
            return Decision(False, ShareForm.NONE, "ไม่ได้ยินยอมให้ใช้ข้อมูลอ่อนไหว (สุขภาพ/ความพิการ)")
        return Decision(True, ShareForm.FULL, "ได้รับความยินยอม")
    if sensitive:
        if basis is Basis.SOCIAL_CARE_LAW:
            if consent.has(Scope.SENSITIVE):
                return Decision(True, ShareForm.FULL, "ได้รับความยินยอมข้อมูลอ่อนไหว")
            return Decision(True, ShareForm.PSEUDONYMISED, "มาตรา 26(5) แบบแฝงตัวตน")
        if not consent.has(Scope.SENSITIVE):
            return Decision(False, ShareForm.NONE, "ข้อมูลอ่อนไหวต้องมีความยินยอมหรือฐานตามมาตรา 26")
    if shares:
        return Decision(True, ShareForm.FULL, "ได้รับความยินยอมให้ส่งข้อมูล")
    return Decision(True, ShareForm.PSEUDONYMISED, f"ฐาน {basis.value} โดยไม่มีความยินยอม: ส่งแบบแฝงตัวตน")


WITHDRAWN_STATUS = 99  # DOMAIN §6: consent withdrawn


def child_consent(session: Session, submission_ids: Iterable[str]) -> ChildConsent:
    """The consent of the child these submissions are about (matching says which are one child).

    Reads the child's `norm_consent` rows and whether any of its forms proposed status 99.
    """
    ids = sorted(set(submission_ids))
    if not ids:
        return ChildConsent()
    rows = session.exec(select(ConsentRecord).where(col(ConsentRecord.submission_id).in_(ids))).all()
    withdrawn = session.exec(select(StatusEvent.id).where(
        col(StatusEvent.submission_id).in_(ids),
        col(StatusEvent.proposed_status) == WITHDRAWN_STATUS)).first()
    return consent_from_rows(rows, withdrawn=withdrawn is not None)


CONSENT_YIELD_PER = 5000
CONSENT_FIELDS = ("kind", "consented_on", "age_told", "given_by", "child_assent", "consent_ok",
                  "consent_version", "share_with_eef", "contact_followup")


def consent_rows_by_child(session: Session) -> Iterator[Any]:
    """Every `norm_consent` row with `child_id`, the child it counts for (a merged child's survivor:
    matching keeps redirects one step long), ordered by that id in byte order (`COLLATE "C"` on
    PostgreSQL, BINARY on SQLite, Python's order for the same strings) and read a few thousand rows at
    a time, so a caller can zip it with other per-child streams without holding them all."""
    c, a = ConsentRecord, ChildAssignment
    merged = aliased(Child)
    child = func.coalesce(merged.redirect_to, col(a.child_id))
    ordered = child.collate("C" if session.get_bind().dialect.name == "postgresql" else "BINARY")
    obs_key = c.source + "/" + c.project_id + "/" + c.form_id + "/" + c.submission_id
    stmt = (
        select(child.label("child_id"), *(getattr(c, name) for name in CONSENT_FIELDS))
        .select_from(c)
        .join(a, col(a.obs_key) == obs_key)
        .outerjoin(merged, col(merged.child_id) == col(a.child_id))
        .order_by(ordered)
    )
    return iter(session.execute(stmt.execution_options(yield_per=CONSENT_YIELD_PER)))


def child_consents(session: Session, child_ids: Iterable[str]) -> dict[str, ChildConsent]:
    """Each of these children's consent (from `consent_rows_by_child`), withdrawn when any of its forms
    proposed status 99; a child without consent rows gets an empty `ChildConsent` (no scope given)."""
    wanted = set(child_ids)
    rows: dict[str, list[Any]] = {}
    for child, group in groupby(consent_rows_by_child(session), key=lambda row: str(row.child_id)):
        if child in wanted:
            rows[child] = list(group)
    a = ChildAssignment
    merged = aliased(Child)
    e = StatusEvent
    obs_key = e.source + "/" + e.project_id + "/" + e.form_id + "/" + e.submission_id
    withdrawn = {str(child) for child in session.execute(
        select(func.coalesce(merged.redirect_to, col(a.child_id)))
        .select_from(e)
        .join(a, col(a.obs_key) == obs_key)
        .outerjoin(merged, col(merged.child_id) == col(a.child_id))
        .where(col(e.proposed_status) == WITHDRAWN_STATUS)).scalars()}
    return {cid: consent_from_rows(rows.get(cid, []), withdrawn=cid in withdrawn) for cid in wanted}
