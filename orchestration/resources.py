"""Dagster resources: the one place where configuration enters the Dagster graph.

Every odksync variable reaches Dagster as a `dg.EnvVar` field of `SettingsResource`: Dagster resolves
it when a run starts, shows only the variable's name in its UI, and keeps the value out of run
config and the event log. odksync's variables are all optional with defaults (no ODK_CENTRAL_URL
means the bundled local server; no DATABASE_URL means SQLite under ODKSYNC_DATA_DIR), and Dagster
refuses an EnvVar that is unset, so `settings_resource()` binds the variables that are set. The
values are then checked by the same `Settings` object the CLI uses.
"""


import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

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

# SettingsResource's fields and the variables they come from (README, `.env.example`).
VARIABLES = {
    "data_dir": "ODKSYNC_DATA_DIR",
    "database_url": "DATABASE_URL",
    "central_url": "ODK_CENTRAL_URL",
    "central_username": "ODK_CENTRAL_USERNAME",
    "central_password": "ODK_CENTRAL_PASSWORD",
    "central_project_id": "ODK_CENTRAL_PROJECT_ID",
    "kobo_url": "KOBO_URL",
    "kobo_token": "KOBO_TOKEN",
    "secret": "ODKSYNC_SECRET",
    "tls_verify": "ODKSYNC_TLS_VERIFY",
    "max_submission_bytes": "ODKSYNC_MAX_SUBMISSION_BYTES",
    "max_attachment_bytes": "ODKSYNC_MAX_ATTACHMENT_BYTES",
    "quarantine_threshold": "ODKSYNC_QUARANTINE_THRESHOLD",
    "alert_webhook_url": "ODKSYNC_ALERT_WEBHOOK_URL",
    "dagster_home": "DAGSTER_HOME",
    "retention_days": "ODKSYNC_RETENTION_DAYS",
    "export_retention_days": "ODKSYNC_EXPORT_RETENTION_DAYS",
}


class SettingsResource(dg.ConfigurableResource):
    """odksync's settings, each field one environment variable (`VARIABLES`), unset ones None.

    Build it with `settings_resource()`, which binds each variable as a `dg.EnvVar`; a field given a
    plain value (a test's temporary `data_dir`) overrides its variable.
    """

    data_dir: str | None = None
    database_url: str | None = None
    central_url: str | None = None
    central_username: str | None = None
    central_password: str | None = None
    central_project_id: str | None = None
    kobo_url: str | None = None
    kobo_token: str | None = None
    secret: str | None = None
    tls_verify: str | None = None
    max_submission_bytes: str | None = None
    max_attachment_bytes: str | None = None
    quarantine_threshold: str | None = None
    alert_webhook_url: str | None = None
    dagster_home: str | None = None
    retention_days: str | None = None
    export_retention_days: str | None = None

    def settings(self) -> Settings:
        """The values as `Settings` reads and checks them (a bad value is named, with what it accepts)."""
        environ = {}
        for field, variable in VARIABLES.items():
            value = getattr(self, field)
            if isinstance(value, dg.EnvVar):  # used outside a run: Dagster has not resolved it
                value = value.get_value()
            if value is not None:
                environ[variable] = value
        return Settings.from_env(environ)


def settings_resource(data_dir: str | None = None) -> SettingsResource:
    """The settings resource with every variable that is set bound as a `dg.EnvVar` (names only:
    Dagster reads the values when a run starts); `data_dir` pins ODKSYNC_DATA_DIR instead."""
    bound: dict[str, Any] = {field: dg.EnvVar(variable) for field, variable in VARIABLES.items()
                             if os.environ.get(variable)}
    if data_dir is not None:
        bound["data_dir"] = data_dir
    return SettingsResource(**bound)


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
    settings = settings_resource(data_dir)
    return {
        "settings": settings,
        "warehouse": WarehouseResource(config=settings),
        "central": CentralResource(config=settings),
        "kobo": KoboResource(config=settings),
        "alerts": AlertResource(config=settings),
    }
