"""Report rows for a period, through a narrow seam, and what else an export reads about a child.

The seam is `RowSource`: any function from (session, period) to `SourceRow`s — the warehouse's
`child_id` plus a mapping with the REPORT_FORMAT keys. Exports never look inside how the rows were
made, so the EEF report's own row builder plugs in unchanged; `interim_report_rows` is a small
builder over the same tables, used until that one exists. `child_extras` and `child_consents` read
the few things the report does not carry (extra fields, consent scopes), in bulk.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from warehouse.matching.identity import observation_key
from warehouse.matching.store import Child, ChildAssignment
from warehouse.normalised import (
    ChildObservation,
    ConsentRecord,
    Education,
    PlanIntervention,
    Screening,
    SelectChoice,
    StatusEvent,
)
from warehouse.plan_status import lifecycle
from warehouse.plan_status.store import CurrentStatus
from warehouse.privacy.consent import WITHDRAWN_STATUS, ChildConsent, consent_from_rows
from warehouse.privacy.minimise import mask_national_id
from warehouse.privacy.pseudonym import child_key


@dataclass(frozen=True)
class SourceRow:
    """One report row and the child it is about (the id never leaves the warehouse)."""

    child_id: str
    values: Mapping[str, Any]


RowSource = Callable[[Session, str], Iterable[SourceRow]]


def period_bounds(period: str) -> tuple[date, date]:
    """First and last day of a `YYYY-MM` period; ValueError for anything else."""
    try:
        year, month = (int(p) for p in period.split("-"))
        if len(period) != 7:
            raise ValueError
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    except ValueError:
        raise ValueError(f"งวด {period!r} ต้องอยู่ในรูป YYYY-MM เช่น 2026-11 (period must be YYYY-MM)") from None


def _survivors(session: Session) -> dict[str, str]:
    """Each child id to the id it now lives under (merged ids follow their redirects)."""
    redirect = dict(session.exec(select(Child.child_id, Child.redirect_to)).all())

    def final(cid: str) -> str:
        seen = set()
        while redirect.get(cid) and cid not in seen:
            seen.add(cid)
            cid = redirect[cid] or cid
        return cid

    return {cid: final(cid) for cid in redirect}


def _submissions_by_child(session: Session) -> dict[str, str]:
    """obs_key (source/project/form/submission) → surviving child id."""
    survivors = _survivors(session)
    return {obs: survivors.get(cid, cid) for obs, cid in session.exec(
        select(ChildAssignment.obs_key, ChildAssignment.child_id)).all()}


def _key(row: Any) -> str:
    return observation_key(row.source, row.project_id, row.form_id, row.submission_id)


def age_band(birth: date | None, age_years: int | None, on: date, observed_on: date | None) -> str:
    if birth is not None:
        age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    elif age_years is not None and observed_on is not None:
        age = age_years + max(0, (on - observed_on).days // 365)
    else:
        return "unknown"
    for upper, band in ((2, "0-2"), (5, "3-5"), (11, "6-11"), (14, "12-14"), (17, "15-17"), (24, "18-24")):
        if age <= upper:
            return band
    return "25+"


def interim_report_rows(session: Session, period: str, *, secret: str) -> list[SourceRow]:
    """The report's rows for `period` as REPORT_FORMAT.md defines them, built straight from the
    plan-status and normalised tables (until the report's own row builder is in place)."""
    from warehouse.cleaning.codes import laos

    start, end = period_bounds(period)
    by_obs = _submissions_by_child(session)
    observations: dict[str, list[ChildObservation]] = defaultdict(list)
    for obs in session.exec(select(ChildObservation)).all():
        child = by_obs.get(_key(obs))
        if child is not None and (obs.observed_on is None or obs.observed_on <= end):
            observations[child].append(obs)
    education: dict[str, list[Education]] = defaultdict(list)
    for edu in session.exec(select(Education)).all():
        if (child := by_obs.get(_key(edu))) is not None:
            education[child].append(edu)
    leave: dict[str, list[tuple[str, int, str]]] = defaultdict(list)
    for choice in session.exec(select(SelectChoice).where(
            col(SelectChoice.field) == "education/leave_reasons")).all():
        if (child := by_obs.get(_key(choice))) is not None:
            leave[child].append((choice.submission_id, choice.ordinal, choice.choice))
    interventions: dict[str, list[PlanIntervention]] = defaultdict(list)
    for intv in session.exec(select(PlanIntervention)).all():
        if intv.plan_id:
            interventions[intv.plan_id].append(intv)
    lao_list = laos()
    rows: list[SourceRow] = []
    for current in session.exec(select(CurrentStatus).order_by(col(CurrentStatus.child_id))).all():
        seen = sorted(observations.get(current.child_id, []),
                      key=lambda o: (o.observed_on or date.min, o.id or 0))
        if current.status is None or current.status == WITHDRAWN_STATUS or not seen:
            continue
        if current.closed and current.since is not None and current.since < start:
            continue
        lao_code = next((o.lao_code for o in reversed(seen) if o.lao_code), None)
        lao = lao_list.get(lao_code or "", {})
        national = next((o.national_id for o in reversed(seen)
                         if o.national_id and o.national_id_valid), None)
        births = [o for o in seen if o.birth_date is not None or o.age_years is not None]
        born = births[-1] if births else None
        edus = education.get(current.child_id, [])
        reasons = sorted(leave.get(current.child_id, []), key=lambda r: r[1])
        plan_intv = interventions.get(current.plan_id or "", [])
        registered = [o.observed_on for o in seen if o.form_id == "child_registration" and o.observed_on]
        due = current.next_followup_due
        rows.append(SourceRow(current.child_id, {
            "period": period,
            "lao_code": lao_code or "",
            "lao_name": _lao_name(lao),
            "province_code": _latest(seen, "province_code"),
            "district_code": _latest(seen, "district_code"),
            "subdistrict_code": _latest(seen, "subdistrict_code"),
            "child_key": child_key(current.child_id, secret),
            "national_id_masked": mask_national_id(national),
            "sex": {"M": "M", "F": "F"}.get(_latest(seen, "sex"), "X"),
            "age_band": age_band(born.birth_date if born else None, born.age_years if born else None, end,
                                 born.observed_on if born else None),
            "oos_category": next((e.oos_category for e in reversed(edus) if e.oos_category), "") or "",
            "main_leave_reason": reasons[0][2] if reasons else "",
            "registered_on": min(registered) if registered else seen[0].observed_on,
            "plan_status_code": current.status,
            "plan_status_th": lifecycle.label(current.status).split(" ", 1)[-1],
            "status_since": current.since,
            "intervention_types": "|".join(sorted({i.intv_type for i in plan_intv if i.intv_type})),
            "eef_funded": "Y" if any(i.funding == "EEF" for i in plan_intv) else "N",
            "outcome_status": current.outcome_status or "",
            "visits_count": current.followups,
            "last_followup_on": current.last_followup_on,
            "next_followup_due": due,
            "followup_overdue": "Y" if due is not None and due < end and not current.closed else "N",
        }))
    return sorted(rows, key=lambda r: (r.values["lao_code"], r.values["child_key"]))


def _latest(seen: list[ChildObservation], attribute: str) -> str:
    """The latest observation's value that is not empty (a follow-up may not repeat the address)."""
    return next((str(v) for o in reversed(seen) if (v := getattr(o, attribute))), "")


_LAO_PREFIX = {"subdistrict_admin_org": "อบต.", "subdistrict_municipality": "ทต.", "town_municipality": "ทม.",
               "city_municipality": "ทน.", "provincial_admin_org": "อบจ.", "special_admin_area": ""}


def _lao_name(lao: Mapping[str, str]) -> str:
    if not lao:
        return ""
    return f"{_LAO_PREFIX.get(lao.get('lao_type', ''), '')}{lao.get('name_th', '')}"


def child_consents(session: Session, child_ids: Iterable[str]) -> dict[str, ChildConsent]:
    """Each child's consent from its `norm_consent` rows, withdrawn when any form proposed 99."""
    wanted = set(child_ids)
    by_obs = _submissions_by_child(session)
    rows: dict[str, list[ConsentRecord]] = defaultdict(list)
    for record in session.exec(select(ConsentRecord)).all():
        if (child := by_obs.get(_key(record))) in wanted:
            rows[child].append(record)
    withdrawn = {by_obs.get(_key(e)) for e in session.exec(
        select(StatusEvent).where(col(StatusEvent.proposed_status) == WITHDRAWN_STATUS)).all()}
    return {cid: consent_from_rows(rows.get(cid, []), withdrawn=cid in withdrawn) for cid in wanted}


def child_extras(session: Session, child_ids: Iterable[str], period_end: date) -> dict[str, dict[str, Any]]:
    """The raw values behind the extra fields (full ID, name, home GPS, the child's own words), each
    child's latest on or before the period end. Minimisation is the export's job, not this one's."""
    wanted = set(child_ids)
    by_obs = _submissions_by_child(session)
    out: dict[str, dict[str, Any]] = {cid: {} for cid in wanted}
    observations = sorted(session.exec(select(ChildObservation)).all(),
                          key=lambda o: (o.observed_on or date.min, o.id or 0))
    for obs in observations:
        child = by_obs.get(_key(obs))
        if child not in wanted or (obs.observed_on is not None and obs.observed_on > period_end):
            continue
        extra = out[child]
        if obs.national_id and obs.national_id_valid:
            extra["national_id"] = obs.national_id
        name = " ".join(p for p in (obs.title, obs.first_name, obs.last_name) if p)
        if name:
            extra["child_name"] = name
        if obs.latitude is not None and obs.longitude is not None:
            extra["home_gps"] = (obs.latitude, obs.longitude, obs.subdistrict_code)
    screenings = sorted(session.exec(select(Screening)).all(),
                        key=lambda s: (s.visit_date or date.min, s.id or 0))
    for screening in screenings:
        child = by_obs.get(_key(screening))
        if child in wanted and screening.child_voice and (screening.visit_date is None
                                                            or screening.visit_date <= period_end):
            out[child]["child_voice"] = screening.child_voice
    return out
