"""Login, refused credentials, unreachable servers, token renewal, and secrets kept out of text."""

from __future__ import annotations

import logging
import socket
from datetime import timedelta

import pytest

from connectors.central.client import CentralClient
from connectors.central.config import CentralConfig
from connectors.central.errors import CentralAuthError, CentralError, CentralUnreachable
from connectors.central.session import CentralSession
from tests.contract.central_contract import Target, submission_xml


def logins(target: Target, since: int = 0) -> int:
    log = list(target.require_sandbox("request log").request_log)[since:]
    return sum(1 for r in log if r.method == "POST" and r.path.endswith("/v1/sessions"))


def test_login_then_list_forms(client: CentralClient, central_config: CentralConfig) -> None:
    client.login()
    assert isinstance(client.list_forms(), list)
    assert client.session.auth.logins == 1


def test_bad_password_is_one_line_naming_the_server(central_config: CentralConfig) -> None:
    wrong = central_config.model_copy(update={"password": "not-the-password-0xCAFE"})
    with CentralClient(wrong) as client, pytest.raises(CentralAuthError) as caught:
        client.list_forms()
    text = str(caught.value)
    assert "\n" not in text
    assert central_config.base_url in text and central_config.username in text
    assert "not-the-password-0xCAFE" not in text
    assert caught.value.status_code == 401


def test_closed_port_is_unreachable_in_one_line() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = CentralConfig(
        base_url=f"http://127.0.0.1:{port}",
        username="a@b.c",
        password="secret-pw-9",
        max_retries=1,
        backoff_factor=0.01,
        timeout=2,
    )
    with CentralClient(config) as client, pytest.raises(CentralUnreachable) as caught:
        client.list_forms(project_id=1)
    text = str(caught.value)
    assert text == (
        f"ODK Central at http://127.0.0.1:{port} could not be reached (connection refused): "
        "check ODK_CENTRAL_URL and that the server is running"
    )
    assert "secret-pw-9" not in repr(caught.value)


def test_token_renewed_before_the_configured_lifetime(central_config: CentralConfig) -> None:
    now = [1000.0]
    session = CentralSession(central_config, clock=lambda: now[0])
    with CentralClient(central_config, session=session) as client:
        client.list_forms()
        first = session.auth.token()
        now[0] += central_config.session_lifetime.total_seconds() + 1
        client.list_forms()
        assert session.auth.logins == 2
        assert session.auth.token() != first


def test_expired_token_renewed_once_on_401(target: Target, client: CentralClient) -> None:
    sandbox = target.require_sandbox("moves the server's clock past the 24 h session")
    client.list_forms()
    before = len(list(sandbox.request_log))
    sandbox.advance_clock(timedelta(hours=25))
    forms = client.list_forms()  # old token now refused with 401; renewed and resent once
    assert isinstance(forms, list)
    after = list(sandbox.request_log)[before:]
    assert [r.status for r in after if r.path.endswith("/forms")] == [401, 200]
    assert logins(target, before) == 1
    assert client.session.auth.logins == 2


def test_no_secret_in_errors_or_logs(
    client: CentralClient, central_config: CentralConfig, deployed_form, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    password = central_config.password.get_secret_value()
    form_id = deployed_form("secrets")
    user = client.ensure_app_user("contract secrets")
    assert user.token
    client.assign_form(form_id, user.id)
    texts: list[str] = []
    client.submit_openrosa(submission_xml(form_id), app_user_token=user.token)
    for bad in (
        lambda: client.submit_openrosa(b"not xml", app_user_token=user.token or ""),
        lambda: client.submit_rest("no_such_form_x", submission_xml("no_such_form_x")),
        lambda: wrong_password_client(central_config).list_forms(),
    ):
        with pytest.raises(Exception) as caught:
            bad()
        texts += [str(caught.value), repr(caught.value), getattr(caught.value, "url", "") or ""]
    texts += [record.getMessage() for record in caught_records(caplog)]
    token = client.session.auth.token()
    for text in texts:
        assert password not in text
        assert token not in text
        assert user.token not in text
    assert any("/v1/key/***/" in t for t in texts), "the OpenRosa path is logged, redacted"


def wrong_password_client(config: CentralConfig) -> CentralClient:
    wrong = config.password.get_secret_value() + "x"
    return CentralClient(config.model_copy(update={"password": wrong}))


def caught_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return list(caplog.records)


def test_pyodk_services_share_the_session_and_raise_our_errors(client: CentralClient, deployed_form) -> None:
    form_id = deployed_form("pyodk")
    assert form_id in [f.xmlFormId for f in client.pyodk.forms.list()]
    with pytest.raises(CentralError) as caught:
        client.pyodk.forms.get(form_id + "_absent")
    assert caught.value.status_code == 404
    assert client.session.auth.logins == 1
