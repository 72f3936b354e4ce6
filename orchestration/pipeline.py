"""The pipeline's stages as plain functions: the CLI, the demo and the Dagster assets call these."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from connectors.central.client import CentralClient
from sqlalchemy import Engine

import forms
from connectors.central.models import DeployResult
from connectors.xlsform import convert
from warehouse.db import session_scope
from warehouse.sync import DEFAULT_OVERLAP, SyncResult, sync_form

CENTRAL = "central"


class CentralSource:
    """One Central project seen through the interface the warehouse's sync expects."""

    def __init__(self, client: CentralClient, project_id: int) -> None:
        self._client, self._project_id = client, project_id

    def count_submissions(self, form_id: str) -> int:
        return self._client.count_submissions(form_id, project_id=self._project_id)

    def iter_submission_pages(
        self, form_id: str, *, since: datetime | None = None, overlap: timedelta = DEFAULT_OVERLAP
    ) -> Iterable[Any]:
        return self._client.iter_submission_pages(
            form_id, since=since, overlap=overlap, project_id=self._project_id
        )

    def form_fields(self, form_id: str, *, version: str | None = None) -> Sequence[Any]:
        return self._client.form_fields(form_id, version=version, project_id=self._project_id)


def programme_form_ids() -> list[str]:
    """The form ids odksync owns: the stems of forms/xlsform/*.xlsx."""
    return [path.stem for path in forms.form_paths()]


def deploy_forms(client: CentralClient, project_id: int, *, dry_run: bool = False) -> list[DeployResult]:
    """Create, update or leave alone every programme form, with its media, and publish it."""
    media = forms.media_paths()
    results = []
    for path in forms.form_paths():
        wanted = convert(path).media
        absent = [name for name in wanted if name not in media]
        if absent:
            raise FileNotFoundError(
                f"Form {path.name} uses media {', '.join(absent)} missing from {forms.MEDIA_DIR}: "
                "rebuild them with `python -m forms.media`."
            )
        needed = {name: media[name] for name in wanted}
        results.append(client.deploy_form(path, attachments=needed, project_id=project_id,
                                          dry_run=dry_run))
    return results


def sync_central(
    client: CentralClient,
    project_id: int,
    engine: Engine,
    *,
    form_ids: Sequence[str] | None = None,
    full: bool = False,
    progress: Callable[[str, int, int | None], None] | None = None,
) -> list[SyncResult]:
    """Incremental pull of every programme form published in the project (or only `form_ids`)."""
    published = {f.xml_form_id for f in client.list_forms(project_id=project_id)}
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
                                     progress=report))
    return results
