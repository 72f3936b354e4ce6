"""The `children` entity list as a phone sees it, and the office's updates between visits.

Collect downloads the list as the follow-on forms' `children.csv` attachment; the simulation
reads the same CSV. Between a child's visits the list must show what the forms check (plan
status, plan id and interventions, sensitive consent). In production the warehouse's push-back
writes those; until it exists the simulation writes them itself, the way push-back will
(forms/xlsform/README.md, "The children entity list"), and only for entities it submits to.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from typing import Protocol

from simulation import lifecycle as lc
from simulation.generator import SyntheticChild
from simulation.registration_xml import DATASET, case_properties
from simulation.timeline import Visit

Row = dict[str, str]
# The properties push-back maintains; the registration sets the others once.
PUSHED = ("plan_status", "next_followup_due", "sensitive_consent", "plan_id", "plan_version",
          "plan_date", "plan_interventions")
FIRST_FOLLOWUP_DAYS = 30  # after a plan, the first follow-up is due within a month
PLAN_DUE_DAYS = 14  # after a screening (or a missed visit), the plan or next visit is due


class EntityClient(Protocol):
    def entities_csv(self, dataset: str, project_id: int | None = None) -> bytes: ...
    def update_entity(self, dataset: str, uuid: str, *, data: Mapping[str, str],
                      label: str | None = ..., base_version: int | None,
                      force: bool = ..., project_id: int | None = ...) -> object: ...


class EntitiesNotCreated(LookupError):
    """The server had not made entities of every registration within the wait."""


def read_list(client: EntityClient) -> dict[str, Row]:
    """The list as Collect downloads it: uuid -> its row.

    The form attachment names the uuid `name`; the list's own CSV download calls it `__id`.
    """
    text = client.entities_csv(DATASET).decode("utf-8-sig")
    return {row.get("name") or row["__id"]: row for row in csv.DictReader(io.StringIO(text))}


def wait_for_entities(
    client: EntityClient,
    expected: Iterable[str],
    *,
    timeout: float = 180.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> dict[str, Row]:
    """Poll the list until every expected entity is in it: Central makes them a moment after
    the registrations arrive, on a background worker."""
    wanted = set(expected)
    deadline, pause = clock() + timeout, 0.2
    while True:
        rows = read_list(client)
        missing = wanted - rows.keys()
        if not missing:
            return rows
        if clock() >= deadline:
            raise EntitiesNotCreated(
                f"{len(missing)} of {len(wanted)} registrations have no entity in the "
                f"{DATASET!r} list after {timeout:.0f} s (e.g. {sorted(missing)[0]}); is the "
                "registration form published with its entity list, and are the submissions "
                "approved or not in need of approval?")
        sleep(pause)
        pause = min(pause * 1.5, 3.0)


def pushed_state(registration: SyntheticChild, done: Iterable[Visit]) -> Row:
    """What push-back would show for an entity after these of its visits (in date order)."""
    props = case_properties(registration)
    state = {key: props[key] for key in PUSHED}
    for visit in done:
        state["plan_status"] = str(visit.status_after)
        due = None
        if visit.form_id == "home_visit":
            if visit.sensitive_consent is not None:
                state["sensitive_consent"] = "1" if visit.sensitive_consent and \
                    visit.sensitive_assent is not False else "0"
            due = visit.on + timedelta(days=PLAN_DUE_DAYS)
        elif visit.form_id == "assistance_plan" and visit.plan is not None:
            state.update(plan_id=visit.plan.plan_id, plan_version=str(visit.plan.version),
                         plan_date=visit.plan.on.isoformat(),
                         plan_interventions=" ".join(i.type for i in visit.plan.interventions))
            due = visit.on + timedelta(days=FIRST_FOLLOWUP_DAYS)
        else:
            due = visit.next_due
        closed = lc.is_closed(visit.status_after) or visit.status_after == lc.NOT_ELIGIBLE
        state["next_followup_due"] = "" if closed or due is None else due.isoformat()
    return state


def bring_up_to_date(client: EntityClient, uuid: str, row: Row, state: Row) -> bool:
    """Write `state` to the entity if its row differs; True if it wrote."""
    changed = {k: v for k, v in state.items() if row.get(k, "") != v}
    if not changed:
        return False
    version = row.get("__version", "")
    client.update_entity(DATASET, uuid, data=changed,
                         base_version=int(version) if version.isdigit() else None,
                         force=not version.isdigit())
    return True
