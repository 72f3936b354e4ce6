"""A child's consent read back from the warehouse, and what it lets an export send (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from tests.warehouse.normalise_support import raw, sample, store
from warehouse.normalise.driver import normalise_pending
from warehouse.normalised import NormalisedSubmission, Quarantine, StatusEvent
from warehouse.privacy.consent import Basis, ShareForm, child_consent, may_share

FORM = "child_registration"


def _registration(submission_id: str, **consent: object) -> dict:
    data = sample(FORM, submission_id)
    data["consent"].update(consent)
    return data


def test_consent_is_read_back_per_child_and_decides_what_goes_to_the_fund(engine: Engine) -> None:
    with Session(engine) as session:
        store(session, FORM, [
            raw(FORM, "uuid:shares", _registration("uuid:shares")),
            raw(FORM, "uuid:no-share", _registration("uuid:no-share", consent_scope="CONTACT_FOLLOWUP")),
            raw(FORM, "uuid:withdrawn", _registration("uuid:withdrawn")),
            raw(FORM, "uuid:breaks-rule", _registration("uuid:breaks-rule", consent_age=6,
                                                        consent_by="SIBLING", child_assent=None)),
        ])
        normalise_pending(session)
        version = session.exec(select(NormalisedSubmission.raw_version_id).where(
            col(NormalisedSubmission.submission_id) == "uuid:withdrawn")).one()
        session.add(StatusEvent(source="central", project_id="1", form_id="plan_followup",
                                submission_id="uuid:withdrawn", raw_version_id=version, proposed_status=99))
        session.commit()

        shares = child_consent(session, ["uuid:shares"])
        assert (shares.consent_ok, shares.given_by, shares.consent_version) == (
            True, "FATHER", "notice-2026-11")
        assert may_share(shares, "eef", Basis.CONSENT).form is ShareForm.FULL

        no_share = child_consent(session, ["uuid:no-share"])
        assert no_share.contact_followup and not no_share.share_with_eef
        assert may_share(no_share, "eef", Basis.CONSENT).form is ShareForm.NONE
        assert may_share(no_share, "eef", Basis.PUBLIC_TASK).form is ShareForm.PSEUDONYMISED

        withdrawn = child_consent(session, ["uuid:withdrawn"])
        assert withdrawn.withdrawn and may_share(withdrawn, "eef", Basis.PUBLIC_TASK).form is ShareForm.NONE

        quarantined = session.exec(select(Quarantine).where(
            col(Quarantine.submission_id) == "uuid:breaks-rule")).one()
        assert quarantined.reason == "consent_age_rule" and "บิดา มารดา" in quarantined.message
        nothing = child_consent(session, ["uuid:breaks-rule"])
        assert nothing.consent_ok is None and not may_share(nothing, "eef", Basis.PUBLIC_TASK)
        assert child_consent(session, []).consent_ok is None
