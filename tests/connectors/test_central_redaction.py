"""Tokens are recognised and replaced wherever they may travel: paths, headers, JSON, log records."""

from __future__ import annotations

import logging

import pytest

from connectors.central.redaction import RedactingFilter, redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("POST /v1/key/d1!E2GVHg$Dusm/projects/1/submission", "POST /v1/key/***/projects/1/submission"),
        (
            "http://h/v1/test/abc$!x/projects/1/forms/f/draft/submission",
            "http://h/v1/test/***/projects/1/forms/f/draft/submission",
        ),
        ("DELETE /v1/sessions/lSpAIeksRu1CNZs7!qjAot", "DELETE /v1/sessions/***"),
        ("DELETE /v1/sessions/current", "DELETE /v1/sessions/current"),
        ("POST /v1/sessions", "POST /v1/sessions"),
        ("Authorization: Bearer abc.def!$", "Authorization: Bearer ***"),
        ("authorization: basic Zm9vOmJhcg==", "authorization: basic ***"),
        ('{"email": "a@b", "password": "hunter2"}', '{"email": "a@b", "password": "***"}'),
        ('{"token":"d1!E2G","id":3}', '{"token":"***","id":3}'),
        ("/v1/projects/1/forms/key.svc/Submissions", "/v1/projects/1/forms/key.svc/Submissions"),
        ("nothing to hide", "nothing to hide"),
    ],
)
def test_redact(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_filter_rewrites_log_records() -> None:
    record = logging.LogRecord(
        "urllib3.connectionpool",
        logging.DEBUG,
        __file__,
        1,
        '%s://%s:%s "%s %s %s" %s',
        ("http", "h", 80, "POST", "/v1/key/SECRET/projects/1/submission", "HTTP/1.1", 201),
        None,
    )
    assert RedactingFilter().filter(record)
    assert record.getMessage() == 'http://h:80 "POST /v1/key/***/projects/1/submission HTTP/1.1" 201'
