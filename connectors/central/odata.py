"""Central's OData feeds: the incremental filter, nextLink re-basing, page parsing and following."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, Protocol, TypeVar
from urllib.parse import urljoin, urlsplit, urlunsplit

from connectors.central.errors import CentralError
from connectors.central.models import Submission, SubmissionPage
from connectors.central.session import CentralSession
from connectors.text_safety import may_hold_surrogates, scrub_lone_surrogates

R = TypeVar("R")
P_co = TypeVar("P_co", covariant=True)

# Only __id and __system/{submissionDate, updatedAt, submitterId, reviewState, deletedAt} filter.
SUBMISSION_DATE = "__system/submissionDate"
UPDATED_AT = "__system/updatedAt"


def odata_timestamp(moment: datetime) -> str:
    """ISO-8601 in UTC with milliseconds and Z, as Central writes its own timestamps."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # naive datetimes are taken as UTC
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def since_filter(since: datetime, overlap: timedelta) -> str:
    """New or changed since `since - overlap`; updatedAt is null until the first edit or review.

    Central keeps microseconds but prints milliseconds, so `gt` a timestamp read from the feed
    also matches the rows of that same millisecond: with the overlap, rows come again by design
    and the caller's upsert by __id absorbs them.
    """
    t = odata_timestamp(since - overlap)
    return f"{SUBMISSION_DATE} gt {t} or {UPDATED_AT} gt {t}"


def combine_filters(*filters: str | None) -> str | None:
    """The filters joined with `and`, each parenthesised; None when there is none."""
    given = [f.strip() for f in filters if f and f.strip()]
    if not given:
        return None
    if len(given) == 1:
        return given[0]
    return " and ".join(f"({f})" for f in given)


def rebase_link(link: str, *, api_base: str, current_url: str) -> str:
    """nextLink on our own base URL: Central builds it from its configured domain, not our host.

    `api_base` is the client's `{base_url}/v1/`; everything after the link's `/v1/` is kept,
    so a server behind a path prefix or a proxy still works. A relative link is resolved
    against the page that carried it.
    """
    absolute = urljoin(current_url, link)
    parts = urlsplit(absolute)
    marker = "/v1/"
    index = parts.path.find(marker)
    if index < 0:
        base = urlsplit(api_base)
        return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, ""))
    tail = parts.path[index + len(marker) :]
    rebased = api_base.rstrip("/") + "/" + tail
    return f"{rebased}?{parts.query}" if parts.query else rebased


def odata_count(body: Any) -> int | None:
    """`@odata.count` of an answer, None when absent or not a whole number."""
    count = body.get("@odata.count") if isinstance(body, dict) else None
    return count if isinstance(count, int) and not isinstance(count, bool) else None


@dataclass(frozen=True)
class FeedRows(Generic[R]):
    """What one OData answer holds, whatever the feed: parsed rows, count, next link, the rest."""

    rows: list[R]
    count: int | None
    next_link: str | None  # already re-based on the configured server URL
    malformed: list[Any]  # rows the parser refused (or a body that is no object), as received


def read_rows(
    body: Any, parse_row: Callable[[Any], R | None], *, api_base: str, current_url: str
) -> FeedRows[R]:
    """One OData answer split by `parse_row`: what it parses, the rest kept raw in `malformed`."""
    if not isinstance(body, dict):
        return FeedRows(rows=[], count=None, next_link=None, malformed=[body])
    parsed: list[R] = []
    malformed: list[Any] = []
    rows = body.get("value")
    for row in rows if isinstance(rows, list) else []:
        item = parse_row(row)
        if item is None:
            malformed.append(row)
        else:
            parsed.append(item)
    link = body.get("@odata.nextLink")
    return FeedRows(
        rows=parsed,
        count=odata_count(body),
        next_link=(
            rebase_link(link, api_base=api_base, current_url=current_url)
            if isinstance(link, str) and link
            else None
        ),
        malformed=malformed,
    )


def parse_page(body: Any, *, page_number: int, api_base: str, current_url: str) -> SubmissionPage:
    """One OData answer as a page: parsed submissions, the rest kept raw in `malformed`."""
    page = read_rows(body, Submission.from_odata, api_base=api_base, current_url=current_url)
    return SubmissionPage(
        submissions=page.rows,
        count=page.count,
        page_number=page_number,
        next_link=page.next_link,
        malformed=page.malformed,
    )


def feed_params(*, page_size: int, filters: tuple[str | None, ...], expand: bool = False) -> dict[str, str]:
    """The first page's query: counted, `page_size` rows, the filters joined (nextLink keeps them)."""
    params: dict[str, str] = {"$count": "true", "$top": str(page_size)}
    if expand:
        params["$expand"] = "*"
    combined = combine_filters(*filters)
    if combined:
        params["$filter"] = combined
    return params


class _Page(Protocol):
    @property
    def next_link(self) -> str | None: ...


P = TypeVar("P", bound=_Page)


class PageParser(Protocol[P_co]):
    """parse_page's signature: how one feed turns an answer into its page model."""

    def __call__(self, body: Any, *, page_number: int, api_base: str, current_url: str) -> P_co: ...


@dataclass
class Conditional:
    """A conditional first page: send the ETag seen last time; learn whether anything changed.

    Central's feed ETag hashes the selected rows' last events (any create, edit, review, delete
    or restore among them changes it), so the same query answering 304 means the same rows.
    """

    etag: str | None = None  # sent as If-None-Match on the first page, when known
    not_modified: bool = False  # set when the server answered 304: no page follows
    new_etag: str | None = None  # the first page's ETag, to send next time


def follow_pages(
    session: CentralSession,
    url: str,
    params: dict[str, str],
    parse: PageParser[P],
    *,
    what: str,
    conditional: Conditional | None = None,
) -> Iterator[P]:
    """Page after page of one feed, following @odata.nextLink re-based on our server URL.

    Nothing is kept between pages. Each GET is retried on 429/5xx by the session's adapter,
    so a transient 503 repeats that page only. `what` names the feed in errors ("form x").
    With `conditional`, the first page is asked for with If-None-Match; a 304 yields no page.
    """
    next_url: str | None = url
    request_params: dict[str, str] | None = params
    page_number = 0
    while next_url is not None:
        if page_number == 0 and conditional is not None and conditional.etag:
            response = session.call("GET", next_url, params=request_params, ok=(304,),
                                    headers={"If-None-Match": conditional.etag})
            if response.status_code == 304:
                conditional.not_modified, conditional.new_etag = True, conditional.etag
                return
        else:
            response = session.call("GET", next_url, params=request_params)
        if page_number == 0 and conditional is not None:
            conditional.new_etag = response.headers.get("ETag")
        page_number += 1
        body = session.json_body(response)
        if may_hold_surrogates(response.content):  # broken text must not stop the sync
            body = scrub_lone_surrogates(body)
        page = parse(
            body,
            page_number=page_number,
            api_base=session.base_url,
            current_url=response.url,
        )
        if page.next_link is not None and page.next_link == response.url:
            raise CentralError(
                f"ODK Central at {session.server} sent a nextLink to the same page of {what}: "
                "stopping instead of looping"
            )
        yield page
        next_url, request_params = page.next_link, None  # nextLink carries every parameter
