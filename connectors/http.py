"""What the Central and Kobo clients share over HTTP: retry policy, User-Agent, settings, messages."""

import re
from importlib.metadata import PackageNotFoundError, version

import requests
from pydantic import SecretStr
from urllib3.util.retry import Retry

RETRY_STATUSES = (429, 500, 502, 503, 504)
RETRY_AFTER_MAX_SECONDS = 300  # a longer Retry-After (a maintenance window) is cut to this
# A request that never reached an HTTP answer (refused, dropped, timed out) after the retries.
TRANSPORT_ERRORS = (
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    requests.exceptions.ChunkedEncodingError,
)
_OPENROSA_MESSAGE = re.compile(rb"<message[^>]*>(.*?)</message>", re.DOTALL)


def user_agent(library: str) -> str:
    """odksync/<version> followed by the HTTP library (`pyodk/1.2`), so server logs show who called."""
    try:
        ours = version("odksync")
    except PackageNotFoundError:
        ours = "0"
    return f"odksync/{ours} {library}"


def retry_policy(
    *, total: int, backoff_factor: float, retry_post: bool, also: frozenset[str] = frozenset()
) -> Retry:
    """urllib3's policy: 429 and 5xx retried with backoff, Retry-After obeyed (up to a cap).

    Idempotent methods, plus `also`, are retried; POST only when `retry_post` says repeating
    it does no harm. The last 5xx is handed back so that it becomes the client's own error.
    """
    methods = set(Retry.DEFAULT_ALLOWED_METHODS) | also | ({"POST"} if retry_post else set())
    return Retry(
        total=total,
        backoff_factor=backoff_factor,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset(methods),
        respect_retry_after_header=True,  # 429 and 503 with Retry-After wait as told
        retry_after_max=RETRY_AFTER_MAX_SECONDS,
        raise_on_status=False,
    )


def base_url(value: str, *, api_suffixes: tuple[str, ...], server: str) -> str:
    """A server URL as configured, without trailing slashes or the API's own path (each suffix
    removed in turn); `server` names the kind of server in the error for a non-HTTP URL."""
    value = value.strip().rstrip("/")
    for suffix in api_suffixes:
        value = value.removesuffix(suffix)
    if not value.startswith(("http://", "https://")):
        raise ValueError(f"{server} URL must start with http:// or https://, got {value!r}")
    return value


def clear_secret(secret: SecretStr | str) -> str:
    """The secret in clear, for the one request that needs it.

    model_copy(update=...) skips validation, so a str may sit where SecretStr belongs.
    """
    return secret.get_secret_value() if isinstance(secret, SecretStr) else str(secret)


def one_line(text: str) -> str:
    """Whitespace collapsed so that a message stays one line in logs and the Dagster UI."""
    return re.sub(r"\s+", " ", text).strip()


def openrosa_message(content: bytes) -> str | None:
    """The text of an OpenRosaResponse's <message>, undecodable bytes replaced; None without one."""
    found = _OPENROSA_MESSAGE.search(content)
    return found.group(1).decode("utf-8", "replace") if found else None
