"""Dagster resources: the one place where configuration enters the Dagster graph.

odksync's variables are optional with defaults (no ODK_CENTRAL_URL means the bundled local server;
no DATABASE_URL means SQLite under ODKSYNC_DATA_DIR). Dagster's `EnvVar` refuses an unset variable,
so these resources read the environment at execution time through the same `Settings` object the
CLI uses. Secrets therefore never enter Dagster's run config and never appear in its UI.
"""


import os
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
from pydantic import PrivateAttr
from sqlalchemy import Engine
from sqlmodel import Session

from connectors.central.client import CentralClient
from connectors.kobo import KoboClient
from orchestration.alerts import Alert, deliver_alert
from orchestration.central import central_client
from orchestration.kobo import kobo_client
from orchestration.settings import Settings
from warehouse.db import ensure_schema, make_engine, session_scope


class SettingsResource(dg.ConfigurableResource):
    """odksync's settings; `data_dir` overrides ODKSYNC_DATA_DIR (tests point it at a temp dir)."""

    data_dir: str | None = None

    def settings(self) -> Settings:
        environ = dict(os.environ)
        if self.data_dir is not None:
            environ["ODKSYNC_DATA_DIR"] = self.data_dir
        return Settings.from_env(environ)


class WarehouseResource(dg.ConfigurableResource):
    """The warehouse database (DATABASE_URL, default SQLite under the data dir)."""

    config: dg.ResourceDependency[SettingsResource]
    _engine: Engine | None = PrivateAttr(default=None)

    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.config.settings().database_url)
            ensure_schema(self._engine)
        return self._engine

    @contextmanager
    def session(self) -> Iterator[Session]:
        with session_scope(self.engine()) as session:
            yield session


class CentralResource(dg.ConfigurableResource):
    """ODK Central (ODK_CENTRAL_*), or the bundled local server when ODK_CENTRAL_URL is unset."""

    config: dg.ResourceDependency[SettingsResource]

    @contextmanager
    def client(self) -> Iterator[tuple[CentralClient, int]]:
        with central_client(self.config.settings()) as pair:
            yield pair


class KoboResource(dg.ConfigurableResource):
    """KoboToolbox (KOBO_URL, KOBO_TOKEN), or the bundled local server when KOBO_URL is unset."""

    config: dg.ResourceDependency[SettingsResource]

    @contextmanager
    def client(self) -> Iterator[KoboClient]:
        with kobo_client(self.config.settings()) as client:
            yield client


class AlertResource(dg.ConfigurableResource):
    """Where failed runs are reported: a file under the data dir, and ODKSYNC_ALERT_WEBHOOK_URL if set."""

    config: dg.ResourceDependency[SettingsResource]

    def send(self, alert: Alert) -> str | None:
        """Record the alert; the webhook's answer as one line, or None when no webhook is set."""
        settings = self.config.settings()
        return deliver_alert(alert, data_dir=settings.data_dir, webhook_url=settings.alert_webhook_url)


def default_resources(data_dir: str | None = None) -> dict[str, object]:
    """The graph's resources; `data_dir` pins ODKSYNC_DATA_DIR (the demo runs the graph on its own)."""
    settings = SettingsResource(data_dir=data_dir)
    return {
        "settings": settings,
        "warehouse": WarehouseResource(config=settings),
        "central": CentralResource(config=settings),
        "kobo": KoboResource(config=settings),
        "alerts": AlertResource(config=settings),
    }
