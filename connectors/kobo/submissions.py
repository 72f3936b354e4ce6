"""The submissions feed (`/data/`, followed through `next` and checked against `count`) and OpenRosa posts."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Literal

from connectors.kobo.errors import KoboError, error_from_response, kobo_detail
from connectors.kobo.models import OpenRosaResult, SubmissionKey, SubmissionKeys, SubmissionPage
from connectors.kobo.session import KoboSession

MAX_PAGE = 1000  # Kobo cuts any larger `limit` to this (SUBMISSION_LIST_LIMIT)
_STATUSES: dict[int, Literal["created", "duplicate", "conflict"]] = {
    200: "created", 201: "created", 202: "duplicate", 409: "conflict"}


def iter_submission_pages(session: KoboSession, uid: str, *,
                          limit: int = MAX_PAGE) -> Iterator[SubmissionPage]:
    """Every page of an asset's submissions, oldest `_id` first, following `next` to the end.

    Kobo pages by offset, so a submission deleted while paging shifts the rest and one would be
    skipped. Two checks catch that: `count` must not drop between pages, and the rows seen must
    add up to the last page's `count`; either failing raises so that the caller pulls again
    rather than keeping a silent gap. (New submissions arriving meanwhile are harmless: they get
    higher `_id`s and land on the later pages.)
    """
    limit = max(1, min(limit, MAX_PAGE))
    url: str | None = session.url(session.urls.data, uid=uid) + f"?limit={limit}&start=0"
    seen, count = 0, None
    while url:
        page = SubmissionPage.model_validate(session.json("GET", url))
        if count is not None and page.count < count:
            raise _changed(session, uid, f"went from {count} to {page.count} submissions")
        seen += len(page.results)
        count = page.count
        yield page
        if page.next and not page.results:
            break  # an empty page that still points on would loop forever
        url = session.rebase(page.next) if page.next else None
    if seen != (count or 0):
        raise _changed(session, uid, f"listed {count} submissions but its pages held {seen}")


def _changed(session: KoboSession, uid: str, what: str) -> KoboError:
    return KoboError(f"KoboToolbox at {session.server} {what} for asset {uid} (submissions were "
                     "deleted while paging): pull again")


KEY_FIELDS = ("meta/rootUuid", "_uuid", "_id")


def list_submission_keys(session: KoboSession, uid: str, *, limit: int = MAX_PAGE) -> SubmissionKeys:
    """Every submission's identifiers, following `next`; each page's `count` kept for the caller.

    Unlike the full feed this does not raise when the counts disagree: the caller decides what a
    list it cannot trust is good for (reconciling infers nothing from it).
    """
    limit = max(1, min(limit, MAX_PAGE))
    params = {"limit": str(limit), "start": "0", "fields": json.dumps(list(KEY_FIELDS))}
    url: str | None = session.url(session.urls.data, uid=uid)
    keys: list[SubmissionKey] = []
    counts: list[int] = []
    while url:
        page = SubmissionPage.model_validate(session.json("GET", url, params=params))
        keys += [SubmissionKey.model_validate(row) for row in page.results]
        counts.append(page.count)
        if page.next and not page.results:
            break  # an empty page that still points on would loop forever
        url, params = (session.rebase(page.next) if page.next else None), {}
    return SubmissionKeys(keys=keys, page_counts=counts)


def count_submissions(session: KoboSession, uid: str) -> int:
    """How many submissions the asset holds now (deleted ones are gone from Kobo's feed)."""
    fields = json.dumps(["_id"])
    page = session.json("GET", session.url(session.urls.data, uid=uid),
                        params={"limit": 1, "fields": fields})
    return int(page["count"])


def submit_openrosa(session: KoboSession, xml: bytes, *,
                    attachments: dict[str, bytes] | None = None) -> OpenRosaResult:
    """POST one submission as KoboCollect does; a repeat is Kobo's 202 Duplicate, so retry is safe."""
    files: list[tuple[str, tuple[str, bytes, str]]] = [
        ("xml_submission_file", (f"{uuid.uuid4()}.xml", xml, "text/xml"))]
    files += [(name, (name, content, "application/octet-stream"))
              for name, content in (attachments or {}).items()]
    response = session.call("POST", session.url(session.urls.submission), files=files,
                            headers={"X-OpenRosa-Version": "1.0"}, ok=tuple(_STATUSES),
                            retry_post=True)
    status = _STATUSES.get(response.status_code)
    if status is None:
        raise error_from_response(response, server=session.server)
    return OpenRosaResult(status=status, http_status=response.status_code,
                          message=kobo_detail(response))
