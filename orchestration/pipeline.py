"""The pipeline's stages as plain functions: the CLI, the demo and the Dagster assets call these."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

import forms
from connectors.central.client import CentralClient
from connectors.central.deploy import LocalForm, read_local_form
from connectors.central.deploy_entities import deploy_order
from connectors.central.models import DeployResult, SubmissionIds
from connectors.central.odata import Conditional, odata_timestamp
from connectors.central.submissions import ID_PAGE
from connectors.xlsform import field_schema
from warehouse.content_store import ContentStore
from warehouse.db import session_scope
from warehouse.form_contract import BreakingChange, breaking_changes, refusal_message
from warehouse.sync import DEFAULT_OVERLAP, FeedCheck, SyncResult, sync_form

CENTRAL = "central"


class CentralSource:
    """One Central project seen through the interface the warehouse's sync expects."""

    def __init__(self, client: CentralClient, project_id: int, *, id_page: int = ID_PAGE) -> None:
        self._client, self._project_id, self._id_page = client, project_id, id_page

    def count_submissions(self, form_id: str) -> int:
        return self._client.count_submissions(form_id, project_id=self._project_id)

    def iter_submission_pages(
        self, form_id: str, *, since: datetime | None = None, overlap: timedelta = DEFAULT_OVERLAP,
        check: FeedCheck | None = None,
    ) -> Iterator[Any]:
        return self._conditional(check, lambda conditional: self._client.iter_submission_pages(
            form_id, since=since, overlap=overlap, project_id=self._project_id,
            conditional=conditional))

    @staticmethod
    def _conditional(check: FeedCheck | None,
                     pages: Callable[[Conditional | None], Iterator[Any]]) -> Iterator[Any]:
        """Run a feed with Central's If-None-Match and report the outcome back to `check`."""
        conditional = Conditional(etag=check.etag) if check is not None else None
        yield from pages(conditional)
        if check is not None and conditional is not None:
            check.not_modified, check.new_etag = conditional.not_modified, conditional.new_etag

    def iter_deleted_pages(
        self, form_id: str, *, since: datetime | None = None, overlap: timedelta = DEFAULT_OVERLAP,
        check: FeedCheck | None = None,
    ) -> Iterator[Any]:
        # Central lists deleted submissions only when the filter names deletedAt.
        window = "__system/deletedAt ne null"
        if since is not None:
            window = f"__system/deletedAt gt {odata_timestamp(since - overlap)}"
        return self._conditional(check, lambda conditional: self._client.iter_submission_pages(
            form_id, filter=window, expand=True, project_id=self._project_id,
            conditional=conditional))

    def form_fields(self, form_id: str, *, version: str | None = None) -> Sequence[Any]:
        return self._client.form_fields(form_id, version=version, project_id=self._project_id)

    def list_submission_ids(self, form_id: str) -> SubmissionIds:
        return self._client.list_submission_ids(form_id, project_id=self._project_id,
                                                page_size=self._id_page)


def _now() -> datetime:
    return datetime.now(UTC)


def programme_form_ids() -> list[str]:
    """The form ids odksync owns: the stems of forms/xlsform/*.xlsx."""
    return [path.stem for path in forms.form_paths()]


class FormChangeRefused(RuntimeError):
    """A form change would break what the warehouse reads; deploying it needs --force."""

    def __init__(self, message: str, changes: list[BreakingChange]) -> None:
        super().__init__(message)
        self.changes = changes


def warehouse_breaks(local: LocalForm, published_xform: bytes | None) -> list[BreakingChange]:
    """The fields the warehouse reads that this form version removes, renames or retypes."""
    published = field_schema(published_xform.decode("utf-8")) if published_xform is not None else None
    return breaking_changes(local.form_id, field_schema(local.xform.decode("utf-8")),
                            published_fields=published)


def read_programme_forms(
    paths: Sequence[Path], media: Mapping[str, Path], datasets: Collection[str]
) -> list[LocalForm]:
    """The forms with their media, in deploy order (each entity list's creating form first).

    A CSV named after an entity list (`children.csv`) is never read from disk for Central: the
    deploy links the list to it.
    """
    read = [read_local_form(path, form_id=None, attachments=None) for path in paths]
    planned = set(datasets) | {f.creates_dataset for f in read if f.creates_dataset}
    ready = []
    for local in deploy_order(read):
        files = [n for n in local.referenced_files if n.removesuffix(".csv") not in planned]
        absent = [n for n in files if n not in media]
        if absent:
            raise FileNotFoundError(
                f"Form {local.path.name} uses media {', '.join(absent)} missing from {forms.MEDIA_DIR}: "
                "rebuild them with `python -m forms.media`, or deploy the form that creates the "
                "entity list of that name."
            )
        ready.append(replace(local, attachments={n: media[n].read_bytes() for n in files}))
    return ready


