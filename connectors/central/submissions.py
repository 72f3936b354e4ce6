"""Submissions through Central's OData feed (counted, paged, incremental) and the REST API."""

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from connectors.central.errors import CentralError
from connectors.central.models import SubmissionPage
from connectors.central.odata import combine_filters, parse_page, since_filter
from connectors.central.session import CentralSession


class SubmissionService:
    """One Central resource, as in pyodk: a form's submissions."""

    def __init__(self, session: CentralSession) -> None:
        self.session = session
        self.urls = session.urls

    def _table_url(self, form_id: str, project_id: int, table: str = "Submissions") -> str:
        return self.session.urljoin(
            self.session.urlformat(self.urls.odata_table, project_id=project_id, form_id=form_id, table=table)
        )

    def count(self, form_id: str, *, filter: str | None, project_id: int) -> int:
        """How many submissions match, without fetching any ($top=0&$count=true)."""
        params = {"$top": "0", "$count": "true"}
        if filter:
            params["$filter"] = filter
        body = self.session.call("GET", self._table_url(form_id, project_id), params=params).json()
        count = body.get("@odata.count") if isinstance(body, dict) else None
        if not isinstance(count, int) or isinstance(count, bool):
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
    ) -> Iterator[SubmissionPage]:
        """Page after page, following @odata.nextLink (its $skiptoken keeps the offset stable).

        Nothing is kept between pages. Each GET is retried on 429/5xx by the session's adapter,
        so a transient 503 repeats that page only.
        """
        params: dict[str, str] = {"$count": "true", "$top": str(page_size)}
        if expand:
            params["$expand"] = "*"
        combined = combine_filters(filter, since_filter(since, overlap) if since else None)
        if combined:
            params["$filter"] = combined
        url: str | None = self._table_url(form_id, project_id)
        request_params: dict[str, str] | None = params
        page_number = 0
        while url is not None:
            response = self.session.call("GET", url, params=request_params)
            page_number += 1
            page = parse_page(
                response.json(),
                page_number=page_number,
                api_base=self.session.base_url,
                current_url=response.url,
            )
            if page.next_link is not None and page.next_link == response.url:
                raise CentralError(
                    f"ODK Central at {self.session.server} sent a nextLink to the same page "
                    f"of form {form_id}: stopping instead of looping"
                )
            yield page
            url, request_params = page.next_link, None  # nextLink carries every parameter

    def submit_rest(self, form_id: str, xml: bytes, project_id: int) -> dict[str, Any]:
        """POST the XML as a web user (REST); a duplicate instanceID answers 409.3."""
        url = self.session.urlformat(self.urls.submissions, project_id=project_id, form_id=form_id)
        response = self.session.call("POST", url, data=xml, headers={"Content-Type": "application/xml"})
        body = response.json()
        return body if isinstance(body, dict) else {"response": body}
