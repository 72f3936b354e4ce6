"""One pyodk Session per client: retries and timeout for http and https, TLS on, renewing login."""

import logging
import threading
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from http.cookiejar import Cookie, DefaultCookiePolicy
from typing import Any
from urllib.parse import urlsplit

from pyodk.__version__ import __version__ as pyodk_version
from pyodk._utils.session import Adapter, Session
from requests import PreparedRequest, Response
from requests.adapters import BaseAdapter
from requests.auth import AuthBase
from urllib3.util.retry import Retry

from connectors.central.config import CentralConfig
from connectors.central.errors import (
    CentralAuthError,
    CentralError,
    answer_cut_error,
    error_from_response,
    unreachable_error,
)
from connectors.central.redaction import install_log_redaction
from connectors.central.urls import URLs
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

log = logging.getLogger(__name__)

_IDEMPOTENT_POST: ContextVar[bool] = ContextVar("central_idempotent_post", default=False)


def user_agent() -> str:
    """odksync/<version> pyodk/<version>, so that Central's logs show who called."""
    return http_user_agent(f"pyodk/{pyodk_version}")


def build_retry(config: CentralConfig, *, retry_post: bool) -> Retry:
    """urllib3's retry policy from the config; POST only for calls that are safe to repeat."""
    return retry_policy(total=config.max_retries, backoff_factor=config.backoff_factor, retry_post=retry_post)


@contextmanager
def idempotent_post() -> Iterator[None]:
    """Within this block every method is retried (POST, PUT, PATCH, DELETE too): only for calls
    the code marks as safe to repeat."""
    token = _IDEMPOTENT_POST.set(True)
    try:
        yield
    finally:
        _IDEMPOTENT_POST.reset(token)


class _NoCookies(DefaultCookiePolicy):
    """Central's login also sets a session cookie; the bearer token is all we want to hold."""

    def set_ok(self, cookie: Cookie, request: Any) -> bool:
        return False


