"""The raw layer on SQLite and PostgreSQL: history appended, current replaced, nothing doubled."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func
from sqlmodel import Session, select

from warehouse.checks import FormChecker
from warehouse.models import Submission, SubmissionVersion
from warehouse.raw import content_hash, store_page
from warehouse.status import warehouse_count

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


@dataclass
class System:
    submission_date: datetime | None = T0
    updated_at: datetime | None = None
    deleted_at: datetime | None = None
    review_state: str | None = None
    form_version: str | None = "1"


@dataclass
class Row:
    id: str
    data: dict[str, Any]
    system: System = field(default_factory=System)

    @property
    def raw(self) -> dict[str, Any]:
        return {"__id": self.id, **self.data, "__system": {
            "submissionDate": self.system.submission_date.isoformat()
            if self.system.submission_date else None,
            "updatedAt": self.system.updated_at.isoformat() if self.system.updated_at else None,
            "reviewState": self.system.review_state}}


FIELDS = [type("F", (), {"path": p, "type": t})() for p, t in [
    ("/meta", "structure"), ("/meta/instanceID", "string"), ("/child", "structure"),
    ("/child/first_name", "string"), ("/child/moo", "int"),
]]


CHECKER = FormChecker(FIELDS)


def _row(n: int, name: str = "สมชาย", **system: Any) -> Row:
    return Row(f"uuid:{n:04d}", {"meta": {"instanceID": f"uuid:{n:04d}"},
                                  "child": {"first_name": name, "moo": 3}}, System(**system))


def _store(session: Session, rows: list[Row], now: datetime = T0) -> Any:
    result = store_page(session, rows, source="central", project_id="1", form_id="reg",
                        checker_for=lambda version: CHECKER, now=now)
    session.commit()
    return result


def _counts(session: Session) -> tuple[int, int]:
    return (session.exec(select(func.count()).select_from(Submission)).one(),
            session.exec(select(func.count()).select_from(SubmissionVersion)).one())


def test_storing_the_same_page_twice_writes_nothing_the_second_time(engine: Engine) -> None:
    with Session(engine) as session:
        first = _store(session, [_row(n) for n in range(50)])
        again = _store(session, [_row(n) for n in range(50)])
        assert (first.new_submissions, first.new_versions) == (50, 50)
        assert (again.new_submissions, again.new_versions, again.unchanged) == (0, 0, 50)
        assert _counts(session) == (50, 50)
        assert warehouse_count(session, source="central", project_id="1", form_id="reg") == 50


def test_an_edit_appends_a_version_and_replaces_the_current_row(engine: Engine) -> None:
    with Session(engine) as session:
        _store(session, [_row(1)])
        edited = _row(1, "สมชัย", updated_at=T0 + timedelta(days=1), review_state="edited")
        result = _store(session, [edited], now=T0 + timedelta(days=1))
        assert (result.new_submissions, result.new_versions) == (0, 1)
        assert result.latest == T0 + timedelta(days=1)
        current = session.exec(select(Submission)).one()
        assert session.get(SubmissionVersion, current.version_id).payload["child"]["first_name"] == "สมชัย"
        assert (current.version_count, current.review_state) == (2, "edited")
        history = session.exec(select(SubmissionVersion).order_by(SubmissionVersion.version_no)
                               ).all()
        assert [v.payload["child"]["first_name"] for v in history] == ["สมชาย", "สมชัย"]
        assert [v.version_no for v in history] == [1, 2]


def test_a_state_seen_before_is_recorded_again_when_it_comes_back(engine: Engine) -> None:
    with Session(engine) as session:
        _store(session, [_row(1)])
        _store(session, [_row(1, "สมชัย")])
        _store(session, [_row(1)])
        assert _counts(session) == (1, 3)


def test_malformed_rows_are_stored_and_flagged_and_the_page_goes_on(engine: Engine) -> None:
    bad_type = _row(2)
    bad_type.data["child"]["moo"] = "สาม"
    no_id = Row("uuid:0003", {"child": {"first_name": "ดวงใจ", "moo": 1}})
    with Session(engine) as session:
        result = _store(session, [_row(1), bad_type, no_id])
        assert (result.new_submissions, result.flagged) == (3, 2)
        rows = {r.submission_id: r for r in session.exec(select(Submission))}
        assert not rows["uuid:0001"].has_errors
        assert [i["code"] for i in rows["uuid:0002"].issues] == ["wrong_type"]
        assert [i["code"] for i in rows["uuid:0003"].issues] == ["missing_instance_id"]
        assert rows["uuid:0003"].instance_id is None


def test_content_hash_ignores_key_order_but_not_values() -> None:
    assert content_hash({"a": 1, "b": "ก"}) == content_hash({"b": "ก", "a": 1})
    assert content_hash({"a": 1}) != content_hash({"a": 2})
