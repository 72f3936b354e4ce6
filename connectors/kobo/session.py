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

from connectors.http import (
    SAFE_METHODS,
    TRANSPORT_ERRORS,
    BodyCut,
    Resend,
    parse_json,
    retry_policy,
    whole_answer,
)
from connectors.http import user_agent as http_user_agent
from connectors.kobo.config import KoboConfig
from connectors.kobo.errors import KoboError, error_from_response
from connectors.kobo.urls import URLs
from connectors.text_safety import may_hold_surrogates, scrub_lone_surrogates

log = logging.getLogger(__name__)

_RETRY_POST: ContextVar[bool] = ContextVar("kobo_retry_post", default=False)
# Besides GET and HEAD, what is sent again after a 5xx, a dropped connection or a broken answer:
# Kobo's PATCHes here (deployment, asset settings) set a state, and the one DELETE (a form media
# file before its replacement) accepts the 404 a repeat meets.
REPEATABLE = frozenset({"PATCH", "DELETE"})


def user_agent() -> str:
    """odksync/<version> requests/<version>, so that Kobo's logs show who called."""
    return http_user_agent(f"requests/{requests.__version__}")


def build_retry(config: KoboConfig, *, retry_post: bool) -> Retry:
    """urllib3's policy: 429 and 5xx retried with backoff, Retry-After obeyed; POST only when
    repeating it does no harm (an OpenRosa submission: Kobo answers a repeat 202 Duplicate)."""
    return retry_policy(total=config.max_retries, backoff_factor=config.backoff_factor,
                        retry_post=retry_post, also=REPEATABLE)


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
        self.resend = Resend(retries=config.max_retries, backoff_factor=config.backoff_factor)
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
        """Send one request; a status >= 400 not in `ok` raises KoboError naming the server.

        The body is read whole here and checked (unless `stream=True`). GET, HEAD, the
        REPEATABLE methods and `retry_post` calls are sent again when the answer breaks off, at
        most max_retries more times with backoff; any other call is sent once, and a broken
        answer raises KoboError saying it may have taken effect.
        """
        repeatable = retry_post or method.upper() in SAFE_METHODS | REPEATABLE
        try:
            if kwargs.pop("stream", False):
                response = self._send(method, url, retry_post, stream=True, **kwargs)
            else:
                response = whole_answer(
                    lambda: self._send(method, url, retry_post, stream=True, **kwargs),
                    repeatable=repeatable, resend=self.resend)
        except TRANSPORT_ERRORS as exc:
            applied = "" if repeatable else (
                "; it may have taken effect, so it was not sent again: check at the server "
                "before repeating it")
            raise KoboError(f"KoboToolbox at {self.server} could not be reached "
                            f"({type(exc).__name__}, timeout {self.config.timeout:g} s): check "
                            f"KOBO_URL and the network{applied}", url=url) from None
        except BodyCut as cut:
            path = url.split("?", 1)[0].removeprefix(self.server)
            if repeatable:
                raise KoboError(f"KoboToolbox at {self.server} broke off its answer to {method} "
                                f"{path} ({cut.reason}) {1 + self.resend.retries} times: check "
                                "the network, then pull again", url=url) from None
            raise KoboError(f"KoboToolbox at {self.server} broke off its answer to {method} {path} "
                            f"({cut.reason}): it may have taken effect, so it was not sent again; "
                            "check at the server before repeating it", url=url) from None
        if response.status_code >= 400 and response.status_code not in ok:
            raise error_from_response(response, server=self.server)
        return response

    def _send(self, method: str, url: str, retry_post: bool, **kwargs: Any) -> Response:
        if not retry_post:
            return self.request(method, url, **kwargs)
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
            body = parse_json(response)
            # Text that is not valid Unicode must not stop the sync: made visible, kept.
            return scrub_lone_surrogates(body) if may_hold_surrogates(response.content) else body
        except BodyCut as cut:
            raise KoboError(f"KoboToolbox at {self.server} broke off its answer to {method} {url} "
                            f"({cut.reason}): pull again", response=response) from None
        except ValueError:
            raise KoboError(f"KoboToolbox at {self.server} answered {method} {url} with "
                            "something other than JSON: is KOBO_URL a KoboToolbox (KPI) server?",
                            response=response) from None

    def merge_environment_settings(self, url: Any, proxies: Any, stream: Any, verify: Any,
                                   cert: Any) -> Any:
        """requests lets REQUESTS_CA_BUNDLE override `verify=False` on a session; the configured
        choice must hold either way (verification off only by the explicit setting)."""
        settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
        if self.verify is False:
            settings["verify"] = False
        return settings

    def close(self) -> None:
        super().close()
        self._post_adapter.close()
