"""Simulated enumerators submitting registrations to ODK Central over OpenRosa, as Collect does."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from pydantic import BaseModel, Field

from simulation.cohort import Cohort, generate_cohort
from simulation.entity_list import bring_up_to_date, pushed_state, read_list, wait_for_entities
from simulation.followup_xml import plan_followup_xml
from simulation.generator import AS_OF, FORM_ID, Roster, registration_xml, roster
from simulation.home_visit_xml import home_visit_xml
from simulation.plan_xml import assistance_plan_xml
from simulation.registration_xml import entity_id
from simulation.timeline import FOLLOW_ON_FORMS, Visit

if TYPE_CHECKING:
    from connectors.central.models import AppUser, OpenRosaResult, SubmissionPage


class CentralLike(Protocol):
    """The part of the Central client the simulation uses."""

    def ensure_app_user(self, display_name: str) -> AppUser: ...
    def assign_form(self, form_id: str, app_user_id: int) -> None: ...
    def submit_openrosa(self, xml: bytes, *, app_user_token: str) -> OpenRosaResult: ...
    def iter_submission_pages(
        self, form_id: str, *, expand: bool = ...
    ) -> Iterator[SubmissionPage]: ...
    def list_forms(self) -> Iterable[Any]: ...
    def entities_csv(self, dataset: str, project_id: int | None = None) -> bytes: ...
    def update_entity(self, dataset: str, uuid: str, *, data: Mapping[str, str],
                      label: str | None = ..., base_version: int | None,
                      force: bool = ..., project_id: int | None = ...) -> Any: ...


T = TypeVar("T")
R = TypeVar("R")
FORMS = (FORM_ID, *FOLLOW_ON_FORMS)
# Submissions in flight at once: enough to keep a local server busy, gentle on a real Central.
WORKERS = 8
BUILDERS = {"home_visit": home_visit_xml, "assistance_plan": assistance_plan_xml,
            "plan_followup": plan_followup_xml}


class SimulationResult(BaseModel):
    """What a simulation run did; a rerun with the same seed submits nothing new."""

    submitted: int
    already_present: int
    conflicts: int
    enumerators: int
    by_form: dict[str, int] = Field(default_factory=dict)  # new submissions per form
    present_by_form: dict[str, int] = Field(default_factory=dict)  # already on the server
    entities: int | None = None  # rows in the children entity list afterwards
    entity_updates: int = 0  # entities brought up to date between visits (push-back's stand-in)


class FormNotDeployed(LookupError):
    """A programme form is not on the server, so nothing can be submitted to it."""


def enumerator_display_name(code: str) -> str:
    """The app user's name in Central, e.g. ``ผู้สำรวจ 6810104-01`` (surveyor + LAO + number)."""
    return f"ผู้สำรวจ {code}"


def published_version(client: CentralLike, form_id: str = FORM_ID) -> str:
    """The version of the form on the server; submissions must carry it."""
    for form in client.list_forms():
        # The Central client names the field form_id (xmlFormId on the wire).
        if (getattr(form, "form_id", None) or getattr(form, "xml_form_id", None)) == form_id:
            return str(getattr(form, "version", "") or "")
    raise FormNotDeployed(
        f"form {form_id!r} is not on the server; run `odksync forms deploy` first"
    )


def existing_instance_ids(client: CentralLike, form_id: str = FORM_ID) -> set[str]:
    """Every submission id (first instanceID) already on the server for the form."""
    return {
        submission.id
        for page in client.iter_submission_pages(form_id, expand=False)
        for submission in page.submissions
    }


def simulate(
    client: CentralLike,
    *,
    children: int,
    seed: int,
    form_version: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    as_of: date = AS_OF,
    workers: int = WORKERS,
    tokens: Mapping[str, str] | None = None,
) -> SimulationResult:
    """Registers `children` synthetic children and submits their visit cycles up to `as_of`.

    Registrations go first; once the server has made their entities, the follow-on forms are
    submitted in rounds (every child's first visit, then every second one, …), each child picked
    from the entity list as Collect shows it at that point. Everything already on the server is
    skipped, so a rerun with the same seed submits nothing.

    `tokens` (enumerator code -> app-user token) are the app users provisioned from the roster
    (orchestration.enumerators), which already hold the forms; an enumerator without one gets
    an app user made here on first use.
    """
    cohort = generate_cohort(children, seed, as_of=as_of)
    versions = {form: published_version(client, form) for form in FORMS}
    if form_version:
        versions[FORM_ID] = form_version
    present = {form: existing_instance_ids(client, form) for form in FORMS}
    run = _Run(client, progress, workers, total=len(cohort.registrations) + len(cohort.visits))
    run.tokens.update(tokens or {})
    registrations = [r for r in cohort.registrations if r.instance_id not in present[FORM_ID]]
    visits = [v for v in cohort.visits if v.instance_id not in present[v.form_id]]
    run.skip(FORM_ID, len(cohort.registrations) - len(registrations))
    held = Counter(v.form_id for v in cohort.visits if v.instance_id in present[v.form_id])
    for form in FOLLOW_ON_FORMS:
        run.skip(form, held[form])
    run.tick()
    run.submit_all([(r.enumerator, registration_xml(
        r, form_version=versions[FORM_ID], instance_id=r.instance_id), FORM_ID)
        for r in registrations])
    if visits:
        _follow_on(run, cohort, visits, versions, roster(seed))
    enumerators = {r.enumerator for r in cohort.registrations} | {v.enumerator for v in cohort.visits}
    entities = len(read_list(client)) if hasattr(client, "entities_csv") else None
    return SimulationResult(
        submitted=sum(run.new.values()), already_present=sum(run.present.values()),
        conflicts=run.conflicts, enumerators=len(enumerators), by_form=dict(run.new),
        present_by_form=dict(run.present), entities=entities, entity_updates=run.updates,
    )


