"""Simulated enumerators run whole visit cycles against the local Central over real HTTP."""

from __future__ import annotations

from simulation.cohort import generate_cohort
from simulation.entity_list import read_list
from simulation.registration_xml import entity_id
from simulation.submitter import FORMS, existing_instance_ids, simulate
from simulation.timeline import FOLLOW_ON_FORMS
from tests.support.local_central import LocalCentral

CHILDREN = 20
SEED = 4242


def test_full_cycles_reach_every_form_on_existing_entities_and_a_rerun_adds_nothing(
    central: LocalCentral,
) -> None:
    cohort = generate_cohort(CHILDREN, SEED)
    with central.client() as client:
        ticks: list[tuple[int, int]] = []
        first = simulate(client, children=CHILDREN, seed=SEED,
                         progress=lambda done, total: ticks.append((done, total)))
        assert first.conflicts == 0
        assert first.by_form == dict(cohort.counts())
        assert all(first.by_form[form] > 0 for form in FORMS)
        assert ticks[-1] == (first.submitted, first.submitted)

        entities = read_list(client)
        assert first.entities == len(entities)
        registered = {(r.index, r.registration): r for r in cohort.registrations}
        consented = {entity_id(r.instance_id) for r in cohort.registrations if r.consent_ok}
        assert consented == set(entities)  # a refusal makes no entity
        for form in FOLLOW_ON_FORMS:
            on_server = existing_instance_ids(client, form)
            assert on_server == {v.instance_id for v in cohort.visits if v.form_id == form}
            for page in client.iter_submission_pages(form):
                for submission in page.submissions:
                    child = submission.data["case"]["child"]
                    assert child in entities, (form, submission.id)
                    # The form lists only the LAO's own children: the visit is by that LAO.
                    assert submission.data["lao"]["lao_code"] == entities[child]["lao_code"]
        # After the run the list shows each case as push-back would: its latest status.
        last = {(v.child, v.entity): v for v in cohort.visits}
        for key, visit in last.items():
            row = entities[entity_id(registered[key].instance_id)]
            assert row["plan_status"] == str(visit.status_after)

        second = simulate(client, children=CHILDREN, seed=SEED)
        assert (second.submitted, second.entity_updates, second.conflicts) == (0, 0, 0)
        assert second.already_present == first.submitted
        assert second.present_by_form == first.by_form
        assert read_list(client) == entities  # not even a version changed
