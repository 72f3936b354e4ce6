"""HTTPS delivery against a local HTTPS server with its own CA: bearer token, verified TLS, one
accepted delivery however often a failed POST is retried, and no secret in any message."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import pytest

from connectors.delivery.base import DeliveryError, Parcel, deliver_with_retry
from connectors.delivery.config import HttpsDestination
from connectors.delivery.https import HttpsDeliverer
from orchestration.settings import Settings
from tests.support.https_inbox import Inbox, https_inbox  # noqa: F401  (the fixture)

CONTENT = b'{"rows": [{"child_key": "7c5db9600c4e3967"}]}'
TOKEN_ENV = "ODKSYNC_TEST_AGENCY_TOKEN"


def _parcel() -> Parcel:
    return Parcel("nfe_2026-11_abcd1234.json", CONTENT, "k" * 32, "nfe-kamphaengsaen", "2026-11",
                  "application/json")


def _deliverer(inbox: Inbox, *, ca: bool = True, token: str | None = None,
               verify_tls: bool = True) -> HttpsDeliverer:
    destination = HttpsDestination(type="https", url=inbox.url, token_env=TOKEN_ENV,
                                   ca_file=inbox.ca_file if ca else None, timeout=10)
    return HttpsDeliverer(destination, {TOKEN_ENV: token or inbox.token}, verify_tls=verify_tls)


def test_the_file_goes_with_the_token_over_verified_tls_and_comes_back_with_a_receipt(
        https_inbox: Inbox) -> None:  # noqa: F811
    receipt = _deliverer(https_inbox).deliver(_parcel())
    assert receipt.detail == "rcpt-1" and receipt.location == f"https:{https_inbox.url}"
    (request,) = https_inbox.requests
    headers = request["headers"]
    assert isinstance(headers, dict)
    assert headers["Authorization"] == f"Bearer {https_inbox.token}"
    assert headers["Idempotency-Key"] == "k" * 32
    assert headers["X-Content-SHA256"] == hashlib.sha256(CONTENT).hexdigest()
    assert request["body"] == CONTENT


def test_a_server_the_ca_does_not_vouch_for_is_refused_before_anything_is_sent(
        https_inbox: Inbox, caplog: pytest.LogCaptureFixture) -> None:  # noqa: F811
    with pytest.raises(DeliveryError, match="TLS certificate could not be verified") as refused:
        _deliverer(https_inbox, ca=False).deliver(_parcel())
    assert not refused.value.retryable and https_inbox.requests == []
    assert https_inbox.token not in str(refused.value) and https_inbox.token not in caplog.text


def test_a_500_then_a_retry_is_exactly_one_accepted_delivery(https_inbox: Inbox) -> None:  # noqa: F811
    https_inbox.script = [500]
    waits: list[float] = []
    done = deliver_with_retry(_deliverer(https_inbox), _parcel(), attempts=3, backoff=1.5, sleep=waits.append)
    assert done.receipt is not None and done.attempts == 2 and waits == [1.5]
    keys = [r["headers"]["Idempotency-Key"] for r in https_inbox.requests]  # type: ignore[index]
    assert keys == ["k" * 32, "k" * 32] and list(https_inbox.accepted) == ["k" * 32]
    # A POST repeated after a lost answer is the same delivery to the server.
    assert _deliverer(https_inbox).deliver(_parcel()).detail == "rcpt-1" and len(https_inbox.accepted) == 1


def test_a_refused_token_is_not_retried_and_never_shown(https_inbox: Inbox,  # noqa: F811
                                                        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "wrong-" + "9" * 20
    done = deliver_with_retry(_deliverer(https_inbox, token=wrong), _parcel(), attempts=3, backoff=0,
                              sleep=lambda _: None)
    assert done.receipt is None and done.attempts == 1 and done.error is not None
    assert "401" in str(done.error) and TOKEN_ENV in str(done.error)
    assert wrong not in str(done.error) and wrong not in caplog.text
    with pytest.raises(DeliveryError, match=TOKEN_ENV):
        HttpsDeliverer(HttpsDestination(type="https", url=https_inbox.url, token_env=TOKEN_ENV,
                                        ca_file=https_inbox.ca_file), {}).deliver(_parcel())


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")  # the point of this test
def test_verification_is_off_only_with_the_explicit_flag(https_inbox: Inbox, tmp_path: Path) -> None:  # noqa: F811
    on = Settings.from_env({"ODKSYNC_DATA_DIR": str(tmp_path)})
    with pytest.raises(DeliveryError, match="TLS"):
        _deliverer(https_inbox, ca=False, verify_tls=on.tls_verify).deliver(_parcel())
    off = Settings.from_env({"ODKSYNC_DATA_DIR": str(tmp_path), "ODKSYNC_TLS_VERIFY": "0"})
    assert _deliverer(https_inbox, ca=False, verify_tls=off.tls_verify).deliver(_parcel()).detail == "rcpt-1"


def test_only_https_urls_and_variable_names_are_accepted() -> None:
    with pytest.raises(ValueError, match="https://"):
        HttpsDestination(type="https", url="http://example.org/in", token_env=TOKEN_ENV)
    with pytest.raises(ValueError, match="environment variable NAME"):
        HttpsDestination(type="https", url="https://example.org/in", token_env="s3cr3t-token-value")
