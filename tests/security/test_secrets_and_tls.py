"""Secrets stay out of logs, errors, `status` and the data folder; TLS verification is never silently off."""

from __future__ import annotations

import ipaddress
import logging
import os
import subprocess
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine

from connectors.central.client import CentralClient
from connectors.central.config import CentralConfig
from connectors.central.errors import CentralError
from connectors.kobo.config import KoboConfig
from connectors.kobo.errors import KoboError
from connectors.kobo.session import KoboSession
from orchestration.central import central_config
from orchestration.pipeline import sync_central
from orchestration.settings import ConfigurationValueError, Settings
from tests.conftest import skip_or_fail
from tests.support.local_central import ADMIN, LocalCentral

ODKSYNC_SECRET = "hmac-key-that-must-never-show-7f3a9c"
KOBO_TOKEN = "kobo-token-that-must-never-show-51be"


def odksync(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "orchestration.cli", *args], env={
        **{k: v for k, v in os.environ.items() if not k.startswith(("ODK_", "DATABASE_URL", "KOBO_"))},
        **env}, cwd=cwd, capture_output=True, text=True, timeout=300)


# --- secrets ---------------------------------------------------------------------------------------


def test_sync_status_and_the_data_folder_hold_no_configured_secret(
    central: LocalCentral, tmp_path: Path
) -> None:
    password = central.config.password.get_secret_value()
    env = {"ODKSYNC_DATA_DIR": str(tmp_path / "data"), "ODK_CENTRAL_URL": central.server.url,
           "ODK_CENTRAL_USERNAME": ADMIN, "ODK_CENTRAL_PASSWORD": password,
           "ODK_CENTRAL_PROJECT_ID": str(central.project_id), "ODKSYNC_SECRET": ODKSYNC_SECRET,
           "KOBO_TOKEN": KOBO_TOKEN}
    outputs = []
    for args in (("sync",), ("normalise",), ("status",), ("status", "--json"), ("quarantine", "list")):
        done = odksync(*args, cwd=tmp_path, env=env)
        assert done.returncode == 0, (args, done.stderr)
        outputs.append(done.stdout + done.stderr)
    for secret in (password, ODKSYNC_SECRET, KOBO_TOKEN):
        assert not [o for o in outputs if secret in o]
        leaked = [p for p in (tmp_path / "data").rglob("*")
                  if p.is_file() and secret.encode() in p.read_bytes()]
        assert leaked == []


