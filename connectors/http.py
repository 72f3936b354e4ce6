"""What the Central and Kobo clients share over HTTP: retry policy, whole answers, User-Agent, messages."""

import email.utils
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import orjson
import requests
from pydantic import SecretStr
from urllib3.exceptions import HTTPError as Urllib3Error
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
# Sent again when an answer breaks: these never change anything at the server.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_CHUNK_BYTES = 1 << 16


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

    Only the safe methods (GET, HEAD, OPTIONS), plus `also`, are sent again, whether the answer
    was a 5xx or the connection dropped before it; with `retry_post` (for calls the code marks as
    safe to repeat) every method is. The last 5xx is handed back to become the client's own error.
    """
    methods = set(SAFE_METHODS) | also | (set(Retry.DEFAULT_ALLOWED_METHODS) | {"POST", "PATCH"}
                                          if retry_post else set())
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


class BodyCut(Exception):
    """An answer whose headers came but whose body did not arrive whole."""

    def __init__(self, reason: str, *, received: int, expected: int | None) -> None:
        super().__init__(reason)
        self.reason, self.received, self.expected = reason, received, expected


def is_framed(response: requests.Response) -> bool:
    """Whether the body's end is marked (Content-Length or chunked), so a cut can be told from
    the end; without either it simply ends when the connection closes."""
    if response.headers.get("Content-Length", "").strip().isdigit():
        return True
    return "chunked" in response.headers.get("Transfer-Encoding", "").lower()


def _wire_bytes(response: requests.Response, decoded: int) -> int:
    """Bytes received off the connection (before any Content-Encoding was undone)."""
    tell = getattr(response.raw, "tell", None)
    try:
        return int(tell()) if callable(tell) else decoded
    except (TypeError, ValueError, OSError):
        return decoded


def _is_json(response: requests.Response) -> bool:
    kind = response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
    return kind == "application/json" or kind.endswith("+json")


def read_whole(response: requests.Response) -> bytes:
    """Read the whole body now and check it arrived whole; it then stays in `response.content`.

    BodyCut when the connection broke mid-body, when fewer bytes came than Content-Length
    announced, or when an unframed JSON body (its end is only the connection's) does not parse.
    An answer with no body (HEAD, 204, 304) is whole as it is.
    """
    if getattr(response, "_content_consumed", False):  # read by requests, which checked the framing
        return response.content or b""
    parts: list[bytes] = []
    try:
        for part in response.iter_content(_CHUNK_BYTES):
            parts.append(part)
    except (requests.exceptions.RequestException, Urllib3Error, OSError) as exc:
        response.close()
        raise BodyCut(f"the connection broke mid-answer ({type(exc).__name__})",
                      received=sum(map(len, parts)), expected=_length(response)) from None
    content = b"".join(parts)
    response._content = content
    received, expected = _wire_bytes(response, len(content)), _length(response)
    no_body = (response.request is not None and response.request.method == "HEAD") or \
        response.status_code in (204, 304)
    if expected is not None and not no_body and received < expected:
        raise BodyCut(f"{received} of the {expected} bytes announced arrived",
                      received=received, expected=expected)
    if not no_body and not is_framed(response) and _is_json(response):
        parse_json(response)  # an unframed body that is not whole JSON was cut
    return content


def _length(response: requests.Response) -> int | None:
    value = response.headers.get("Content-Length", "").strip()
    return int(value) if value.isdigit() else None


# Every digit a 0, every other byte a space: a run of 20 digits may be an integer literal beyond 64
# bits, which orjson would read as a float (translate and find beat a regular expression tenfold).
_DIGITS_ONLY = bytes(0x30 if 0x30 <= byte <= 0x39 else 0x20 for byte in range(256))
_LONG_RUN = b"0" * 20


def _fast_json(response: requests.Response) -> Any:
    """The body read by orjson (several times faster on a feed's 1,000-row pages); a body orjson
    would read differently (an integer beyond 64 bits) or refuses goes to requests' own parser,
    so values and errors stay exactly what they were."""
    content = response.content
    if content and _LONG_RUN not in content.translate(_DIGITS_ONLY):
        try:
            return orjson.loads(content)
        except orjson.JSONDecodeError:
            pass
    return response.json()


def parse_json(response: requests.Response) -> Any:
    """The body as JSON. A body that does not parse raises BodyCut when its end was not marked
    (it may have been cut), else ValueError: the server sent something other than JSON."""
    try:
        return _fast_json(response)
    except ValueError:
        if not is_framed(response) and response.status_code not in (204, 304):
            raise BodyCut("the answer ended with the connection before its JSON was whole",
                          received=len(response.content or b""), expected=None) from None
        raise


_RESENDS = "_odksync_resends"


def was_resent(response: requests.Response) -> bool:
    """Whether this answer is to a request sent more than once (by urllib3 or whole_answer): a
    write that meets "not found" or "already done" may then be meeting its own first attempt."""
    retries = getattr(response.raw, "retries", None)
    return bool(getattr(retries, "history", ())) or bool(getattr(response, _RESENDS, 0))


@dataclass(frozen=True)
class Resend:
    """How often, and how patiently, a request that is safe to repeat is sent again when its
    answer arrives broken: `retries` more times, waiting as Retry-After says or else
    `backoff_factor` × 2ⁿ seconds (both capped)."""

    retries: int
    backoff_factor: float

    def wait(self, attempt: int, response: requests.Response | None) -> float:
        told = retry_after_seconds(response.headers.get("Retry-After")) if response is not None else None
        if told is not None:
            return min(told, RETRY_AFTER_MAX_SECONDS)
        return min(self.backoff_factor * (2 ** attempt), 120.0)


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds to wait (a number of seconds or an HTTP date); None when absent."""
    if not value or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def whole_answer(
    send: Callable[[], requests.Response],
    *,
    repeatable: bool,
    resend: Resend,
    sleep: Callable[[float], None] = time.sleep,
) -> requests.Response:
    """`send()` (which must stream) until an answer arrives whole, read into `response.content`.

    A broken answer is asked for again only when `repeatable` (the request changes nothing, or
    the code marked it safe to repeat), at most `resend.retries` more times; otherwise, or when
    the retries run out, the BodyCut is raised for the caller to word. `send()` may itself
    retry 5xx and dropped connections (urllib3's policy); these resends are for answers whose
    headers came but whose body broke.
    """
    attempt = 0
    while True:
        response = send()
        try:
            read_whole(response)
            setattr(response, _RESENDS, attempt)
            return response
        except BodyCut:
            if not repeatable or attempt >= resend.retries:
                raise
            delay = resend.wait(attempt, response)
            attempt += 1
            sleep(delay)
