"""Connection settings for one ODK Central server, built in memory and never written to disk."""

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from connectors.http import base_url, clear_secret


class CentralConfig(BaseModel):
    """Where the server is, who logs in, and how patiently to talk to it."""

    model_config = ConfigDict(frozen=True)

    base_url: str  # scheme, host, port (and any path prefix), without /v1
    username: str  # a Central web user's email address
    password: SecretStr
    project_id: int | None = None
    timeout: float = Field(default=60.0, gt=0)  # seconds, per connect and per read
    max_retries: int = Field(default=5, ge=0)
    backoff_factor: float = Field(default=0.5, ge=0)
    verify_tls: bool = True
    page_size: int = Field(default=1000, gt=0)
    # Central's sessions last 24 h from login with no sliding; renew an hour early.
    session_lifetime: timedelta = timedelta(hours=23)

    def password_value(self) -> str:
        """The password in clear, for the login request only."""
        return clear_secret(self.password)

    @field_validator("base_url")
    @classmethod
    def _strip_base_url(cls, value: str) -> str:
        return base_url(value, api_suffixes=("/v1",), server="ODK Central")
