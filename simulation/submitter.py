"""Simulated enumerators submitting registrations to ODK Central over OpenRosa, as Collect does."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel

from simulation.generator import FORM_ID, SyntheticChild, generate_children, registration_xml

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


class SimulationResult(BaseModel):
    """What a simulation run did; a rerun with the same seed submits nothing new."""

    submitted: int
    already_present: int
    conflicts: int
    enumerators: int


class FormNotDeployed(RuntimeError):
    """The registration form is not on the server, so nothing can be submitted to it."""


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
) -> SimulationResult:
    """Registers `children` synthetic children, one app user per simulated enumerator."""
    version = form_version or published_version(client)
    population = generate_children(children, seed)
    present = existing_instance_ids(client)
    by_enumerator: dict[str, list[SyntheticChild]] = {}
    for child in population:
        by_enumerator.setdefault(child.enumerator, []).append(child)

    submitted = already = conflicts = done = 0
    for code in sorted(by_enumerator):
        todo = [c for c in by_enumerator[code] if c.instance_id not in present]
        already += len(by_enumerator[code]) - len(todo)
        done += len(by_enumerator[code]) - len(todo)
        if progress and len(todo) < len(by_enumerator[code]):
            progress(done, len(population))
        if todo:
            user = client.ensure_app_user(enumerator_display_name(code))
            client.assign_form(FORM_ID, user.id)
            if not user.token:
                raise RuntimeError(f"app user {user.display_name!r} has no token to submit with")
            for child in todo:
                xml = registration_xml(child, form_version=version, instance_id=child.instance_id)
                result = client.submit_openrosa(xml, app_user_token=user.token)
                if result.status == "created":
                    submitted += 1
                elif result.status == "duplicate":
                    already += 1
                else:
                    conflicts += 1
                done += 1
                if progress:
                    progress(done, len(population))
    return SimulationResult(
        submitted=submitted,
        already_present=already,
        conflicts=conflicts,
        enumerators=len(by_enumerator),
    )
