"""Pure helpers for Central's OData feed: the incremental filter, nextLink re-basing, page parsing."""

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from connectors.central.models import Submission, SubmissionPage

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


def parse_page(body: Any, *, page_number: int, api_base: str, current_url: str) -> SubmissionPage:
    """One OData answer as a page: parsed submissions, the rest kept raw in `malformed`."""
    if not isinstance(body, dict):
        return SubmissionPage(
            submissions=[], count=None, page_number=page_number, next_link=None, malformed=[body]
        )
    submissions: list[Submission] = []
    malformed: list[Any] = []
    rows = body.get("value")
    for row in rows if isinstance(rows, list) else []:
        parsed = Submission.from_odata(row)
        if parsed is None:
            malformed.append(row)
        else:
            submissions.append(parsed)
    count = body.get("@odata.count")
    link = body.get("@odata.nextLink")
    return SubmissionPage(
        submissions=submissions,
        count=count if isinstance(count, int) and not isinstance(count, bool) else None,
        page_number=page_number,
        next_link=(
            rebase_link(link, api_base=api_base, current_url=current_url)
            if isinstance(link, str) and link
            else None
        ),
        malformed=malformed,
    )