def test_a_wrong_password_error_and_its_traceback_name_no_password(
    central: LocalCentral, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "not-the-password-c0ffee-93"
    config = central.config.model_copy(update={"password": SecretStr(wrong)})
    caplog.set_level(logging.DEBUG)
    with pytest.raises(CentralError) as caught, CentralClient(config) as client:
        client.list_forms()
    shown = "".join(traceback.format_exception(caught.value)) + repr(caught.value) + str(caught.value.url)
    assert wrong not in shown and wrong not in caplog.text
    assert wrong not in repr(config) and wrong not in str(config.model_dump())


def test_a_sync_logs_no_password_even_at_debug(central: LocalCentral, engine: Engine,
                                               caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with central.client() as client:
        sync_central(client, central.project_id, engine, form_ids=["child_registration"])
    assert caplog.records  # something was logged, and none of it is the password
    assert central.config.password.get_secret_value() not in caplog.text


def test_settings_never_show_their_secrets(tmp_path: Path) -> None:
    settings = Settings.from_env({"ODKSYNC_DATA_DIR": str(tmp_path), "ODKSYNC_SECRET": ODKSYNC_SECRET,
                                  "KOBO_TOKEN": KOBO_TOKEN, "ODK_CENTRAL_PASSWORD": "pw-7781-secret"})
    shown = repr(settings) + str(settings) + str(settings.model_dump()) + settings.model_dump_json()
    for secret in (ODKSYNC_SECRET, KOBO_TOKEN, "pw-7781-secret"):
        assert secret not in shown


# --- TLS -------------------------------------------------------------------------------------------


def test_tls_verification_is_on_by_default_everywhere(tmp_path: Path) -> None:
    assert Settings.from_env({"ODKSYNC_DATA_DIR": str(tmp_path)}).tls_verify is True
    assert CentralConfig(base_url="https://c.example.org", username="u", password=SecretStr("p")).verify_tls
    assert KoboConfig(base_url="https://k.example.org", token=SecretStr("t")).verify_tls
    for on in ("1", "true", "YES", "on", ""):
        assert Settings.from_env({"ODKSYNC_DATA_DIR": str(tmp_path), "ODKSYNC_TLS_VERIFY": on}).tls_verify


@pytest.mark.parametrize("typo", ["nope", "disable", "fasle", "2", "o"])
def test_a_value_that_is_not_clearly_off_is_an_error_not_a_silent_off(tmp_path: Path, typo: str) -> None:
    with pytest.raises(ConfigurationValueError, match="ODKSYNC_TLS_VERIFY"):
        Settings.from_env({"ODKSYNC_DATA_DIR": str(tmp_path), "ODKSYNC_TLS_VERIFY": typo})


def test_turning_tls_off_takes_the_explicit_flag_and_is_warned_loudly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    settings = Settings.from_env({"ODKSYNC_DATA_DIR": str(tmp_path), "ODKSYNC_TLS_VERIFY": " off ",
                                  "ODK_CENTRAL_URL": "https://central.example.org",
                                  "ODK_CENTRAL_USERNAME": "u@example.org", "ODK_CENTRAL_PASSWORD": "pw-1"})
    assert settings.tls_verify is False
    assert "TLS certificate verification is OFF" in caplog.text
    with central_config(settings) as config:
        assert config.verify_tls is False
        caplog.clear()
        with CentralClient(config) as client:
            assert client.session.verify is False
        assert "TLS certificate verification is OFF for ODK Central" in caplog.text
    on = Settings.from_env({"ODKSYNC_DATA_DIR": str(tmp_path), "ODK_CENTRAL_URL": "https://central.example.org",
                            "ODK_CENTRAL_USERNAME": "u@example.org", "ODK_CENTRAL_PASSWORD": "pw-1"})
    with central_config(on) as config, CentralClient(config) as client:
        assert config.verify_tls is True and client.session.verify is True


def test_the_command_refuses_a_mistyped_tls_flag_in_one_line(tmp_path: Path) -> None:
    done = odksync("status", cwd=tmp_path,
                   env={"ODKSYNC_DATA_DIR": str(tmp_path), "ODKSYNC_TLS_VERIFY": "nope"})
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "ODKSYNC_TLS_VERIFY" in done.stderr


@pytest.fixture
def self_signed_https(tmp_path: Path) -> Iterator[str]:
    """A real HTTPS server on loopback with a self-signed certificate, answering `{"ok": true}`."""
    import datetime as dt
    import ssl
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError:
        skip_or_fail("the cryptography package is needed to make a test certificate")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                         serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b'{"ok": true}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_an_untrusted_certificate_is_refused_unless_the_flag_says_otherwise(
    self_signed_https: str, tmp_path: Path
) -> None:
    def ask(env: dict[str, str]) -> object:
        settings = Settings.from_env({"ODKSYNC_DATA_DIR": str(tmp_path), **env})
        config = KoboConfig(base_url=self_signed_https, token=SecretStr("t"), verify_tls=settings.tls_verify,
                            max_retries=0)
        with KoboSession(config) as session:
            return session.json("GET", session.url("api/v2/assets/"))

    with pytest.raises(KoboError, match="SSLError"):
        ask({})  # the default: verified, and this certificate is trusted by no one
    from urllib3.exceptions import InsecureRequestWarning

    with pytest.warns(InsecureRequestWarning):  # every unverified request is warned about
        assert ask({"ODKSYNC_TLS_VERIFY": "0"}) == {"ok": True}


def test_the_central_client_also_verifies_unless_told_not_to(self_signed_https: str) -> None:
    from urllib3.exceptions import InsecureRequestWarning

    def login(verify: bool) -> CentralError:
        config = CentralConfig(base_url=self_signed_https, username="u@example.org",
                               password=SecretStr("pw-unused-1"), verify_tls=verify, max_retries=0)
        with pytest.raises(CentralError) as caught, CentralClient(config) as client:
            client.list_forms(project_id=1)
        return caught.value

    assert "TLS certificate could not be verified" in str(login(True))  # refused before anything is sent
    with pytest.warns(InsecureRequestWarning):
        answered = login(False)  # reached the server, which has no login endpoint
    assert "certificate" not in str(answered) and answered.status_code == 501
