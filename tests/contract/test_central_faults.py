"""Transient failures: Retry-After honoured, idempotent POSTs retried, lasting failures reported."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest

from connectors.central.client import CentralClient
from connectors.central.config import CentralConfig
from connectors.central.errors import CentralError, CentralUnreachable
from tests.contract.central_contract import Target, submission_xml


@pytest.fixture
def sandbox(target: Target) -> Iterator[object]:
    server = target.require_sandbox("injects faults")
    yield server
    server.faults.clear()


def test_429_waits_as_retry_after_says(client: CentralClient, sandbox) -> None:
    client.list_forms()
    sandbox.faults.add(method="GET", path_pattern=r"/forms$", status=429, times=1, retry_after=1)
    started = time.monotonic()
    assert isinstance(client.list_forms(), list)
    assert time.monotonic() - started >= 1.0


def test_openrosa_post_is_retried_once_stored(client: CentralClient, sandbox, deployed_form) -> None:
    form_id = deployed_form("orretry")
    user = client.ensure_app_user(f"retry {uuid.uuid4().hex[:6]}")
    client.assign_form(form_id, user.id)
    sandbox.faults.add(method="POST", path_pattern=r"/submission$", status=503, times=1)
    result = client.submit_openrosa(submission_xml(form_id), app_user_token=user.token or "")
    assert result.status == "created"
    assert client.count_submissions(form_id) == 1


def test_a_lasting_503_becomes_one_central_error(central_config: CentralConfig, sandbox) -> None:
    config = central_config.model_copy(update={"max_retries": 2, "backoff_factor": 0.01})
    with CentralClient(config) as client:
        client.login()
        sandbox.faults.add(method="GET", path_pattern=r"/forms$", status=503, times=10)
        with pytest.raises(CentralError) as caught:
            client.list_forms()
    assert caught.value.status_code == 503
    assert str(caught.value).startswith(f"ODK Central at {config.base_url} answered 503 to GET ")
    assert "\n" not in str(caught.value)


def test_a_server_too_slow_is_unreachable_naming_the_timeout(central_config: CentralConfig, sandbox) -> None:
    config = central_config.model_copy(update={"max_retries": 0, "timeout": 0.5})
    with CentralClient(config) as client:
        client.login()
        sandbox.faults.add(method="GET", path_pattern=r"/forms$", status=None, delay_seconds=2)
        with pytest.raises(CentralUnreachable) as caught:
            client.list_forms()
    assert str(caught.value) == (
        f"ODK Central at {config.base_url} could not be reached (no answer within 0.5 s): "
        "check the network, or raise the timeout"
    )


@pytest.mark.parametrize("kind", ["drop", "drop_after_headers", "truncate", "cut_chunked", "cut_unframed"])
def test_a_broken_feed_answer_is_read_again(client: CentralClient, sandbox, deployed_form, kind: str) -> None:
    form_id = deployed_form("cutfeed")
    client.submit_rest(form_id, submission_xml(form_id))
    sandbox.faults.add(method="GET", path_pattern=r"\.svc/Submissions", kind=kind, times=1)
    rows = [s.id for page in client.iter_submission_pages(form_id) for s in page.submissions]
    assert len(rows) == 1 and len(sandbox.faults.fired) == 1


def test_a_rest_submission_whose_answer_broke_is_not_sent_again(
    client: CentralClient, sandbox, deployed_form
) -> None:
    form_id = deployed_form("cutpost")
    client.login()
    sandbox.faults.add(method="POST", path_pattern=r"/submissions$", kind="truncate", times=5)
    with pytest.raises(CentralUnreachable, match="may have taken effect"):
        client.submit_rest(form_id, submission_xml(form_id))
    assert len(sandbox.faults.fired) == 1  # sent once
    sandbox.faults.clear()
    assert client.count_submissions(form_id) == 1
