"""Report rows for a period, through a narrow seam, and what else an export reads about a child.

The seam is `RowSource`: any function from (session, period) to `SourceRow`s — the warehouse's
`child_id` plus a mapping with the REPORT_FORMAT keys. Exports never look inside how the rows were
made, so the EEF report's own row builder plugs in unchanged; `report_rows` is the
report's own builder seen through it. `child_extras` reads the extra fields the report does not carry,
in bulk; consent scopes come from the one consent lookup, `warehouse.privacy.consent.child_consents`
(imported here under its old name), which the report uses too.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, select

from warehouse.matching.identity import observation_key
from warehouse.matching.store import Child, ChildAssignment
from warehouse.normalised import ChildObservation, Screening
from warehouse.privacy.consent import child_consents as child_consents
from warehouse.privacy.pseudonym import check_secret


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


def report_rows(session: Session, period: str, *, secret: str) -> Iterator[SourceRow]:
    """The EEF report's own rows for `period` (warehouse/report), each with its child, streamed child by
    child (the caller orders what it keeps). Erased children are passed on, not dropped, so that each
    export counts the ones it leaves out; children whose consent was withdrawn are never rows at all
    (the report's rule)."""
    from warehouse.report.period import Period
    from warehouse.report.rows import build_child
    from warehouse.report.sources import iter_children

    when = Period.parse(period)
    key = check_secret(secret)
    for sources in iter_children(session, when.last):
        built = build_child(sources, when, key, set())
        if built is not None and built.row is not None:
            yield SourceRow(sources.child_id, built.row.model_dump())


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