class CentralSession(Session):
    """pyodk's Session with the project's adapter on both schemes and a renewing bearer token."""

    def __init__(
        self,
        config: CentralConfig,
        *,
        urls: URLs | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # cache_path=None: pyodk keeps the token in memory and never writes its TOML cache.
        super().__init__(
            base_url=config.base_url,
            api_version="v1",
            username=config.username,
            password=config.password_value(),
            cache_path=None,
        )
        self.config = config
        self.urls = urls or URLs()
        self.server = config.base_url
        install_log_redaction()
        # pyodk mounts its retrying adapter for https:// only; plain-http servers get it too.
        adapter = Adapter(timeout=config.timeout, max_retries=build_retry(config, retry_post=False))
        self.mount("http://", adapter)
        self.mount("https://", adapter)
        self._post_adapter = Adapter(timeout=config.timeout, max_retries=build_retry(config, retry_post=True))
        self.resend = Resend(retries=config.max_retries, backoff_factor=config.backoff_factor)
        self.verify = config.verify_tls
        if not config.verify_tls:
            log.warning("TLS certificate verification is OFF for ODK Central at %s", self.server)
        self.cookies.set_policy(_NoCookies())
        self.headers.update({"User-Agent": user_agent()})
        self.auth = TokenAuth(self, config=config, clock=clock)

    def get_adapter(self, url: str) -> BaseAdapter:
        if _IDEMPOTENT_POST.get() and url.lower().startswith(("http://", "https://")):
            return self._post_adapter
        return super().get_adapter(url)

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Response:
        """Any transport failure (after retries) becomes CentralUnreachable naming the server."""
        try:
            return super().request(method, url, *args, **kwargs)
        except TRANSPORT_ERRORS as exc:
            verb = method.decode() if isinstance(method, bytes) else method
            repeated = verb.upper() in SAFE_METHODS or _IDEMPOTENT_POST.get()
            raise unreachable_error(
                exc, server=self.server, timeout=self.config.timeout, url=str(url),
                maybe_applied=not repeated,
            ) from None

    def call(
        self,
        method: str,
        url: str,
        *,
        ok: Collection[int] = (),
        idempotent: bool = False,
        **kwargs: Any,
    ) -> Response:
        """Send one request; any status >= 400 not listed in `ok` raises a CentralError.

        GET and HEAD, and calls marked `idempotent` (repeating them does no harm), are sent
        again on 429/5xx, on a connection dropped before the answer, and on an answer whose
        body broke off (bounded by max_retries, with backoff, Retry-After obeyed). Any other
        call is sent once: a broken answer raises CentralAnswerCut saying it may have taken
        effect. Unless `stream=True`, the body is read whole here and checked.
        """
        if kwargs.pop("stream", False):
            response = self._send(method, url, idempotent=idempotent, stream=True, **kwargs)
        else:
            repeatable = idempotent or method.upper() in SAFE_METHODS
            try:
                response = whole_answer(
                    lambda: self._send(method, url, idempotent=idempotent, stream=True, **kwargs),
                    repeatable=repeatable,
                    resend=self.resend,
                )
            except BodyCut as cut:
                raise answer_cut_error(
                    cut, server=self.server, method=method, url=url, repeated=repeatable,
                    attempts=1 + (self.resend.retries if repeatable else 0),
                ) from None
        if response.status_code >= 400 and response.status_code not in ok:
            raise self.error_for(response)
        return response

    def _send(self, method: str, url: str, *, idempotent: bool, **kwargs: Any) -> Response:
        if idempotent:
            with idempotent_post():
                return self.request(method, url, **kwargs)
        return self.request(method, url, **kwargs)

    def json_body(self, response: Response) -> Any:
        """The answer as JSON (`call` has read it whole); a body that is no JSON is a CentralError."""
        try:
            return parse_json(response)
        except BodyCut as cut:
            request = response.request
            raise answer_cut_error(
                cut, server=self.server, method=(request.method or "GET") if request else "GET",
                url=response.url, repeated=False, attempts=1,
            ) from None
        except ValueError:
            raise CentralError(
                f"ODK Central at {self.server} answered {urlsplit(response.url).path} with something "
                "other than JSON: is ODK_CENTRAL_URL an ODK Central server?",
                response=response,
            ) from None

    def response_or_error(
        self, method: str, url: str, logger: logging.Logger, *args: Any, **kwargs: Any
    ) -> Response:
        """pyodk's services call this: raise our errors instead of logging the response body."""
        return self.call(method, url, *args, **kwargs)

    def error_for(self, response: Response) -> CentralError:
        """The project's error for a 4xx/5xx answer from this server."""
        return error_from_response(response, server=self.server, username=self.config.username)

    def merge_environment_settings(self, url: Any, proxies: Any, stream: Any, verify: Any,
                                   cert: Any) -> dict[str, Any]:
        """requests lets REQUESTS_CA_BUNDLE override `verify=False` on a session; the configured
        choice must hold either way (verification off only by the explicit setting)."""
        settings: dict[str, Any] = super().merge_environment_settings(url, proxies, stream, verify, cert)
        if self.verify is False:
            settings["verify"] = False
        return settings

    def close(self) -> None:
        super().close()
        self._post_adapter.close()


class TokenAuth(AuthBase):
    """Bearer auth that logs in lazily, renews before the session's 24 h end and once on a 401."""

    def __init__(self, session: CentralSession, *, config: CentralConfig, clock: Callable[[], float]) -> None:
        self.session = session
        self.config = config
        self.clock = clock
        self._token: str | None = None
        self._renew_at = 0.0
        self._lock = threading.RLock()
        self.logins = 0  # how many sessions this client has opened, for logs and tests

    def login(self) -> str:
        """pyodk's Client.open() calls this; logs in now if no valid token is held."""
        return f"Bearer {self.token()}"

    def token(self) -> str:
        with self._lock:
            if self._token is None or self.clock() >= self._renew_at:
                self._renew(stale=self._token)
            assert self._token is not None
            return self._token

    def _renew(self, *, stale: str | None) -> None:
        with self._lock:
            if self._token is not None and self._token != stale:
                return  # another thread renewed already
            # Logging in again only opens another session at Central: safe to retry.
            response = self.session.call(
                "POST",
                self.session.urls.sessions,
                json={"email": self.config.username, "password": self.config.password_value()},
                idempotent=True,
            )
            body = response.json() if response.content else {}
            token = body.get("token") if isinstance(body, dict) else None
            if not isinstance(token, str) or not token:
                raise CentralAuthError(
                    f"ODK Central at {self.session.server} accepted the login for "
                    f"{self.config.username} but sent no session token: is ODK_CENTRAL_URL "
                    "an ODK Central server?",
                    response=response,
                )
            self._token = token
            self._renew_at = self.clock() + self._lifetime_seconds(body)
            self.logins += 1
            log.info("Logged in to ODK Central at %s as %s", self.session.server, self.config.username)

    def _lifetime_seconds(self, body: dict[str, Any]) -> float:
        """The configured lifetime, shortened if the server announces shorter sessions."""
        lifetime = self.config.session_lifetime.total_seconds()
        try:
            created = datetime.fromisoformat(str(body["createdAt"]).replace("Z", "+00:00"))
            expires = datetime.fromisoformat(str(body["expiresAt"]).replace("Z", "+00:00"))
        except (KeyError, ValueError, TypeError):
            return lifetime
        announced = (expires - created).total_seconds()
        return min(lifetime, announced * 0.95) if announced > 0 else lifetime

    def _is_exempt(self, request: PreparedRequest) -> bool:
        path = urlsplit(request.url or "").path
        if request.method == "POST" and path == urlsplit(self.session.urljoin("sessions")).path:
            return True  # the login itself
        # App-user and draft-test calls authenticate by the token in the path, as Collect does.
        return "/v1/key/" in path or "/v1/test/" in path

    def __call__(self, request: PreparedRequest) -> PreparedRequest:
        if self._is_exempt(request) or "Authorization" in request.headers:
            return request
        request.headers["Authorization"] = f"Bearer {self.token()}"
        request.register_hook("response", self._retry_after_renewal)
        return request

    def _retry_after_renewal(self, response: Response, **kwargs: Any) -> Response:
        """On a 401 (Central's 401.2 for an expired session) log in again and resend once."""
        if response.status_code != 401 or response.request is None:
            return response
        sent = str(response.request.headers.get("Authorization", ""))
        self._renew(stale=sent.removeprefix("Bearer "))
        response.content  # noqa: B018 - read the body so the connection can be reused
        response.close()
        retry = response.request.copy()
        retry.headers["Authorization"] = f"Bearer {self.token()}"
        adapter = (
            response.connection
            if response.connection is not None
            else self.session.get_adapter(retry.url or "")
        )
        renewed: Response = adapter.send(retry, **kwargs)
        renewed.history.append(response)
        renewed.request = retry
        return renewed
