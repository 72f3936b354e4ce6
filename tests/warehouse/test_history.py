"""History of a submission: the version in force at a date, and each field's changes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from tests.warehouse.test_raw_layer import T0, _row, _store
from warehouse.history import as_of, field_changes, versions


def test_as_of_and_field_changes_follow_edits_and_reviews(engine: Engine) -> None:
    with Session(engine) as session:
        _store(session, [_row(1)])
        _store(session, [_row(1, "สมชัย", updated_at=T0 + timedelta(days=2), review_state="edited")])
        _store(session, [_row(1, "สมชัย", updated_at=T0 + timedelta(days=5),
                              review_state="approved")])
        history = versions(session, source="central", project_id="1", form_id="reg",
                           submission_id="uuid:0001")
    assert [v.version_no for v in history] == [1, 2, 3]
    assert as_of(history, T0 - timedelta(seconds=1)) is None
    assert as_of(history, T0 + timedelta(days=1)).payload["child"]["first_name"] == "สมชาย"
    assert as_of(history, T0 + timedelta(days=3)).review_state == "edited"
    assert as_of(history, T0 + timedelta(days=9)).review_state == "approved"
    changes = field_changes(history)
    assert [(c.field, c.before, c.after, c.version_no) for c in changes] == [
        ("/child/first_name", "สมชาย", "สมชัย", 2)]
    assert changes[0].changed_at == T0 + timedelta(days=2)
