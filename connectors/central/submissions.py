"""Submissions through Central's OData feed (counted, paged, incremental) and the REST API."""

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from connectors.central.errors import CentralError
from connectors.central.models import SubmissionIds, SubmissionPage
from connectors.central.odata import (
    Conditional,
    FeedRows,
    feed_params,
    follow_pages,
    odata_count,
    parse_page,
    read_rows,
    since_filter,
)
from connectors.central.service import Service

ID_PAGE = 10_000  # ids per page of the id list: 10,000 short rows is a small answer


def _row_id(row: Any) -> str | None:
    value = row.get("__id") if isinstance(row, dict) else None
    return value if isinstance(value, str) and value else None


def _id_page(body: Any, *, page_number: int, api_base: str, current_url: str) -> FeedRows[str]:
    return read_rows(body, _row_id, api_base=api_base, current_url=current_url)


class SubmissionService(Service):
    """One Central resource, as in pyodk: a form's submissions."""

    def _table_url(self, form_id: str, project_id: int, table: str = "Submissions") -> str:
        return self.session.urljoin(
            self._url(self.urls.odata_table, project_id=project_id, form_id=form_id, table=table)
        )

    def count(self, form_id: str, *, filter: str | None, project_id: int) -> int:
        """How many submissions match, without fetching any ($top=0&$count=true)."""
        params = {"$top": "0", "$count": "true"}
        if filter:
            params["$filter"] = filter
        body = self.session.json_body(
            self.session.call("GET", self._table_url(form_id, project_id), params=params)
        )
        count = odata_count(body)
        if count is None:
            raise CentralError(
                f"ODK Central at {self.session.server} gave no @odata.count for form {form_id}"
            )
        return count

    def iter_pages(
        self,
        form_id: str,
        *,
        since: datetime | None,
        overlap: timedelta,
        page_size: int,
        expand: bool,
        filter: str | None,
        project_id: int,
        conditional: Conditional | None = None,
    ) -> Iterator[SubmissionPage]:
        """Page after page, following @odata.nextLink (its $skiptoken keeps the offset stable)."""
        window = since_filter(since, overlap) if since else None
        params = feed_params(page_size=page_size, filters=(filter, window), expand=expand)
        url = self._table_url(form_id, project_id)
        yield from follow_pages(self.session, url, params, parse_page, what=f"form {form_id}",
                                conditional=conditional)

    def list_ids(self, form_id: str, *, project_id: int, page_size: int = ID_PAGE) -> SubmissionIds:
        """Every current (not deleted) submission's __id, following nextLink, with each page's count."""
        params = {"$select": "__id", "$count": "true", "$top": str(page_size)}
        ids: list[str] = []
        counts: list[int | None] = []
        malformed = 0
        for page in follow_pages(self.session, self._table_url(form_id, project_id), params, _id_page,
                                 what=f"form {form_id}"):
            ids += page.rows
            counts.append(page.count)
            malformed += len(page.malformed)
        return SubmissionIds(ids=ids, page_counts=counts, malformed=malformed)

    def submit_rest(self, form_id: str, xml: bytes, project_id: int) -> dict[str, Any]:
        """POST the XML as a web user (REST); a duplicate instanceID answers 409.3.

        Sent once: a broken answer raises CentralAnswerCut (the submission may be stored), never
        a blind resend; a resend of the same XML would meet 409.3 and be told apart by the caller.
        """
        url = self._url(self.urls.submissions, project_id=project_id, form_id=form_id)
        response = self.session.call("POST", url, data=xml, headers={"Content-Type": "application/xml"})
        body = response.json()
        return body if isinstance(body, dict) else {"response": body}
