"""KoboClient: the one facade over a KoboToolbox server (KPI v2 and its OpenRosa endpoint)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

from connectors.kobo import deploy as deploying
from connectors.kobo import submissions
from connectors.kobo.config import KoboConfig
from connectors.kobo.models import (
    AssetInfo,
    KoboDeployResult,
    OpenRosaResult,
    SubmissionKeys,
    SubmissionPage,
)
from connectors.kobo.session import KoboSession
from connectors.kobo.urls import URLs


class KoboClient:
    """Open it (`with KoboClient(config) as kobo:`) and call what the pipeline needs."""

    def __init__(self, config: KoboConfig, *, urls: URLs | None = None) -> None:
        self.config = config
        self.session = KoboSession(config, urls=urls)

    def __enter__(self) -> KoboClient:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self.session.close()

    def list_assets(self, *, asset_type: str | None = "survey") -> list[AssetInfo]:
        """Every asset the token's user can see (of one type), through all pages."""
        query = f"?limit=100&q=asset_type:{asset_type}" if asset_type else "?limit=100"
        url = self.session.url(self.session.urls.assets) + query
        return [AssetInfo.model_validate(item) for item in self.session.results(url)]

    def get_asset(self, uid: str) -> AssetInfo:
        return deploying.Deployer(self.session).get_asset(uid)

    def find_asset(self, form_id: str) -> AssetInfo | None:
        """The asset odksync deployed for this XLSForm form_id, if any."""
        return deploying.Deployer(self.session).find_asset(form_id)

    def deploy_form(self, xlsx_path: Path, *, attachments: dict[str, Path] | None = None,
                    dry_run: bool = False) -> KoboDeployResult:
        """Create or replace the asset from the XLSForm, upload changed media, (re)deploy;
        nothing is written when the form and its media are unchanged or on a dry run."""
        local = deploying.read_local_form(Path(xlsx_path), attachments)
        return deploying.deploy(self.session, local, dry_run=dry_run)

    def iter_submission_pages(self, uid: str, *, limit: int = submissions.MAX_PAGE
                              ) -> Iterator[SubmissionPage]:
        return submissions.iter_submission_pages(self.session, uid, limit=limit)

    def list_submission_keys(self, uid: str, *, limit: int = submissions.MAX_PAGE) -> SubmissionKeys:
        """Every submission's `meta/rootUuid`, `_uuid` and `_id`, with each page's `count`."""
        return submissions.list_submission_keys(self.session, uid, limit=limit)

    def count_submissions(self, uid: str) -> int:
        return submissions.count_submissions(self.session, uid)

    def submit_openrosa(self, xml: bytes, *,
                        attachments: dict[str, bytes] | None = None) -> OpenRosaResult:
        return submissions.submit_openrosa(self.session, xml, attachments=attachments)
