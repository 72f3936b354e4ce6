"""A JSON POST to a configured webhook (a chat room, an on-call service): one call, its own error."""

from typing import Any

import requests
from pydantic import SecretStr

from connectors.http import user_agent

TIMEOUT_SECONDS = 10


class WebhookError(RuntimeError):
    """The webhook refused the post or could not be reached; carries the response when there was one.

    The message never holds the URL: a webhook's path is often its only credential.
    """

    def __init__(self, message: str, *, response: requests.Response | None = None) -> None:
        super().__init__(message)
        self.response = response


def post_json(url: SecretStr, body: dict[str, Any], *, timeout: float = TIMEOUT_SECONDS) -> int:
    """POST `body` as JSON; the status code of a 2xx answer, WebhookError otherwise (no retry:
    an alert posted twice is worse than a failure that is recorded anyway)."""
    try:
        response = requests.post(url.get_secret_value(), json=body, timeout=timeout,
                                 headers={"User-Agent": user_agent(f"requests/{requests.__version__}")})
    except requests.RequestException as e:
        raise WebhookError(f"the alert webhook could not be reached ({type(e).__name__})") from None
    if not 200 <= response.status_code < 300:
        raise WebhookError(f"the alert webhook answered {response.status_code}", response=response)
    return response.status_code
