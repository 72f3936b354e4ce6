"""The one error a Kobo call raises: one line naming the server, carrying the response, never the token."""

from __future__ import annotations

import json
from typing import Any

from requests import Response

from connectors.http import one_line, openrosa_message

_MESSAGE_MAX = 300


class KoboError(Exception):
    """A call to KoboToolbox failed, or answered something odksync cannot use."""

    def __init__(self, message: str, *, response: Response | None = None,
                 status_code: int | None = None, url: str | None = None) -> None:
        super().__init__(one_line(message))
        self.response = response
        self.status_code = status_code if status_code is not None else (
            response.status_code if response is not None else None)
        self.url = url if url is not None else (response.url if response is not None else None)


def kobo_detail(response: Response) -> str:
    """What Kobo said: DRF's {"detail": …}, its {field: [messages]}, an OpenRosa <message>, or
    the HTTP reason."""
    text = (response.content or b"")[:4000]
    try:
        body: Any = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        body = None
    if isinstance(body, dict) and isinstance(body.get("detail"), str):
        detail = body["detail"]
    elif isinstance(body, dict) and body:
        detail = "; ".join(f"{k}: {' '.join(map(str, v)) if isinstance(v, list) else v}"
                           for k, v in body.items())
    else:
        message = openrosa_message(text)
        detail = message if message is not None else response.reason or ""
    detail = one_line(detail)
    return detail[:_MESSAGE_MAX] + ("…" if len(detail) > _MESSAGE_MAX else "")


def error_from_response(response: Response, *, server: str) -> KoboError:
    method = response.request.method if response.request is not None else "request"
    path = (response.url or "").split("?", 1)[0].removeprefix(server)
    advice = ""
    if response.status_code == 401:
        advice = ": check KOBO_TOKEN (Account settings → Security → API key on that server)"
    elif response.status_code == 403:
        advice = ": the token's user lacks the permission for this project"
    return KoboError(f"KoboToolbox at {server} answered {response.status_code} to {method} "
                     f"{path}: {kobo_detail(response)}{advice}", response=response)
