"""Where an agency's file goes, as its configuration says: the destination models (pydantic).

Secrets never appear here: a destination names the environment variable that holds its password,
key file or token, and `resolve_secret` reads it only when the delivery runs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from connectors.delivery.base import DeliveryError

ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
_FINGERPRINT = re.compile(r"^SHA256:[A-Za-z0-9+/]{43}=?$")
_PUBLIC_KEY = re.compile(r"^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) [A-Za-z0-9+/]+=*( .*)?$")


class MissingSecret(DeliveryError):
    """The environment variable a destination names is not set (its name is given; never a value)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=False)


def resolve_secret(name: str, environ: Mapping[str, str]) -> str:
    value = environ.get(name) or ""
    if not value.strip():
        raise MissingSecret(f"ตัวแปรสภาพแวดล้อม {name} ไม่ได้ตั้งค่า (environment variable {name} is not set)")
    return value.strip()


def _env_name(value: str) -> str:
    if not ENV_NAME.match(value):
        raise ValueError("ต้องเป็นชื่อตัวแปรสภาพแวดล้อม เช่น ODKSYNC_SFTP_PASSWORD ไม่ใช่ค่าลับเอง "
                         "(must be an environment variable NAME such as ODKSYNC_SFTP_PASSWORD; "
                         "the value given is not shown, in case it is the secret itself)")
    return value


EnvName = Annotated[str, AfterValidator(_env_name)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FolderDestination(_Strict):
    """A folder on this machine (default ODKSYNC_DATA_DIR/outbox/<agency>/); files land atomically."""

    type: Literal["folder"] = "folder"
    path: Path | None = None

    def describe(self) -> str:
        return f"folder:{self.path}" if self.path else "folder:outbox"


class SftpDestination(_Strict):
    """An SFTP server whose host key is pinned here: an unknown or different key is refused."""

    type: Literal["sftp"]
    host: str = Field(min_length=1)
    port: int = Field(default=22, ge=1, le=65535)
    user: str = Field(min_length=1)
    path: str = Field(min_length=1)  # the remote folder
    host_key: str | None = None  # the server's public key line, e.g. "ssh-ed25519 AAAA…"
    host_key_fingerprint: str | None = None  # or its SHA-256 fingerprint, "SHA256:…" (ssh-keygen -lf)
    key_file: Path | None = None  # a private key file (its permissions are the operator's duty)
    key_file_env: EnvName | None = None  # or the NAME of a variable holding the key file's path
    key_passphrase_env: EnvName | None = None
    password_env: EnvName | None = None  # or the NAME of a variable holding the password
    timeout: float = Field(default=30.0, gt=0)

    @field_validator("host_key")
    @classmethod
    def _public_key(cls, value: str | None) -> str | None:
        if value is not None and not _PUBLIC_KEY.match(value.strip()):
            raise ValueError("host_key ต้องเป็นกุญแจสาธารณะของเซิร์ฟเวอร์ เช่น 'ssh-ed25519 AAAA…' "
                             "(the server's public key line)")
        return value.strip() if value else value

    @field_validator("host_key_fingerprint")
    @classmethod
    def _fingerprint(cls, value: str | None) -> str | None:
        if value is not None and not _FINGERPRINT.match(value.strip()):
            raise ValueError("host_key_fingerprint ต้องอยู่ในรูป 'SHA256:…' ตามที่ ssh-keygen -lf แสดง "
                             "(the SHA256 fingerprint as ssh-keygen -lf prints it)")
        return value.strip() if value else value

    @model_validator(mode="after")
    def _pinned_and_authenticated(self) -> SftpDestination:
        if not (self.host_key or self.host_key_fingerprint):
            raise ValueError("SFTP ต้องระบุ host_key หรือ host_key_fingerprint ของเซิร์ฟเวอร์ "
                             "(an SFTP destination must pin the server's host key; unknown keys are refused)")
        ways = [w for w in (self.key_file, self.key_file_env, self.password_env) if w]
        if len(ways) != 1:
            raise ValueError("SFTP ต้องระบุวิธียืนยันตัวตนหนึ่งวิธี: key_file, key_file_env หรือ password_env "
                             "(exactly one of key_file, key_file_env, password_env)")
        return self

    def describe(self) -> str:
        return f"sftp://{self.user}@{self.host}:{self.port}{self.path}"


class HttpsDestination(_Strict):
    """An HTTPS endpoint that takes the file by POST with a bearer token; TLS is always verified
    (unless ODKSYNC_TLS_VERIFY=0 turns it off for a test server)."""

    type: Literal["https"]
    url: str
    token_env: EnvName
    ca_file: Path | None = None  # a private CA to trust besides the system's (never "no verification")
    timeout: float = Field(default=60.0, gt=0)

    @field_validator("url")
    @classmethod
    def _https_only(cls, value: str) -> str:
        if not value.startswith("https://") or len(value) <= len("https://"):
            raise ValueError("url ต้องขึ้นต้นด้วย https:// (a token is never sent over plain http)")
        return value

    def describe(self) -> str:
        return f"https:{self.url.split('?', 1)[0]}"  # a query string may carry a key: not shown


Destination = Annotated[FolderDestination | SftpDestination | HttpsDestination, Field(discriminator="type")]
