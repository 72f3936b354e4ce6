"""Keeps bearer tokens, app-user keys and session tokens out of messages and log records."""

import logging
import re

# App-user and public-link tokens travel in the URL path (/v1/key/<token>/…, /v1/test/<token>/…),
# session tokens in DELETE /v1/sessions/<token>; Central's tokens are URL-safe but include ! and $.
_PATH_TOKEN = re.compile(r"(/(?:key|test|sessions)/)(?!current\b)[^/?#\s\"']+")
_BEARER = re.compile(r"((?:Bearer|Basic)\s+)[^\s\"',]+", re.IGNORECASE)
_JSON_SECRET = re.compile(r"(\"(?:token|password)\"\s*:\s*)\"[^\"]*\"", re.IGNORECASE)
_REDACTED = "***"


def redact(text: str) -> str:
    """The text with every token or password we can recognise replaced by ***."""
    text = _PATH_TOKEN.sub(rf"\g<1>{_REDACTED}", text)
    text = _BEARER.sub(rf"\g<1>{_REDACTED}", text)
    return _JSON_SECRET.sub(rf'\g<1>"{_REDACTED}"', text)


class RedactingFilter(logging.Filter):
    """Rewrites a log record's message with tokens redacted (urllib3 logs full request paths)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


# urllib3 logs "GET /v1/key/<token>/… 201" at DEBUG and retry warnings with the URL.
_NOISY_LOGGERS = ("urllib3.connectionpool", "urllib3.util.retry", "urllib3.connection")


def install_log_redaction() -> None:
    """Attach the redacting filter to the HTTP libraries' loggers, once per process."""
    for name in _NOISY_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())