def deploy_forms(
    client: CentralClient,
    project_id: int,
    *,
    dry_run: bool = False,
    force: bool = False,
    paths: Sequence[Path] | None = None,
    media: Mapping[str, Path] | None = None,
    warn: Callable[[str], None] | None = None,
) -> list[DeployResult]:
    """Create, update or leave alone every programme form, with its media and entity list links.

    Everything is planned first without writing (versions raised, media present, the warehouse's
    fields kept), so a refusal leaves the server as it was. A change that breaks the fields the
    warehouse reads raises FormChangeRefused unless `force`; with `force` it goes to `warn`.
    """
    datasets = {d.name for d in client.list_datasets(project_id)}
    local_forms = read_programme_forms(
        forms.form_paths() if paths is None else paths,
        forms.media_paths() if media is None else media,
        datasets,
    )
    planned = datasets | {f.creates_dataset for f in local_forms if f.creates_dataset}
    plans = [client.deploy_local_form(f, project_id=project_id, dry_run=True, datasets=planned)
             for f in local_forms]
    broken: list[BreakingChange] = []
    messages = []
    for local, plan in zip(local_forms, plans, strict=True):
        if not plan.definition_changed:
            continue
        published = client.published_xform(local.form_id, project_id) if plan.action == "updated" else None
        changes = warehouse_breaks(local, published)
        if changes:
            broken += changes
            messages.append(refusal_message(local.path.name, changes))
    if broken and not force:
        raise FormChangeRefused(" ".join(messages), broken)
    for message in messages:
        if warn is not None:
            warn(f"--force: {message.removeprefix('Refused to deploy ')}")
    if dry_run:
        return plans
    return [client.deploy_local_form(f, project_id=project_id, dry_run=False, datasets=planned)
            for f in local_forms]


def describe_deploy(result: DeployResult) -> str:
    """One line per form for the person deploying: created, new version X→Y, media changed, unchanged."""
    would = "would be " if result.dry_run else ""
    version = result.version or "-"
    if result.action == "unchanged":
        return f"{result.form_id}: unchanged (version {version})"
    if result.action == "created":
        head = f"{result.form_id}: {would}created (version {version})"
    elif result.definition_changed:
        head = f"{result.form_id}: {would}updated, new version {result.previous_version or '-'} → {version}"
    else:
        head = f"{result.form_id}: {would}updated, version {result.previous_version or '-'} → {version}"
    attachments = [c.removeprefix("attachment ") for c in result.changes if c.startswith("attachment ")]
    links = [c.split(" ", 1)[0] for c in attachments if "(link to entity list" in c]
    media = [c for c in attachments if "(link to entity list" not in c]
    details = []
    if media and result.action == "created":
        details.append(f"media: {', '.join(m.removesuffix(' (new)') for m in media)}")
    elif media:
        details.append(f"media changed: {', '.join(media)}")
    if links:
        details.append(f"links the entity list as {', '.join(links)}")
    if result.creates_dataset:
        details.append(f"fills entity list {result.creates_dataset}")
    return head + (f" ({'; '.join(details)})" if details else "")


def sync_central(
    client: CentralClient,
    project_id: int,
    engine: Engine,
    *,
    form_ids: Sequence[str] | None = None,
    full: bool = False,
    progress: Callable[[str, int, int | None], None] | None = None,
    attachments: ContentStore | None = None,
    clock: Callable[[], datetime] | None = None,
) -> list[SyncResult]:
    """Incremental pull of every programme form published in the project (or only `form_ids`).

    With `attachments`, each form's media files the store lacks are fetched after its sync.
    """
    listed = client.list_forms(project_id=project_id)
    published = {f.xml_form_id for f in listed}
    keys = {f.xml_form_id: f.key_id for f in listed}  # a keyId: submissions arrive encrypted
    wanted = list(form_ids) if form_ids else [f for f in programme_form_ids() if f in published]
    missing = [f for f in wanted if f not in published]
    if missing:
        raise LookupError(
            f"Form(s) {', '.join(missing)} are not on the server in project {project_id}: "
            "deploy them with `odksync forms deploy` or check --form."
        )
    source = CentralSource(client, project_id)
    results = []
    for form_id in wanted:
        def report(done: int, total: int | None, form_id: str = form_id) -> None:
            if progress is not None:
                progress(form_id, done, total)

        with session_scope(engine) as session:
            results.append(sync_form(source, session=session, source=CENTRAL,
                                     project_id=str(project_id), form_id=form_id, full=full,
                                     progress=report, clock=clock or _now))
        from orchestration.encryption import report_encrypted

        report_encrypted(engine, source=CENTRAL, project_id=str(project_id), form_id=form_id,
                         key_id=keys.get(form_id))
        if attachments is not None:
            from orchestration.attachments import fetch_attachments

            fetch_attachments(client, project_id, engine, attachments, form_id=form_id)
    return results
