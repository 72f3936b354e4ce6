"""The demo's way: the simulated round's enumerators are provisioned from a roster, per LAO, and the
simulator submits as them, with their app-user tokens; each one's phone lists only its LAO's children."""

from __future__ import annotations

import csv
import io

from orchestration.demo import roster_csv
from orchestration.enumerators import CHILDREN_DATASET, parse_roster, sync_enumerators
from simulation.roster import staff_rows
from simulation.submitter import FORMS, simulate
from tests.orchestration.test_enumerators import phone_sees
from tests.support.local_central import LocalCentral

SEED = 4242


def test_the_simulator_submits_as_the_provisioned_enumerators(central: LocalCentral) -> None:
    staff = parse_roster(roster_csv(staff_rows(SEED)))
    with central.client() as client:
        report = sync_enumerators(client, central.project_id, staff)
        assert len(report.created) == len(staff)
        result = simulate(client, children=15, seed=SEED, tokens=report.tokens)
        assert result.conflicts == 0 and result.submitted > 0
        provisioned = {str(i) for i in report.app_user_ids.values()}
        for form in FORMS:
            for page in client.iter_submission_pages(form, expand=False):
                for submission in page.submissions:
                    assert submission.system.submitter_id in provisioned, (form, submission.id)
        # The simulator made no app users of its own.
        assert len(client.actors.list_app_users(central.project_id)) == len(staff)

        rows = list(csv.DictReader(io.StringIO(client.entities_csv(CHILDREN_DATASET).decode())))
        lao_of = {row["__id"]: row["lao_code"] for row in rows}
        by_lao = {e.lao_code: e.key for e in staff}
        for lao, key in by_lao.items():
            seen = phone_sees(client, report.tokens[key], central.project_id)
            assert seen == {uuid for uuid, code in lao_of.items() if code == lao}
        assert any(lao_of.values())
