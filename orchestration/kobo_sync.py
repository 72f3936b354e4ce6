"""KoboToolbox submissions into the same raw layer: whole feed read, only changes written."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from connectors.kobo.client import KoboClient
from connectors.kobo.submissions import MAX_PAGE
from orchestration.pipeline import programme_form_ids
from warehouse.db import session_scope
from warehouse.sync import DEFAULT_OVERLAP, FeedCheck, SyncResult, sync_form

KOBO = "kobo"
# Kobo has no projects: its assets are the forms. The key stays (source, "", form_id) so that a
# replaced asset (a new uid) keeps its history under the XLSForm's own form_id.
KOBO_PROJECT = ""


@dataclass
class KoboSystem:
    """Kobo's bookkeeping in the shape the raw layer stores."""

    submission_date: datetime | None
    updated_at: datetime | None = None  # Kobo keeps no modification time: edits show by content
    deleted_at: datetime | None = None
    review_state: str | None = None
    form_version: str | None = None


@dataclass
class KoboRow:
    """One Kobo submission: keyed by meta/rootUuid, which survives edits (`_uuid` does not)."""

    id: str
    system: KoboSystem
    data: Mapping[str, Any]
    raw: Mapping[str, Any]


@dataclass
class KoboPage:
    submissions: list[KoboRow]
    count: int | None = None
    skipped: list[Mapping[str, Any]] = field(default_factory=list)


def kobo_key(root_uuid: Any, uuid: Any) -> str | None:
    """The stable key: `meta/rootUuid` (else `_uuid`) as `uuid:…`; None when neither is usable."""
    key = root_uuid or uuid
    if not isinstance(key, str) or not key:
        return None
    return key if key.startswith("uuid:") else f"uuid:{key}"


@dataclass
class KoboIds:
    """An asset's submission keys as the warehouse's reconciliation reads them."""

    ids: list[str]
    count: int | None


def kobo_row(raw: Mapping[str, Any]) -> KoboRow | None:
    """A feed row as the raw layer takes it; None when it carries no usable key."""
    key = kobo_key(raw.get("meta/rootUuid"), raw.get("_uuid"))
    if key is None:
        return None
    status = raw.get("_validation_status")
    return KoboRow(
        id=key,
        system=KoboSystem(
            submission_date=_kobo_time(raw.get("_submission_time")),
            review_state=status.get("uid") if isinstance(status, Mapping) else None,
            form_version=str(raw["__version__"]) if raw.get("__version__") else None,
        ),
        data=_nested(raw),
        raw=raw,
    )


def _kobo_time(value: Any) -> datetime | None:
    """Kobo writes `_submission_time` in UTC without an offset."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _nested(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Kobo's flat `group/field` keys as nested groups, like Central's; its own `_` keys dropped."""
    nested: dict[str, Any] = {}
    for key, value in raw.items():
        if key.startswith("_"):
            continue
        node = nested
        *groups, leaf = key.split("/")
        for group in groups:
            child = node.setdefault(group, {})
            node = child if isinstance(child, dict) else {}
        node[leaf] = value
    return nested


class KoboSource:
    """Kobo assets seen through the interface the warehouse's sync expects."""

    def __init__(self, client: KoboClient, uids: Mapping[str, str], *,
                 id_page: int = MAX_PAGE) -> None:
        self._client, self._uids, self._id_page = client, uids, id_page

    def count_submissions(self, form_id: str) -> int:
        return self._client.count_submissions(self._uids[form_id])

    def iter_submission_pages(
        self, form_id: str, *, since: datetime | None = None, overlap: timedelta = DEFAULT_OVERLAP,
        check: FeedCheck | None = None,
    ) -> Iterator[KoboPage]:
        # No modification time to filter on: every sync reads the feed, and the raw layer writes
        # only rows whose content hash changed (an edit, a validation status).
        for page in self._client.iter_submission_pages(self._uids[form_id]):
            rows = [kobo_row(r) for r in page.results]
            yield KoboPage([r for r in rows if r is not None], page.count,
                           [raw for raw, r in zip(page.results, rows, strict=True) if r is None])

    def iter_deleted_pages(
        self, form_id: str, *, since: datetime | None = None, overlap: timedelta = DEFAULT_OVERLAP,
        check: FeedCheck | None = None,
    ) -> Iterator[KoboPage]:
        return iter(())  # Kobo lists no deletions: they are found by reconciling ids

    def form_fields(self, form_id: str, *, version: str | None = None) -> Sequence[Any] | None:
        return None  # field types are checked on Central's typed feed; Kobo's values are all text

    def list_submission_ids(self, form_id: str) -> KoboIds:
        listing = self._client.list_submission_keys(self._uids[form_id], limit=self._id_page)
        keys = [kobo_key(k.root_uuid, k.uuid) for k in listing.keys]
        # A row without a usable key makes the list unusable for inferring absence: no count.
        count = listing.count if all(keys) else None
        return KoboIds([k for k in keys if k], count)


def sync_kobo(
    client: KoboClient,
    engine: Engine,
    *,
    form_ids: Sequence[str] | None = None,
    full: bool = False,
    progress: Callable[[str, int, int | None], None] | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> list[SyncResult]:
    """Pull every programme form deployed as a Kobo asset (or only `form_ids`)."""
    uids = {form_id: asset.uid for form_id in (form_ids or programme_form_ids())
            if (asset := client.find_asset(form_id)) is not None}
    missing = [f for f in (form_ids or []) if f not in uids]
    if missing:
        raise LookupError(f"Form(s) {', '.join(missing)} are not deployed on KoboToolbox: deploy "
                          "them with `odksync forms deploy --target kobo` or check --form.")
    source = KoboSource(client, uids)
    results = []
    for form_id in uids:
        def report(done: int, total: int | None, form_id: str = form_id) -> None:
            if progress is not None:
                progress(form_id, done, total)

        with session_scope(engine) as session:
            results.append(sync_form(source, session=session, source=KOBO, project_id=KOBO_PROJECT,
                                     form_id=form_id, full=full, progress=report, clock=clock))
    return results
