"""The base of every Central resource service: the client's one session, its paths, URL formatting."""

from typing import Any

from connectors.central.session import CentralSession


class Service:
    """One Central resource, as in pyodk: its calls go through the client's session."""

    def __init__(self, session: CentralSession) -> None:
        self.session = session
        self.urls = session.urls

    def _url(self, template: str, **fields: Any) -> str:
        """A path from `urls` with each field quoted (pyodk's Session.urlformat)."""
        return self.session.urlformat(template, **fields)
