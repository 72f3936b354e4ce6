"""The EEF report over simulated field work, through the real pipeline (submitted over HTTP, synced,
normalised, matched, statuses computed): every child the rules include is a row or an exception, and
the counts per status reconcile with the status engine."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from orchestration.pipeline import sync_central
from simulation.submitter import simulate
from tests.support.local_central import LocalCentral
from warehouse.matching.identity import match_warehouse
from warehouse.normalise.driver import normalise_pending
from warehouse.plan_status.engine import recompute_status
from warehouse.plan_status.store import CurrentStatus
from warehouse.privacy.pseudonym import child_key
from warehouse.privacy.tombstone import ErasureTombstone
from warehouse.report.build import write_report
from warehouse.report.period import Period
from warehouse.report.rows import select_report

CHILDREN = 60
SEED = 11
SECRET = "report-simulation-secret-0123456789"


def test_every_included_child_is_a_row_or_an_exception_and_counts_reconcile(
    central: LocalCentral, engine: Engine, tmp_path: Path,
) -> None:
    with central.client() as client:
        assert simulate(client, children=CHILDREN, seed=SEED).conflicts == 0
        sync_central(client, central.project_id, engine)
    today = datetime.now(UTC).date()
    with Session(engine) as session:
        normalise_pending(session)
        match_warehouse(session, by="test")
        recompute_status(session, as_of=today)
        session.commit()
    period = Period.containing(today)
    with Session(engine) as session:
        current = list(session.scalars(select(CurrentStatus)))
        erased = set(session.scalars(select(col(ErasureTombstone.child_id))))
        with select_report(session, period, SECRET) as selection:
            rows = list(selection.rows())
            exceptions, summary = selection.exceptions, selection.summary
    included = [c for c in current if c.child_id not in erased and c.status != 99
                and not (c.closed and c.since is not None and c.since < period.first)]
    assert len(included) >= CHILDREN // 2
    shown = {r.child_key for r in rows} | {x.child_key for x in exceptions}
    assert {child_key(c.child_id, SECRET) for c in included} <= shown
    reported = Counter(r.plan_status_code for r in rows) + Counter(
        x.plan_status_code for x in exceptions if x.plan_status_code is not None)
    assert reported == Counter(c.status for c in included if c.status is not None)
    withdrawn = sum(1 for c in current if c.status == 99 and c.since is not None and c.since >= period.first)
    assert summary.total("withdrawn") == withdrawn
    assert len(rows) == len({r.child_key for r in rows})  # one row per child

    result = write_report(engine, period, tmp_path / "out", SECRET)
    text = result.path(".csv").read_bytes()
    assert text.startswith(b"\xef\xbb\xbf")
    written = list(csv.DictReader(io.StringIO(text[3:].decode("utf-8"), newline="")))
    assert [r["child_key"] for r in written] == [r.child_key for r in rows]
    assert (result.rows, result.exceptions) == (len(rows), len(exceptions))
