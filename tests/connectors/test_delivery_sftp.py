"""SFTP delivery against a real OpenSSH server on loopback: delivered atomically with the size checked,
a wrong pinned host key refused before anything is sent, and a retry never makes a second copy."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest

from connectors.delivery.base import DeliveryError, Parcel, deliver_with_retry
from connectors.delivery.config import SftpDestination
from connectors.delivery.sftp import HostKeyRefused, SftpDeliverer
from tests.support.sshd import SshServer, sshd  # noqa: F401  (the fixture)

CONTENT = b"period,child_key\r\n2026-11,7c5db9600c4e3967\r\n"


def _parcel(content: bytes = CONTENT) -> Parcel:
    key = hashlib.sha256(content).hexdigest()[:32]
    return Parcel("moe-suphanburi_2026-11_abcd1234.csv", content, key, "moe-suphanburi", "2026-11")


def _destination(server: SshServer, folder: Path, **changes: object) -> SftpDestination:
    fields: dict[str, object] = dict(type="sftp", host="127.0.0.1", port=server.port, user=server.user,
                                     path=str(folder), host_key=server.host_public_key,
                                     key_file=server.client_key, timeout=10)
    fields.update(changes)
    return SftpDestination.model_validate(fields)


def _fingerprint(public_line: str) -> str:
    raw = base64.b64decode(public_line.split()[1])
    return "SHA256:" + base64.b64encode(hashlib.sha256(raw).digest()).decode().rstrip("=")


def test_a_file_is_delivered_whole_under_its_name_with_a_receipt(sshd: SshServer) -> None:  # noqa: F811
    inbox = sshd.root / "inbox"
    inbox.mkdir()
    for pinned in ({}, {"host_key": None, "host_key_fingerprint": _fingerprint(sshd.host_public_key)}):
        receipt = SftpDeliverer(_destination(sshd, inbox, **pinned), {}).deliver(_parcel())
        assert [p.name for p in inbox.iterdir()] == ["moe-suphanburi_2026-11_abcd1234.csv"]
        assert (inbox / "moe-suphanburi_2026-11_abcd1234.csv").read_bytes() == CONTENT
        assert receipt.location == f"sftp://{sshd.user}@127.0.0.1:{sshd.port}{inbox}/{_parcel().file_name}"
        assert receipt.detail.startswith(f"sha256={hashlib.sha256(CONTENT).hexdigest()}")


@pytest.mark.parametrize("pin", ["host_key", "host_key_fingerprint"])
def test_a_wrong_pinned_host_key_is_refused_clearly_and_nothing_is_uploaded(
        sshd: SshServer, pin: str) -> None:  # noqa: F811
    other = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
    wrong = {"host_key": other} if pin == "host_key" else {"host_key": None,
                                                            "host_key_fingerprint": _fingerprint(other)}
    deliverer = SftpDeliverer(_destination(sshd, sshd.root, **wrong), {})
    with pytest.raises(HostKeyRefused) as refused:
        deliverer.deliver(_parcel())
    message = str(refused.value)
    assert "ไม่ตรงกับที่ตั้งค่าไว้" in message and "host key mismatch" in message
    assert _fingerprint(other) in message and _fingerprint(sshd.host_public_key) in message
    assert not refused.value.retryable
    assert list(sshd.root.iterdir()) == []
    # It was refused before authentication: the server never saw our key offered.
    assert "Accepted publickey" not in sshd.log.read_text(errors="replace")
    attempted = deliver_with_retry(deliverer, _parcel(), attempts=3, backoff=0, sleep=lambda _: None)
    assert attempted.attempts == 1 and attempted.receipt is None  # not worth retrying


def test_a_retry_after_a_failure_and_a_repeat_after_success_leave_one_file(sshd: SshServer) -> None:  # noqa: F811
    inbox = sshd.root / "later"
    deliverer = SftpDeliverer(_destination(sshd, inbox), {})
    waits: list[float] = []

    def sleep(seconds: float) -> None:  # the folder appears while the deliverer waits to retry
        waits.append(seconds)
        inbox.mkdir(exist_ok=True)

    attempted = deliver_with_retry(deliverer, _parcel(), attempts=3, backoff=0.5, sleep=sleep)
    assert attempted.receipt is not None and attempted.attempts == 2 and waits == [0.5]
    again = deliverer.deliver(_parcel())  # a run that lost the first answer delivers again
    assert "already there" in again.detail
    assert [p.name for p in inbox.iterdir()] == [_parcel().file_name]  # no temp file, no second copy
    changed = deliverer.deliver(_parcel(CONTENT + b"2026-11,0b4aed125e11bda2\r\n"))
    assert "already there" not in changed.detail
    assert (inbox / _parcel().file_name).read_bytes().endswith(b"0b4aed125e11bda2\r\n")


def test_a_missing_folder_or_refused_login_says_so(sshd: SshServer, tmp_path: Path) -> None:  # noqa: F811
    with pytest.raises(DeliveryError, match="remote folder missing") as missing:
        SftpDeliverer(_destination(sshd, sshd.root / "nope"), {}).deliver(_parcel())
    assert missing.value.retryable
    stranger = tmp_path / "stranger"
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    stranger.write_bytes(Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()))
    with pytest.raises(DeliveryError, match="authentication refused") as refused:
        SftpDeliverer(_destination(sshd, sshd.root, key_file=stranger), {}).deliver(_parcel())
    assert not refused.value.retryable
    with pytest.raises(DeliveryError, match="ODKSYNC_TEST_SFTP_KEY"):
        SftpDeliverer(_destination(sshd, sshd.root, key_file=None, key_file_env="ODKSYNC_TEST_SFTP_KEY"),
                      {}).deliver(_parcel())
    via_env = _destination(sshd, sshd.root, key_file=None, key_file_env="ODKSYNC_TEST_SFTP_KEY")
    assert SftpDeliverer(via_env, {"ODKSYNC_TEST_SFTP_KEY": str(sshd.client_key)}).deliver(_parcel())
