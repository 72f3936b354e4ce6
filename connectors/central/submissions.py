"""Submissions through Central's OData feed (counted, paged, incremental) and the REST API."""

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from connectors.central.errors import CentralError
from connectors.central.models import SubmissionPage
from connectors.central.odata import (
    Conditional,
    feed_params,
    follow_pages,
    odata_count,
    parse_page,
    since_filter,
)
from connectors.central.service import Service


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
        body = self.session.call("GET", self._table_url(form_id, project_id), params=params).json()
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

    def submit_rest(self, form_id: str, xml: bytes, project_id: int) -> dict[str, Any]:
        """POST the XML as a web user (REST); a duplicate instanceID answers 409.3."""
        url = self._url(self.urls.submissions, project_id=project_id, form_id=form_id)
        response = self.session.call("POST", url, data=xml, headers={"Content-Type": "application/xml"})
        body = response.json()
        return body if isinstance(body, dict) else {"response": body}
