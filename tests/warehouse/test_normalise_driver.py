"""The normalisation driver on SQLite and PostgreSQL: malformed input quarantined, edits, deletes, replay."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from tests.warehouse.normalise_support import Raw, raw, sample, store
from warehouse.normalise.common import FORM_TITLES_TH
from warehouse.normalise.driver import ROW_TABLES, held_counts, normalise_pending, table_counts
from warehouse.normalised import (
    ChildIdentifier,
    ChildObservation,
    DataQualityFlag,
    NormalisedSubmission,
    PlanGoal,
    Quarantine,
)
from warehouse.status import form_status

THAI = re.compile(r"[\u0e00-\u0e7f]")
Edit = Callable[[dict[str, Any]], Any]


def _set(path: str, value: Any) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        *groups, name = path.split("/")
        node = data
        for g in groups:
            node = node[g]
        node[name] = value
    return edit


def _drop(path: str) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        *groups, name = path.split("/")
        node = data
        for g in groups:
            node = node[g]
        del node[name]
    return edit


def _row(repeat: str, index: int, name: str, value: Any = ...) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        if value is ...:
            del data[repeat][index][name]
        else:
            data[repeat][index][name] = value
    return edit


def _all(*edits: Edit) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        for e in edits:
            e(data)
    return edit


# (kind, sample, edit, reason code, field named in the reason); version None: the sample's own.
MALFORMED: list[tuple[str, str, Edit, str, str | None]] = [
    ("missing required name", "child_registration", _drop("child/first_name"), "missing_required",
     "child/first_name"),
    ("missing LAO", "home_visit", _set("lao/lao_code", None), "missing_required", "lao/lao_code"),
    ("missing chosen child", "plan_followup", _drop("case/child"), "missing_required", "case/child"),
    ("age in words", "child_registration", _set("consent/consent_age", "สิบสอง"), "wrong_type",
     "consent/consent_age"),
    ("household size in words", "home_visit", _set("household/hh_size", "many"), "wrong_type",
     "household/hh_size"),
    ("number where text belongs", "child_registration", _set("child/first_name", 12345), "wrong_type",
     "child/first_name"),
    ("list where text belongs", "child_registration", _set("guardian/guardian_name", ["a", "b"]),
     "wrong_type", "guardian/guardian_name"),
    ("boolean where a choice belongs", "child_registration", _set("consent/consent_given", True),
     "wrong_type", "consent/consent_given"),
    ("unknown sex", "child_registration", _set("child/sex", "Z"), "unknown_choice", "child/sex"),
    ("unknown leave reason", "child_registration", _set("education/leave_reasons", "POVERTY ALIENS"),
     "unknown_choice", "education/leave_reasons"),
    ("unknown plan status", "assistance_plan", _set("agreement/plan_status", "45"), "unknown_choice",
     "agreement/plan_status"),
    ("unknown status on the list", "plan_followup", _set("case/ch_status", "77"), "unknown_choice",
     "case/ch_status"),
    ("Thai-style date in a date field", "home_visit", _set("visit/visit_date", "15/05/2569"), "bad_date",
     "visit/visit_date"),
    ("30 February", "assistance_plan", _set("plan/plan_date", "2026-02-30"), "bad_date", "plan/plan_date"),
    ("date as a number", "plan_followup", _set("followup/fu_date", 20260101), "bad_date",
     "followup/fu_date"),
    ("garbage date", "child_registration", _set("child/birth_date", "yesterday"), "bad_date",
     "child/birth_date"),
    ("repeat as text", "assistance_plan", _set("goals", "not a list"), "broken_repeat", "goals"),
    ("repeat rows not objects", "assistance_plan", _set("interventions", [1, 2]), "broken_group",
     "interventions[1]"),
    ("empty repeat", "assistance_plan", _set("goals", []), "missing_required", "goals"),
    ("repeat row without its answer", "plan_followup", _row("intervention_progress", 0, "intv_progress"),
     "missing_required", "intervention_progress[1]/intv_progress"),
    ("group as text", "child_registration", _set("child", "oops"), "broken_group", "child"),
    ("huge name", "child_registration", _set("child/last_name", "ก" * 100_000), "too_long",
     "child/last_name"),
    ("huge free text", "home_visit", _set("screening/child_voice", "ข้อความ " * 2000), "too_long",
     "screening/child_voice"),
    ("control characters", "child_registration", _set("child/first_name", "สม\x1b[31mชาย"),
     "control_characters", "child/first_name"),
    ("injected markup", "child_registration", _set("child/first_name", "<script>alert(1)</script>"),
     "markup", "child/first_name"),
    ("income beyond any integer column", "home_visit", _set("household/hh_income_month", 10**15),
     "out_of_range", "household/hh_income_month"),
    ("budget not a number", "assistance_plan", _row("interventions", 0, "intv_budget", "NaN"),
     "out_of_range", "interventions[1]/intv_budget"),
    ("consent given but no child", "child_registration",
     _all(_drop("child"), _drop("address"), _drop("guardian"), _drop("education")), "inconsistent",
     "child, address, guardian, education"),
    ("closed without a reason", "plan_followup",
     _all(_set("status/recommend_status", "90"), _set("status/close_reason", None)), "missing_required",
     "status/close_reason"),
    ("no instance id", "home_visit", _drop("meta/instanceID"), "missing_instance_id", "meta/instanceID"),
]


def _malformed() -> list[tuple[str, str, Raw, str, str | None]]:
    out = []
    for n, (kind, name, edit, reason, field) in enumerate(MALFORMED):
        form = name.removesuffix("_refused")
        data = sample(name, f"uuid:bad-{n}")
        edit(data)
        out.append((kind, form, raw(form, f"uuid:bad-{n}", data), reason, field))
    out.append(("unknown form version", "home_visit",
                raw("home_visit", "uuid:bad-version", sample("home_visit", "uuid:bad-version"),
                    version="2099010101"), "unknown_form_version", "version"))
    out.append(("form without a normaliser", "household_survey",
                raw("household_survey", "uuid:bad-form", sample("home_visit", "uuid:bad-form")),
                "no_normaliser", None))
    return out


def _good() -> dict[str, list[Raw]]:
    forms = ("child_registration", "home_visit", "assistance_plan", "plan_followup")
    out = {f: [raw(f, f"uuid:good-{f}", sample(f, f"uuid:good-{f}"))] for f in forms}
    out["child_registration"].append(raw("child_registration", "uuid:good-refused",
                                         sample("child_registration_refused", "uuid:good-refused")))
    return out


def _store_all(session: Session, bad: list[tuple[str, str, Raw, str, str | None]]) -> None:
    by_form: dict[str, list[Raw]] = _good()
    for _, form, submission, _, _ in bad:
        by_form.setdefault(form, []).append(submission)
    for form, submissions in by_form.items():
        store(session, form, submissions)


def test_at_least_25_kinds_of_malformed_input_are_quarantined_with_a_thai_reason_and_none_is_lost(
    engine: Engine,
) -> None:
    bad = _malformed()
    assert len({kind for kind, *_ in bad}) >= 25
    with Session(engine) as session:
        _store_all(session, bad)
        result = normalise_pending(session, batch_size=1000)  # good and bad in one batch
        held = held_counts(session)
        quarantine = {q.submission_id: q for q in session.exec(select(Quarantine)).scalars()}
    total = sum(c["held"] for c in held.values())
    assert total == len(bad) + 5
    assert all(c["held"] == c["normalised"] + c["quarantined"] and c["pending"] == 0 for c in held.values())
    assert sum(result.normalised.values()) == 5 and sum(result.quarantined.values()) == len(bad)
    for kind, form, submission, reason, field in bad:
        q = quarantine[submission.id]
        assert (q.reason, q.field) == (reason, field), kind
        assert THAI.search(q.message) and submission.id in q.message and "วิธีแก้" in q.message, kind
        if form in FORM_TITLES_TH:
            assert FORM_TITLES_TH[form] in q.message, kind
        if field:
            assert field in q.message, kind
        assert len(q.message) < 1000 and "\x1b" not in q.message and q.problems, kind


def test_good_submissions_fill_every_table_a_form_feeds(engine: Engine) -> None:
    with Session(engine) as session:
        for form, submissions in _good().items():
            store(session, form, submissions)
        normalise_pending(session)
        counts = table_counts(session)
        identifiers = session.exec(select(ChildIdentifier)).scalars().all()
    assert all(counts[t.__tablename__] > 0 for t in ROW_TABLES  # type: ignore[attr-defined]
               if t.__tablename__ not in ("norm_flag",))  # type: ignore[attr-defined]
    assert {i.scheme for i in identifiers} == {"TH_PID", "ENTITY"}
    # Everything points back to its raw version.
    with Session(engine) as session:
        for table in ROW_TABLES:
            t = table.__table__  # type: ignore[attr-defined]
            assert session.execute(select(func.count()).select_from(t).where(
                t.c.raw_version_id.is_(None))).scalar_one() == 0


def _state(session: Session, submission_id: str) -> NormalisedSubmission:
    return session.exec(select(NormalisedSubmission).where(  # type: ignore[call-overload]
        col(NormalisedSubmission.submission_id) == submission_id)).scalar_one()


def _rows(session: Session, table: Any, submission_id: str) -> list[Any]:
    return list(session.exec(select(table).where(table.submission_id == submission_id)).scalars())


def test_edit_replaces_delete_retracts_restore_returns_and_a_rerun_writes_nothing(engine: Engine) -> None:
    form, sid = "assistance_plan", "uuid:plan-1"
    with Session(engine) as session:
        store(session, form, [raw(form, sid, sample(form, sid))])
        normalise_pending(session)
        goals_before = len(_rows(session, PlanGoal, sid))
        stamp = _state(session, sid).normalised_at
        assert normalise_pending(session).done == 0  # idempotent: nothing pending
        assert _state(session, sid).normalised_at == stamp

        edited = sample(form, sid)
        edited["goals"] = [*edited["goals"], {**edited["goals"][0], "goal_text": "เรียนจบ ม.3"}]
        store(session, form, [raw(form, sid, edited)])
        assert normalise_pending(session).normalised[form] == 1
        goals = _rows(session, PlanGoal, sid)
        assert len(goals) == goals_before + 1 and goals[-1].goal_text == "เรียนจบ ม.3"
        assert len({g.raw_version_id for g in goals}) == 1  # the earlier version's rows are gone

        store(session, form, [raw(form, sid, edited, deleted=True)])
        assert normalise_pending(session).retracted[form] == 1
        assert _rows(session, PlanGoal, sid) == [] and _rows(session, ChildObservation, sid) == []
        assert _state(session, sid).state == "retracted"

        restored = dict(edited, restored_note=None)  # a restore comes back as a new version
        store(session, form, [raw(form, sid, restored)])
        assert normalise_pending(session).normalised[form] == 1
        assert len(_rows(session, PlanGoal, sid)) == goals_before + 1
        before = table_counts(session)
        assert normalise_pending(session).done == 0 and table_counts(session) == before


def test_replay_renormalises_from_the_raw_layer_and_a_fixed_edit_leaves_quarantine(engine: Engine) -> None:
    form, sid = "child_registration", "uuid:reg-fix"
    broken = sample(form, sid)
    broken["child"]["sex"] = "Z"
    with Session(engine) as session:
        store(session, form, [raw(form, sid, broken), raw(form, "uuid:reg-ok", sample(form, "uuid:reg-ok"))])
        normalise_pending(session)
        assert _state(session, sid).state == "quarantined"
        before = table_counts(session)
        replay = normalise_pending(session, replay=True)
        assert (sum(replay.normalised.values()), sum(replay.quarantined.values())) == (1, 1)
        assert table_counts(session) == before  # same raw, same rows
        only = normalise_pending(session, only_quarantined=True)
        assert only.done == 1
        fixed = sample(form, sid)
        store(session, form, [raw(form, sid, fixed)])  # the data manager edits it at the source
        assert normalise_pending(session).normalised[form] == 1
        assert _rows(session, Quarantine, sid) == []
        rows = form_status(session)
    assert rows == [] or all(r["quarantined"] == 0 for r in rows)


def test_unknown_fields_are_flagged_not_quarantined(engine: Engine) -> None:
    data = sample("child_registration", "uuid:shoe")
    data["child"]["shoe_size"] = "38"
    with Session(engine) as session:
        store(session, "child_registration", [raw("child_registration", "uuid:shoe", data)])
        normalise_pending(session)
        flags = _rows(session, DataQualityFlag, "uuid:shoe")
        assert _state(session, "uuid:shoe").state == "normalised"
    assert ("child/shoe_size", "unknown_field") in {(f.field, f.code) for f in flags}


@pytest.mark.parametrize("version", ["2026113001", "2026113002"])
def test_older_registration_versions_without_the_entity_group_still_normalise(
    engine: Engine, version: str
) -> None:
    data = sample("child_registration", "uuid:old")
    del data["case"]
    del data["meta"]["entity"]
    with Session(engine) as session:
        store(session, "child_registration", [raw("child_registration", "uuid:old", data, version=version)])
        normalise_pending(session)
        assert _state(session, "uuid:old").state == "normalised"
        (observation,) = _rows(session, ChildObservation, "uuid:old")
    assert observation.first_name and observation.national_id


def test_a_second_run_while_one_holds_the_lock_stops_without_writing(engine: Engine) -> None:
    from warehouse.locks import SyncInProgress, exclusive

    with Session(engine) as session:
        store(session, "home_visit", [raw("home_visit", "uuid:hv", sample("home_visit", "uuid:hv"))])
        with exclusive(engine, "raw submissions into normalised tables"), pytest.raises(SyncInProgress):
            normalise_pending(session)
        assert table_counts(session)["norm_screening"] == 0
        assert normalise_pending(session).normalised["home_visit"] == 1


def test_kobo_rows_with_flat_keys_and_a_deployment_uid_for_version_normalise(engine: Engine) -> None:
    nested = sample("plan_followup", "uuid:kobo")
    flat: dict[str, Any] = {"_id": 12, "_uuid": "uuid:kobo", "formhub/uuid": "abc"}
    for key, value in nested.items():
        if isinstance(value, dict):
            flat.update({f"{key}/{k}": v for k, v in value.items()})
        elif isinstance(value, list):
            flat[key] = [{f"{key}/{k}": v for k, v in row.items() if k != "__id"} for row in value]
        else:
            flat[key] = value
    with Session(engine) as session:
        store(session, "plan_followup", [raw("plan_followup", "uuid:kobo", flat, version="vGx7Yq2deploy")],
              project_id="", source="kobo")
        result = normalise_pending(session)
        flags = _rows(session, DataQualityFlag, "uuid:kobo")
    assert result.normalised["plan_followup"] == 1
    assert not [f for f in flags if f.code in ("unknown_field", "form_version_missing")]