def _follow_on(run: _Run, cohort: Cohort, visits: list[Visit], versions: dict[str, str],
               staff: Roster) -> None:
    """Submit the pending visits in rounds, each on the list as updated after the last round."""
    registered = {(r.index, r.registration): r for r in cohort.registrations}
    chains: dict[tuple[int, int], list[Visit]] = {}
    for visit in cohort.visits:
        chains.setdefault((visit.child, visit.entity), []).append(visit)
    pending = {v.instance_id for v in visits}
    uuid_of = {key: entity_id(registered[key].instance_id) for key in chains}
    rows = wait_for_entities(run.client, {uuid_of[(v.child, v.entity)] for v in visits})
    for r in range(max(len(chain) for chain in chains.values())):
        batch = [(key, chain) for key, chain in chains.items()
                 if len(chain) > r and chain[r].instance_id in pending]
        if not batch:
            continue
        wrote = run.update([(uuid_of[key], rows[uuid_of[key]], pushed_state(registered[key], chain[:r]))
                            for key, chain in batch])
        if wrote:
            rows = read_list(run.client)  # Collect refreshes the list before the next visit
        run.submit_all([(chain[r].enumerator, BUILDERS[chain[r].form_id](
            chain[r], entity_id=uuid_of[key], row=rows[uuid_of[key]],
            lao=staff.lao(chain[r].lao_code), form_version=versions[chain[r].form_id]),
            chain[r].form_id) for key, chain in batch])
    touched = {(v.child, v.entity) for v in visits}
    run.update([(uuid_of[key], rows[uuid_of[key]], pushed_state(registered[key], chains[key]))
                for key in sorted(touched)])


class _Run:
    """Submits concurrently as the right app user, keeping counts and the progress bar."""

    def __init__(self, client: CentralLike, progress: Callable[[int, int], None] | None,
                 workers: int, *, total: int) -> None:
        self.client, self.progress, self.workers, self.total = client, progress, workers, total
        self.new: Counter[str] = Counter()
        self.present: Counter[str] = Counter()
        self.conflicts = self.updates = self.done = 0
        self.tokens: dict[str, str] = {}
        self.lock = threading.Lock()

    def skip(self, form: str, count: int) -> None:
        if count:
            self.present[form] += count
            self.done += count

    def tick(self) -> None:
        if self.progress:
            self.progress(self.done, self.total)

    def token(self, enumerator: str) -> str:
        """The app user of this enumerator, created and given the four forms on first use."""
        if enumerator not in self.tokens:
            user = self.client.ensure_app_user(enumerator_display_name(enumerator))
            for form in FORMS:
                self.client.assign_form(form, user.id)
            if not user.token:
                raise RuntimeError(f"app user {user.display_name!r} has no token to submit with")
            self.tokens[enumerator] = user.token
        return self.tokens[enumerator]

    def map(self, work: Callable[[T], R], items: list[T]) -> list[R]:
        if len(items) <= 1 or self.workers <= 1:
            return [work(item) for item in items]
        with ThreadPoolExecutor(self.workers) as pool:
            return list(pool.map(work, items))

    def update(self, items: list[tuple[str, dict[str, str], dict[str, str]]]) -> int:
        """Bring these (uuid, listed row, wanted state) entities up to date; how many changed."""
        changed = sum(self.map(lambda item: bring_up_to_date(self.client, *item), items))
        self.updates += changed
        return changed

    def submit_all(self, items: list[tuple[str, bytes, str]]) -> None:
        for enumerator in sorted({e for e, _, _ in items}):
            self.token(enumerator)  # app users first, one at a time

        def one(item: tuple[str, bytes, str]) -> None:
            enumerator, xml, form = item
            result = self.client.submit_openrosa(xml, app_user_token=self.tokens[enumerator])
            with self.lock:
                if result.status == "created":
                    self.new[form] += 1
                elif result.status == "duplicate":
                    self.present[form] += 1
                else:
                    self.conflicts += 1
                self.done += 1
                self.tick()

        self.map(one, items)
