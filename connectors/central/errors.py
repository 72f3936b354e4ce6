"""The errors a Central call raises, each one line a data manager can act on, never holding secrets."""

import json
import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import requests
from requests import RequestException, Response
from urllib3.exceptions import (
    ConnectTimeoutError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
)

from connectors.central.redaction import redact
from connectors.http import BodyCut, one_line

# Central answers errors as JSON {"message", "code", "details"}; code is a JSON number <status>.<n>.
AUTH_FAILED = 401.2  # wrong email/password, or an expired or revoked session token
BASIC_AUTH_OVER_HTTP = 401.3  # Central refuses HTTP Basic auth over plain http
FORM_EXISTS = 409.3  # uniqueness violation: the xmlFormId already exists in the project
ALREADY_EXISTS = 409.3  # the same uniqueness code, e.g. an actor already holds that form role
INSTANCE_EXISTS = 409.3  # REST submission whose instanceID Central already has
VERSION_EXISTS = 409.6  # publishing a draft whose version string was published before
UNSUPPORTED_FILTER = 501.5  # $filter on a field Central cannot filter (only __id and __system/*)
NOT_FOUND = 404.1  # no such project, form, entity list or entity
FIELD_TYPE_CONFLICT = 400.17  # a new form version changes the type a published version gave a field
INVALID_ENTITY = 400.28  # an entity body Central cannot take (empty label, unknown property, null value)
ENTITY_VIOLATION = 409.14  # entity processing failed (e.g. an entity uuid that already exists)
ENTITY_VERSION_CONFLICT = 409.15  # baseVersion is not the entity's current version (stale update)
INVALID_VALUE = 400.8  # e.g. a reviewState Central does not know, or a form id not the URL's
EXPECTED_DEPRECATION = 400.19  # a PUT edit whose XML has no meta/deprecatedID
DEPRECATED_ID_NOT_FOUND = 404.5  # an edit's deprecatedID names no version of the submission
DEPRECATING_OLD_SUBMISSION = 409.9  # an edit's deprecatedID is not the current version (stale edit)
SUBMISSION_DELETED = 409.18  # resubmitting the instanceID of a deleted submission

_MESSAGE_MAX = 300


class CentralError(Exception):
    """A call to ODK Central failed; carries the response and Central's own error code."""

    def __init__(
        self,
        message: str,
        *,
        response: Response | None = None,
        status_code: int | None = None,
        central_code: float | None = None,
        url: str | None = None,
    ) -> None:
        super().__init__(one_line(redact(message)))
        self.response = response
        self.status_code = (
            status_code
            if status_code is not None
            else (response.status_code if response is not None else None)
        )
        if central_code is None and response is not None:
            central_code = parse_central_code(response)
        self.central_code = central_code
        if url is None and response is not None:
            url = response.url
        self.url = redact(url) if url is not None else None

    def is_central_error(self, code: float) -> bool:
        """Whether Central answered with this named code (see the constants above)."""
        return self.central_code is not None and abs(self.central_code - code) < 1e-9


class CentralAuthError(CentralError):
    """Central refused the credentials or the rights for a call."""


class EntityVersionConflict(CentralError):
    """An entity update based on a version that is no longer current; carries the current one."""

    def __init__(
        self,
        message: str,
        *,
        dataset: str,
        uuid: str,
        provided_version: int | None,
        current_version: int | None,
        response: Response | None = None,
    ) -> None:
        super().__init__(message, response=response)
        self.dataset = dataset
        self.uuid = uuid
        self.provided_version = provided_version
        self.current_version = current_version


def error_details(response: Response) -> dict[str, Any]:
    """Central's `details` object of an error body ({} when absent)."""
    details = _error_body(response).get("details")
    return details if isinstance(details, dict) else {}


class CentralUnreachable(CentralError):
    """Central could not be reached at all: refused connection, DNS, TLS or timeout."""


def _error_body(response: Response) -> dict[str, Any]:
    try:
        body = json.loads(response.content or b"")
    except (ValueError, UnicodeDecodeError):
        return {}
    return body if isinstance(body, dict) else {}


def parse_central_code(response: Response) -> float | None:
    """Central's code from an error body, as a float; the spec's examples also quote it as text."""
    code = _error_body(response).get("code")
    if isinstance(code, bool):
        return None
    if isinstance(code, int | float):
        return float(code)
    if isinstance(code, str):
        try:
            return float(code)
        except ValueError:
            return None
    return None


def central_message(response: Response) -> str:
    """Central's own explanation of an error, short and on one line, else the HTTP reason."""
    message = _error_body(response).get("message")
    if not isinstance(message, str) or not message.strip():
        message = response.reason or ""
    message = one_line(redact(message))
    return message if len(message) <= _MESSAGE_MAX else message[: _MESSAGE_MAX - 1] + "…"


def _path_of(url: str) -> str:
    return redact(urlsplit(url).path or "/")


def format_code(code: float | None) -> str:
    """409.3 → " 409.3"; Central's codes print without trailing zeros."""
    return f" ({code:g})" if code is not None else ""


