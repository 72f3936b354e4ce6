"""The one settings object: every environment variable odksync reads, read in one place."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, SecretStr

LOCAL_ADMIN_EMAIL = "admin@odksync.local"
SECRETS_DIRNAME = "secrets"


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
    # Share of held submissions in quarantine above which the quarantine check fails.
    quarantine_threshold: float = 0.05
    # Where a failed run's alert is posted (JSON); its path may carry a token, so it is a secret.
    alert_webhook_url: SecretStr | None = None

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

    def odksync_secret(self) -> str:
        """The key for pseudonymous ids: ODKSYNC_SECRET, or the local one generated on first use."""
        if self.secret is not None:
            return self.secret.get_secret_value()
        return self.local_secret("odksync_secret")


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
