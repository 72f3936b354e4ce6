"""One requests session per Kobo client: base URL, token, timeout, retries honouring Retry-After."""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterator
from contextvars import ContextVar
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from requests import PreparedRequest, Response
from requests.adapters import BaseAdapter, HTTPAdapter
from urllib3.util.retry import Retry

from connectors.http import TRANSPORT_ERRORS, retry_policy
from connectors.http import user_agent as http_user_agent
from connectors.kobo.config import KoboConfig
from connectors.kobo.errors import KoboError, error_from_response
from connectors.kobo.urls import URLs

log = logging.getLogger(__name__)

_RETRY_POST: ContextVar[bool] = ContextVar("kobo_retry_post", default=False)


def user_agent() -> str:
    """odksync/<version> requests/<version>, so that Kobo's logs show who called."""
    return http_user_agent(f"requests/{requests.__version__}")


def build_retry(config: KoboConfig, *, retry_post: bool) -> Retry:
    """urllib3's policy: 429 and 5xx retried with backoff, Retry-After obeyed; POST only when
    repeating it does no harm (an OpenRosa submission: Kobo answers a repeat 202 Duplicate)."""
    # PATCH too: Kobo's PATCHes here (deployment, asset settings) set a state, so a repeat is harmless.
    return retry_policy(total=config.max_retries, backoff_factor=config.backoff_factor,
                        retry_post=retry_post, also=frozenset({"PATCH"}))


class _TimeoutAdapter(HTTPAdapter):
    """An adapter that applies the configured timeout when a call gives none."""

    def __init__(self, *, timeout: float, max_retries: Retry) -> None:
        super().__init__(max_retries=max_retries)
        self.timeout = timeout

    def send(self, request: PreparedRequest, **kwargs: Any) -> Response:  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, **kwargs)


class KoboSession(requests.Session):
    """Token-authenticated session; paths are joined to the base URL; failures raise KoboError."""

    def __init__(self, config: KoboConfig, *, urls: URLs | None = None) -> None:
        super().__init__()
        self.config = config
        self.urls = urls or URLs()
        self.server = config.base_url
        self._adapter = _TimeoutAdapter(timeout=config.timeout,
                                        max_retries=build_retry(config, retry_post=False))
        self._post_adapter = _TimeoutAdapter(timeout=config.timeout,
                                             max_retries=build_retry(config, retry_post=True))
        self.mount("http://", self._adapter)
        self.mount("https://", self._adapter)
        self.verify = config.verify_tls
        if not config.verify_tls:
            log.warning("TLS certificate verification is OFF for KoboToolbox at %s", self.server)
        self.headers.update({"User-Agent": user_agent(), "Accept": "application/json",
                             "Authorization": f"Token {config.token_value()}"})

    def url(self, path: str, **fields: str) -> str:
        return urljoin(self.server + "/", path.format(**fields))

    def rebase(self, link: str) -> str:
        """A link Kobo built (`next`, `url`) moved onto the configured base URL: behind a proxy
        Kobo may name another scheme or host, and the token must only go to the configured one."""
        parts = urlsplit(link)
        return self.server + parts.path + (f"?{parts.query}" if parts.query else "")

    def results(self, url: str) -> Iterator[Any]:
        """Every item of a paged KPI list (`results`), following `next`, re-based, to the end."""
        next_url: str | None = url
        while next_url:
            page = self.json("GET", next_url)
            yield from page.get("results", [])
            next_url = self.rebase(page["next"]) if page.get("next") else None

    def call(self, method: str, url: str, *, ok: Collection[int] = (), retry_post: bool = False,
             **kwargs: Any) -> Response:
        """Send one request; a status >= 400 not in `ok` raises KoboError naming the server."""
        try:
            if retry_post:
                response = self._post_adapter_request(method, url, **kwargs)
            else:
                response = self.request(method, url, **kwargs)
        except TRANSPORT_ERRORS as exc:
            raise KoboError(f"KoboToolbox at {self.server} could not be reached "
                            f"({type(exc).__name__}, timeout {self.config.timeout:g} s): check "
                            "KOBO_URL and the network", url=url) from None
        if response.status_code >= 400 and response.status_code not in ok:
            raise error_from_response(response, server=self.server)
        return response

    def _post_adapter_request(self, method: str, url: str, **kwargs: Any) -> Response:
        token = _RETRY_POST.set(True)
        try:
            return self.request(method, url, **kwargs)
        finally:
            _RETRY_POST.reset(token)

    def get_adapter(self, url: str) -> BaseAdapter:
        if _RETRY_POST.get() and url.lower().startswith(("http://", "https://")):
            return self._post_adapter
        return super().get_adapter(url)

    def json(self, method: str, url: str, **kwargs: Any) -> Any:
        response = self.call(method, url, **kwargs)
        try:
            return response.json()
        except ValueError:
            raise KoboError(f"KoboToolbox at {self.server} answered {method} {url} with "
                            "something other than JSON: is KOBO_URL a KoboToolbox (KPI) server?",
                            response=response) from None

    def close(self) -> None:
        super().close()
        self._post_adapter.close()