def error_from_response(response: Response, *, server: str, username: str) -> CentralError:
    """The project's error for a Central answer of 4xx/5xx, worded for the person who will read it."""
    request = response.request
    method = (request.method or "GET") if request is not None else "GET"
    path = _path_of(response.url or "")
    status = response.status_code
    code = parse_central_code(response)
    if code is not None and code == status:
        code = None  # a bare "503" code says nothing the status does not
    detail = central_message(response)
    if status == 401 and method == "POST" and path.rstrip("/").endswith("/v1/sessions"):
        return CentralAuthError(
            f"ODK Central at {server} refused the login for {username}: "
            "check ODK_CENTRAL_USERNAME and ODK_CENTRAL_PASSWORD",
            response=response,
        )
    if status == 401:
        return CentralAuthError(
            f"ODK Central at {server} refused {method} {path} for {username} "
            f"({status}{format_code(code)}: {detail}): "
            "check ODK_CENTRAL_USERNAME and ODK_CENTRAL_PASSWORD",
            response=response,
        )
    if status == 403:
        return CentralAuthError(
            f"ODK Central at {server} refused {method} {path} for {username} "
            f"({status}{format_code(code)}: {detail}): "
            "give this user a role on the project that allows it",
            response=response,
        )
    return CentralError(
        f"ODK Central at {server} answered {status}{format_code(code)} to {method} {path}: {detail}",
        response=response,
    )


class CentralAnswerCut(CentralUnreachable):
    """Central's answer broke off mid-body (connection dropped, fewer bytes than announced)."""


class AttachmentTooLarge(CentralError):
    """A submission's file is larger than the configured limit: refused, nothing kept of it."""

    def __init__(self, message: str, *, size: int, limit: int, url: str | None = None) -> None:
        super().__init__(message, url=url)
        self.size = size  # bytes announced or read before stopping
        self.limit = limit


def unreachable_error(
    exc: RequestException, *, server: str, timeout: float, url: str | None, maybe_applied: bool = False
) -> CentralUnreachable:
    """The project's error for a request that never got an HTTP answer, even after retries.

    `maybe_applied`: a write that is not safe to repeat was sent once; when the connection
    dropped after it left, Central may have carried it out.
    """
    reason, advice = _describe_failure(exc, timeout)
    never_sent = ("connection refused", "its host name could not be resolved",
                  "its TLS certificate could not be verified")
    if maybe_applied and reason not in never_sent:
        advice = (
            "it may have taken effect, so it was not sent again; check at the server before "
            "repeating it"
        )
    return CentralUnreachable(f"ODK Central at {server} could not be reached ({reason}): {advice}", url=url)


def answer_cut_error(
    cut: BodyCut, *, server: str, method: str, url: str, repeated: bool, attempts: int
) -> CentralAnswerCut:
    """The project's error for an answer whose body broke off, after any resends allowed."""
    path = _path_of(url)
    if repeated:
        return CentralAnswerCut(
            f"ODK Central at {server} broke off its answer to {method} {path} ({cut.reason}) "
            f"{attempts} times: check the network or the proxy in front of Central, then sync again",
            url=url,
        )
    return CentralAnswerCut(
        f"ODK Central at {server} broke off its answer to {method} {path} ({cut.reason}): it may "
        "have taken effect, so it was not sent again; check at the server before repeating it",
        url=url,
    )


def _describe_failure(exc: BaseException, timeout: float) -> tuple[str, str]:
    start = "check ODK_CENTRAL_URL and that the server is running"
    if isinstance(exc, requests.exceptions.SSLError):
        return (
            "its TLS certificate could not be verified",
            "give the server a valid certificate; verification is never switched off silently",
        )
    if isinstance(exc, requests.exceptions.Timeout):
        return f"no answer within {timeout:g} s", "check the network, or raise the timeout"
    causes = list(_causes(exc))
    if any(isinstance(c, NameResolutionError | socket.gaierror) for c in causes):
        return "its host name could not be resolved", "check ODK_CENTRAL_URL"
    if any(isinstance(c, ConnectionRefusedError) for c in causes):
        return "connection refused", start
    # urllib3's NewConnectionError subclasses ConnectTimeoutError: a refusal is not a timeout.
    if any(
        isinstance(c, ConnectTimeoutError | TimeoutError) and not isinstance(c, NewConnectionError)
        for c in causes
    ):
        return f"no answer within {timeout:g} s", "check the network, or raise the timeout"
    if any(isinstance(c, ConnectionResetError | ProtocolError) for c in causes):
        return "the connection was dropped", start
    return "connection failed", start


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception and everything it wraps (requests → urllib3 → socket), shallowest first."""
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    while stack:
        current = stack.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack.extend(a for a in current.args if isinstance(a, BaseException))
        for linked in (getattr(current, "reason", None), current.__cause__, current.__context__):
            if isinstance(linked, BaseException):
                stack.append(linked)
