"""Central's error bodies become one-line errors with the right class, code and no secrets."""

from __future__ import annotations

import json

import pytest
import requests
from requests import PreparedRequest, Response

from connectors.central.errors import (
    FORM_EXISTS,
    CentralAuthError,
    CentralError,
    CentralUnreachable,
    error_from_response,
    format_code,
    parse_central_code,
    unreachable_error,
)

SERVER = "https://central.example.org"


def response(status: int, body: object, *, method: str = "GET", path: str = "/v1/projects") -> Response:
    r = Response()
    r.status_code = status
    r._content = body if isinstance(body, bytes) else json.dumps(body).encode()
    r.url = SERVER + path
    r.reason = "Reason"
    request = PreparedRequest()
    request.prepare(method=method, url=r.url)
    r.request = request
    return r


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"message": "exists", "code": 409.3}, 409.3),
        ({"message": "x", "code": "409.3"}, 409.3),  # the spec's examples quote it
        ({"message": "x", "code": 404}, 404.0),
        ({"message": "x", "code": True}, None),
        ({"message": "x", "code": "n/a"}, None),
        ({"message": "no code"}, None),
        ([1, 2], None),
        (b"<html>502 Bad Gateway</html>", None),
        (b"", None),
    ],
)
def test_central_code_parsing(body: object, code: float | None) -> None:
    assert parse_central_code(response(409, body)) == code


@pytest.mark.parametrize(("code", "text"), [(409.3, " (409.3)"), (409.15, " (409.15)"), (None, "")])
def test_code_formatting(code: float | None, text: str) -> None:
    assert format_code(code) == text


@pytest.mark.parametrize(
    ("status", "body", "method", "path", "cls", "expected"),
    [
        (
            401,
            {"code": 401.2, "message": "Could not authenticate"},
            "POST",
            "/v1/sessions",
            CentralAuthError,
            f"ODK Central at {SERVER} refused the login for admin@x.org: "
            "check ODK_CENTRAL_USERNAME and ODK_CENTRAL_PASSWORD",
        ),
        (
            403,
            {"code": 403.1, "message": "no rights"},
            "GET",
            "/v1/projects/3/forms",
            CentralAuthError,
            f"ODK Central at {SERVER} refused GET /v1/projects/3/forms for admin@x.org "
            "(403 (403.1): no rights): give this user a role on the project that allows it",
        ),
        (
            409,
            {"code": 409.3, "message": "A resource already exists\n with id"},
            "POST",
            "/v1/projects/1/forms",
            CentralError,
            f"ODK Central at {SERVER} answered 409 (409.3) to POST /v1/projects/1/forms: "
            "A resource already exists with id",
        ),
        (
            502,
            b"<html>bad gateway</html>",
            "GET",
            "/v1/projects/1/forms/a.svc/Submissions",
            CentralError,
            f"ODK Central at {SERVER} answered 502 to GET /v1/projects/1/forms/a.svc/Submissions: Reason",
        ),
        (
            403,
            {"code": 403.1, "message": "no"},
            "POST",
            "/v1/key/s3cr3t!tok$en/projects/1/submission",
            CentralAuthError,
            f"ODK Central at {SERVER} refused POST /v1/key/***/projects/1/submission for admin@x.org "
            "(403 (403.1): no): give this user a role on the project that allows it",
        ),
    ],
)
def test_error_messages(
    status: int, body: object, method: str, path: str, cls: type[CentralError], expected: str
) -> None:
    err = error_from_response(
        response(status, body, method=method, path=path), server=SERVER, username="admin@x.org"
    )
    assert type(err) is cls
    assert str(err) == expected
    assert err.status_code == status
    assert "s3cr3t" not in (err.url or "")


def test_named_code_is_tolerated_by_name() -> None:
    err = error_from_response(response(409, {"code": 409.3}), server=SERVER, username="u")
    assert err.is_central_error(FORM_EXISTS)
    assert not err.is_central_error(409.6)


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (requests.exceptions.ConnectTimeout("x"), "no answer within 7 s"),
        (requests.exceptions.ReadTimeout("x"), "no answer within 7 s"),
        (
            requests.exceptions.SSLError("certificate verify failed"),
            "its TLS certificate could not be verified",
        ),
        (requests.exceptions.ConnectionError(ConnectionRefusedError(111, "refused")), "connection refused"),
        (requests.exceptions.ConnectionError("something else"), "connection failed"),
    ],
)
def test_unreachable_reasons(exc: requests.RequestException, reason: str) -> None:
    err = unreachable_error(exc, server=SERVER, timeout=7, url=SERVER + "/v1/key/tok/x")
    assert isinstance(err, CentralUnreachable)
    assert str(err).startswith(f"ODK Central at {SERVER} could not be reached ({reason}): ")
    assert err.url == SERVER + "/v1/key/***/x"


def test_dns_failure_is_named() -> None:
    session = requests.Session()
    try:
        session.get("http://central.invalid/v1/projects", timeout=5)
    except requests.RequestException as exc:
        err = unreachable_error(exc, server="http://central.invalid", timeout=5, url=None)
    else:  # pragma: no cover - .invalid never resolves (RFC 6761)
        pytest.fail("central.invalid resolved")
    assert "(its host name could not be resolved): check ODK_CENTRAL_URL" in str(err)
