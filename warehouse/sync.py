"""Incremental, resumable pull of one form's submissions from a source into the raw layer."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlmodel import Session, col, select

from warehouse.checks import FieldLike, FormChecker
from warehouse.locks import exclusive
from warehouse.models import FormSchema, SyncRun, SyncState
from warehouse.prefetch import prefetched
from warehouse.raw import SubmissionLike, fields_from_rows, store_page
from warehouse.reconcile import IdListLike, reconcile_due, reconcile_form
from warehouse.status import warehouse_count
from warehouse.upsert import upsert

# Equal timestamps must never be skipped: each incremental window reaches back this far before the
# last timestamp seen (Central shows milliseconds but keeps microseconds, and a submission can commit
# a moment after a later one is visible). Rows seen again cost a hash comparison and nothing more.
# Should a row still slip past, the count check after the pass finds it and a full pass follows.
DEFAULT_OVERLAP = timedelta(seconds=2)


class PageLike(Protocol):
    @property
    def submissions(self) -> Sequence[SubmissionLike]: ...


class SubmissionSource(Protocol):
    """What the sync needs from a source's client (ODK Central's implements it)."""

    def count_submissions(self, form_id: str) -> int: ...

    def iter_submission_pages(
        self, form_id: str, *, since: datetime | None = None, overlap: timedelta = ...,
        check: FeedCheck | None = None,
    ) -> Iterable[PageLike]: ...

    def iter_deleted_pages(
        self, form_id: str, *, since: datetime | None = None, overlap: timedelta = ...,
        check: FeedCheck | None = None,
    ) -> Iterable[PageLike]: ...  # submissions deleted (after `since`), as full rows

    def form_fields(
        self, form_id: str, *, version: str | None = None
    ) -> Sequence[FieldLike] | None: ...  # None: the source cannot describe its fields

    def list_submission_ids(self, form_id: str) -> IdListLike: ...  # every current id, and the count


@dataclass
class FeedCheck:
    """A cheap no-change check on a feed: the ETag its same query answered last time.

    A source that supports it asks with If-None-Match and, on 304, yields no page and sets
    `not_modified`; `new_etag` is what to send next time. Others leave it untouched.
    """

    etag: str | None = None
    not_modified: bool = False
    new_etag: str | None = None


@dataclass
class SyncResult:
    """What one sync of one form did; also the Dagster metadata of the raw asset."""

    source: str
    project_id: str
    form_id: str
    mode: str
    pages: int
    fetched: int
    new_submissions: int
    new_versions: int
    flagged: int
    source_count: int
    warehouse_count: int
    watermark: str | None
    reconciled: bool = False  # the source's id list was compared with the warehouse
    found_absent: int = 0  # current rows the source no longer lists, now marked deleted

    @property
    def in_sync(self) -> bool:
        return self.source_count == self.warehouse_count

    def as_metadata(self) -> dict[str, Any]:
        return {**asdict(self), "in_sync": self.in_sync}


def sync_form(
    client: SubmissionSource,
    *,
    session: Session,
    source: str,
    project_id: str,
    form_id: str,
    full: bool = False,
    overlap: timedelta = DEFAULT_OVERLAP,
    progress: Callable[[int, int | None], None] | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> SyncResult:
    """Pull what changed since the form's watermark (everything with `full`) and store it.

    Each page is committed as it arrives; the watermark moves only after the last page, so a run
    that dies midway is completed exactly by the next one (rows already stored compare equal).
    """
    with exclusive(session.get_bind(), f"{source} project {project_id} form {form_id}"):  # type: ignore[arg-type]
        return _sync_locked(client, session=session, source=source, project_id=project_id,
                            form_id=form_id, full=full, overlap=overlap, progress=progress,
                            clock=clock)


def _sync_locked(
    client: SubmissionSource,
    *,
    session: Session,
    source: str,
    project_id: str,
    form_id: str,
    full: bool,
    overlap: timedelta,
    progress: Callable[[int, int | None], None] | None,
    clock: Callable[[], datetime],
) -> SyncResult:
    state = _state(session, source, project_id, form_id)
    since = None if full or state.watermark is None else state.watermark
    run = SyncRun(source=source, project_id=project_id, form_id=form_id,
                  mode="full" if since is None else "incremental", started_at=clock())
    session.add(run)
    state.last_attempt_at = run.started_at
    session.commit()
    schemas = _SchemaCache(client, session, source, project_id, form_id, clock)
    found_absent = 0
    key = {"source": source, "project_id": project_id, "form_id": form_id}

    def pull(window_start: datetime | None, check: FeedCheck | None = None) -> datetime | None:
        return store_all(client.iter_submission_pages(form_id, since=window_start, overlap=overlap,
                                                      check=check))

    def sweep_deleted(window_start: datetime | None, check: FeedCheck) -> datetime | None:
        # Deleted submissions vanish from the normal feed; the deleted feed, stored like any page,
        # records each deletion as a version (Central purges them after 30 days: sweep before).
        pages = client.iter_deleted_pages(form_id, since=window_start, overlap=overlap, check=check)
        store_all(pages)
        return deleted_seen[0]

    deleted_seen: list[datetime | None] = [None]

    def store_all(pages: Iterable[PageLike]) -> datetime | None:
        latest = None
        for page in prefetched(pages):
            stored = store_page(session, page.submissions, **key, checker_for=schemas.checker,
                                now=clock())
            run.pages += 1
            run.fetched += stored.fetched
            run.new_submissions += stored.new_submissions
            run.new_versions += stored.new_versions
            run.flagged += stored.flagged
            if stored.latest is not None:
                latest = stored.latest if latest is None else max(latest, stored.latest)
            if stored.latest_deleted is not None:
                deleted_seen[0] = max(d for d in (stored.latest_deleted, deleted_seen[0]) if d)
            session.commit()
            if progress is not None:
                progress(run.fetched, getattr(page, "count", None))
        return latest

    try:
        # The same query as last time (same window) may be asked conditionally: an idle form then
        # costs two 304s (this feed and the deleted feed) and no count.
        query = _query_key(since, overlap)
        feed = FeedCheck(etag=state.feed_etag if state.feed_query == query else None)
        seen = [pull(since, feed), state.watermark]
        # Any deletion the last sweep could not see happened after the last sync read the server,
        # so after everything that sync saw: the window starts at the later of the two marks.
        marks = [m for m in (state.deleted_watermark, state.watermark) if m is not None]
        deleted_since = None if full or not marks else max(marks)
        deleted_query = _query_key(deleted_since, overlap)
        deleted_feed = FeedCheck(
            etag=state.deleted_etag if state.deleted_query == deleted_query else None)
        deleted_stamps = [sweep_deleted(deleted_since, deleted_feed), state.deleted_watermark]
        unchanged = feed.not_modified and deleted_feed.not_modified and state.last_ok
        if unchanged and state.source_count is not None:
            count = state.source_count  # neither feed changed since the last successful sync
            run.mode = "unchanged"
        else:
            count = client.count_submissions(form_id)
        if since is not None and count > warehouse_count(session, **key):
            # The incremental window missed something (a late commit, a restored submission):
            # a full pass is exact and, rows being compared by hash, writes only what is missing.
            run.mode = "incremental+full"
            seen.append(pull(None))
            count = client.count_submissions(form_id)
        # The backstop for deletions no feed reports (purged after 30 days, or Kobo's): on --full,
        # when the warehouse holds more than the source, and weekly.
        reconciled = full or warehouse_count(session, **key) > count or reconcile_due(
            session, source=source, project_id=project_id, form_id=form_id, now=run.started_at)
        if reconciled:
            check = reconcile_form(client, session=session, **key, clock=clock)
            found_absent = len(check.found_absent)
            if check.relisted:  # restored at the source: a full pass brings their content back
                run.mode = "incremental+full" if since is not None else run.mode
                seen.append(pull(None))
                count = client.count_submissions(form_id)
            elif check.trusted and check.source_count is not None:
                count = check.source_count
        stamps = [s for s in seen if s is not None]
        latest = max(stamps) if stamps else None
        deleted_latest = max((d for d in deleted_stamps if d is not None), default=None)
    except Exception as error:
        session.rollback()
        run.finished_at, run.error = clock(), _one_line(error)
        state.last_ok, state.last_error = False, run.error
        session.add(run)
        session.add(state)
        session.commit()
        raise
    run.finished_at, run.ok, run.source_count = clock(), True, count
    state.watermark, state.source_count = latest, count
    state.deleted_watermark = deleted_latest
    # Remember each feed's ETag with the query it answers; a query that changes next time (a
    # watermark that moved) is asked unconditionally.
    state.feed_etag, state.feed_query = feed.new_etag, query
    state.deleted_etag, state.deleted_query = deleted_feed.new_etag, deleted_query
    state.last_success_at, state.last_ok, state.last_error = run.finished_at, True, None
    session.add(run)
    session.add(state)
    session.commit()
    return SyncResult(
        source=source, project_id=project_id, form_id=form_id, mode=run.mode, pages=run.pages,
        fetched=run.fetched, new_submissions=run.new_submissions, new_versions=run.new_versions,
        flagged=run.flagged, source_count=count,
        warehouse_count=warehouse_count(session, **key),
        watermark=latest.isoformat() if latest else None, reconciled=reconciled,
        found_absent=found_absent,
    )


def _query_key(since: datetime | None, overlap: timedelta) -> str:
    return f"{since.isoformat() if since else 'all'}|{overlap.total_seconds()}"


def _state(session: Session, source: str, project_id: str, form_id: str) -> SyncState:
    key = {"source": source, "project_id": project_id, "form_id": form_id}
    upsert(session, SyncState, [key], keys=list(key), update=[])
    return session.exec(
        select(SyncState).where(*(col(getattr(SyncState, k)) == v for k, v in key.items()))
    ).one()


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text[:500]


class _SchemaCache:
    """Field lists per form version: from the warehouse, else asked of the source once."""

    def __init__(self, client: SubmissionSource, session: Session, source: str, project_id: str,
                 form_id: str, clock: Callable[[], datetime]) -> None:
        self._client, self._session, self._clock = client, session, clock
        self._key = {"source": source, "project_id": project_id, "form_id": form_id}
        self._cache: dict[str, FormChecker | None] = {}

    def checker(self, version: str | None) -> FormChecker | None:
        if version is None:
            return None
        if version not in self._cache:
            fields = fields_from_rows(self._load(version))
            self._cache[version] = FormChecker(fields) if fields is not None else None
        return self._cache[version]

    def _load(self, version: str) -> list[dict[str, Any]] | None:
        stored = self._session.exec(select(FormSchema).where(
            *(col(getattr(FormSchema, k)) == v for k, v in self._key.items()),
            col(FormSchema.form_version) == version,
        )).first()
        if stored is not None:
            return stored.fields
        fields = self._client.form_fields(self._key["form_id"], version=version)
        if fields is None:
            return None
        rows = [{"path": f.path, "type": f.type} for f in fields]
        upsert(self._session, FormSchema, [{**self._key, "form_version": version, "fields": rows,
                                            "fetched_at": self._clock()}],
               keys=[*self._key, "form_version"])
        return rows
