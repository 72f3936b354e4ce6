"""The one settings object: every environment variable odksync reads, read in one place."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, SecretStr

if TYPE_CHECKING:
    from warehouse.content_store import ContentStore

LOCAL_ADMIN_EMAIL = "admin@odksync.local"
SECRETS_DIRNAME = "secrets"
DEFAULT_MAX_SUBMISSION_BYTES = 5 * 1024 * 1024  # a submission's answers (its JSON), attachments apart
DEFAULT_MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024  # one photo or scan
TLS_ENV = "ODKSYNC_TLS_VERIFY"
_ON = ("1", "true", "yes", "on")
_OFF = ("0", "false", "no", "off")

log = logging.getLogger(__name__)


class ConfigurationValueError(ValueError):
    """An environment variable holds a value odksync cannot use (named, with what it accepts)."""


class Settings(BaseModel):
    """odksync's configuration, as the environment gives it (see README, `.env.example`)."""

    model_config = ConfigDict(frozen=True)

    data_dir: Path
    database_url: str
    central_url: str | None = None
    central_username: str | None = None
    central_password: SecretStr | None = None
    central_project_id: int | None = None
    kobo_url: str | None = None
    kobo_token: SecretStr | None = None
    secret: SecretStr | None = None
    dagster_home: Path
    tls_verify: bool = True  # off only with ODKSYNC_TLS_VERIFY=0 (and a warning each time)
    max_submission_bytes: int = DEFAULT_MAX_SUBMISSION_BYTES
    max_attachment_bytes: int = DEFAULT_MAX_ATTACHMENT_BYTES
    # Share of held submissions in quarantine above which the quarantine check fails.
    quarantine_threshold: float = 0.05
    # Where a failed run's alert is posted (JSON); its path may carry a token, so it is a secret.
    alert_webhook_url: SecretStr | None = None
    # Days a closed case is kept before `odksync purge` erases it (ODKSYNC_RETENTION_DAYS).
    retention_days: int = 5 * 365
    # Days report folders and folder/outbox export files are kept before `odksync purge` deletes them
    # (ODKSYNC_EXPORT_RETENTION_DAYS).
    export_retention_days: int = 90

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the pinned environment variables; defaults keep everything under ODKSYNC_DATA_DIR."""
        env = os.environ if environ is None else environ
        data_dir = Path(env.get("ODKSYNC_DATA_DIR") or "./data").expanduser().resolve()
        project = env.get("ODK_CENTRAL_PROJECT_ID") or None
        return cls(
            data_dir=data_dir,
            database_url=env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'warehouse.sqlite3'}",
            central_url=env.get("ODK_CENTRAL_URL") or None,
            central_username=env.get("ODK_CENTRAL_USERNAME") or None,
            central_password=_secret(env.get("ODK_CENTRAL_PASSWORD")),
            central_project_id=int(project) if project else None,
            kobo_url=env.get("KOBO_URL") or None,
            kobo_token=_secret(env.get("KOBO_TOKEN")),
            secret=_secret(env.get("ODKSYNC_SECRET")),
            dagster_home=Path(env.get("DAGSTER_HOME") or data_dir / "dagster").expanduser().resolve(),
            quarantine_threshold=float(env.get("ODKSYNC_QUARANTINE_THRESHOLD") or 0.05),
            alert_webhook_url=_secret(env.get("ODKSYNC_ALERT_WEBHOOK_URL")),
            tls_verify=_tls_verify(env.get(TLS_ENV)),
            max_submission_bytes=_positive(env, "ODKSYNC_MAX_SUBMISSION_BYTES", DEFAULT_MAX_SUBMISSION_BYTES),
            max_attachment_bytes=_positive(env, "ODKSYNC_MAX_ATTACHMENT_BYTES", DEFAULT_MAX_ATTACHMENT_BYTES),
            retention_days=_retention_days(env),
            export_retention_days=_export_retention_days(env),
        )

    @property
    def uses_local_central(self) -> bool:
        """No ODK_CENTRAL_URL: the demo and commands use the bundled Central-compatible server."""
        return self.central_url is None

    def local_secret(self, name: str) -> str:
        """A secret generated once, kept under the data dir with owner-only permissions, never printed."""
        return ensure_secret_file(self.data_dir / SECRETS_DIRNAME / name)

    @property
    def attachments_dir(self) -> Path:
        """The content-addressed store of submission media (never exported)."""
        return self.data_dir / "attachments"

    def content_store(self) -> ContentStore:
        """The attachment store, refusing files over ODKSYNC_MAX_ATTACHMENT_BYTES."""
        from warehouse.content_store import ContentStore

        return ContentStore(self.attachments_dir, max_file_bytes=self.max_attachment_bytes)

    def odksync_secret(self) -> str:
        """The key for pseudonymous ids: ODKSYNC_SECRET, or the local one generated on first use."""
        if self.secret is not None:
            return self.secret.get_secret_value()
        return self.local_secret("odksync_secret")


def _tls_verify(value: str | None) -> bool:
    """TLS verification is on unless ODKSYNC_TLS_VERIFY says off in so many words; a typo is an error."""
    if value is None or value.strip() == "":
        return True
    word = value.strip().lower()
    if word in _ON:
        return True
    if word in _OFF:
        log.warning("%s=%s: TLS certificate verification is OFF for every server odksync talks to. "
                    "Anyone on the network path can read and change children's data. Use this only "
                    "against a test server.", TLS_ENV, value.strip())
        return False
    raise ConfigurationValueError(f"{TLS_ENV}={value!r} is not understood: use 1 (verify, the default) "
                                  "or 0 (do not verify; test servers only)")


def _retention_days(env: Mapping[str, str]) -> int:
    from warehouse.privacy.retention import retention_days

    try:
        return retention_days(env)
    except ValueError as e:
        raise ConfigurationValueError(str(e)) from None


def _export_retention_days(env: Mapping[str, str]) -> int:
    from warehouse.privacy.expiry import export_retention_days

    try:
        return export_retention_days(env)
    except ValueError as e:
        raise ConfigurationValueError(str(e)) from None


def _positive(env: Mapping[str, str], name: str, default: int) -> int:
    value = (env.get(name) or "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) <= 0:
        raise ConfigurationValueError(f"{name}={value!r} must be a positive number of bytes")
    return int(value)


def _secret(value: str | None) -> SecretStr | None:
    return SecretStr(value) if value else None


def ensure_secret_file(path: Path) -> str:
    """Return the secret in `path`, creating it (0600, in a 0700 folder) when absent."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path.parent, 0o700)
    if path.exists():
        os.chmod(path, 0o600)
        return path.read_text(encoding="utf-8").strip()
    value = secrets.token_urlsafe(24)
    # O_EXCL: two processes starting at once must not both write a different secret.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    return value
