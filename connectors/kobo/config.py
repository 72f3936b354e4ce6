"""Connection settings for one KoboToolbox server, built in memory and never written to disk."""

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from connectors.http import base_url, clear_secret


class KoboConfig(BaseModel):
    """Where the server is, the API token, and how patiently to talk to it."""

    model_config = ConfigDict(frozen=True)

    base_url: str  # the KPI server (e.g. https://kf.kobotoolbox.org), without /api/v2
    token: SecretStr  # a user's API token (Account settings → Security → API key)
    timeout: float = Field(default=60.0, gt=0)  # seconds, per connect and per read
    max_retries: int = Field(default=5, ge=0)
    backoff_factor: float = Field(default=0.5, ge=0)
    verify_tls: bool = True
    import_timeout: float = Field(default=300.0, gt=0)  # seconds to wait for an XLSForm import

    def token_value(self) -> str:
        """The token in clear, for the Authorization header only."""
        return clear_secret(self.token)

    @field_validator("base_url")
    @classmethod
    def _strip_base_url(cls, value: str) -> str:
        return base_url(value, api_suffixes=("/api/v2", "/api"), server="KoboToolbox")
