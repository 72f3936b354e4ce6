"""The SFTP destination (paramiko): the server's host key must be the pinned one, or nothing is sent.

No host-key policy object is used at all: the transport is opened by hand, the key the server
presents is compared with the configuration's before any credential is offered, and a mismatch
closes the connection. The file goes up under a temporary name, its size is checked, then it is
renamed into place, so the partner never picks up half a file; a file already there with the same
content is left as it is (a retry after a lost answer does not make a second copy).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import posixpath
import socket
from collections.abc import Mapping
from pathlib import Path

import paramiko

from connectors.delivery.base import DeliveryError, Parcel, Receipt
from connectors.delivery.config import SftpDestination, resolve_secret


class HostKeyRefused(DeliveryError):
    """The server's host key is not the pinned one: maybe another machine answers for it."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=False)


def fingerprint(key: paramiko.PKey) -> str:
    """OpenSSH's SHA-256 fingerprint of a public key (`SHA256:…`, as ssh-keygen -lf prints it)."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


class SftpDeliverer:
    def __init__(self, destination: SftpDestination, environ: Mapping[str, str]) -> None:
        self.destination = destination
        self.environ = environ

    def deliver(self, parcel: Parcel) -> Receipt:
        d = self.destination
        try:
            sock = socket.create_connection((d.host, d.port), timeout=d.timeout)
        except OSError as e:
            raise DeliveryError(f"เชื่อมต่อ SFTP {d.host}:{d.port} ไม่ได้ (cannot connect): {e}") from e
        transport = paramiko.Transport(sock)
        try:
            if d.host_key:
                transport.get_security_options().key_types = [d.host_key.split()[0]]
            transport.start_client(timeout=d.timeout)
            self._check_host_key(transport.get_remote_server_key())
            self._authenticate(transport)
            sftp = paramiko.SFTPClient.from_transport(transport)
            if sftp is None:
                raise DeliveryError("เปิดช่องทาง SFTP ไม่ได้ (the server opened no SFTP channel)")
            with sftp:
                return self._upload(sftp, parcel)
        except DeliveryError:
            raise
        except paramiko.AuthenticationException as e:
            raise DeliveryError(f"เซิร์ฟเวอร์ SFTP {d.host} ไม่ยอมรับการยืนยันตัวตนของผู้ใช้ {d.user} "
                                f"(authentication refused)", retryable=False) from e
        except (paramiko.SSHException, OSError, EOFError) as e:
            raise DeliveryError(f"ส่งไฟล์ทาง SFTP ไปยัง {d.host}:{d.port} ไม่สำเร็จ (SFTP failed): {e}") from e
        finally:
            transport.close()

    def _check_host_key(self, key: paramiko.PKey) -> None:
        d = self.destination
        found = fingerprint(key)
        if d.host_key:
            kind, b64 = d.host_key.split()[:2]
            ok = key.get_name() == kind and key.get_base64() == b64
        else:
            ok = found == (d.host_key_fingerprint or "").rstrip("=")
        if not ok:
            expected = d.host_key_fingerprint or _fingerprint_of_line(d.host_key or "")
            raise HostKeyRefused(
                f"กุญแจของเซิร์ฟเวอร์ SFTP {d.host}:{d.port} ไม่ตรงกับที่ตั้งค่าไว้ ไม่ได้ส่งไฟล์ "
                f"(host key mismatch: expected {expected}, the server presented {key.get_name()} {found}); "
                "ตรวจสอบกับผู้ดูแลเซิร์ฟเวอร์ก่อนแก้ host_key ในไฟล์ตั้งค่า")

    def _authenticate(self, transport: paramiko.Transport) -> None:
        d = self.destination
        if d.password_env:
            transport.auth_password(d.user, resolve_secret(d.password_env, self.environ))
            return
        path = d.key_file or Path(resolve_secret(d.key_file_env or "", self.environ))
        passphrase = resolve_secret(d.key_passphrase_env, self.environ) if d.key_passphrase_env else None
        try:
            pkey = _load_key(path, passphrase)
        except (OSError, paramiko.SSHException) as e:
            raise DeliveryError(f"อ่านกุญแจส่วนตัว SFTP ไม่ได้ (cannot read the private key file {path}): "
                                f"{type(e).__name__}", retryable=False) from e
        transport.auth_publickey(d.user, pkey)

    def _upload(self, sftp: paramiko.SFTPClient, parcel: Parcel) -> Receipt:
        d = self.destination
        final = posixpath.join(d.path, parcel.file_name)
        location = f"sftp://{d.user}@{d.host}:{d.port}{final}"
        if _same_file_there(sftp, final, parcel):
            return Receipt(location, f"sha256={parcel.sha256} (already there)")
        temp = posixpath.join(d.path, f".{parcel.file_name}.{parcel.delivery_key[:12]}.part")
        try:
            sftp.putfo(io.BytesIO(parcel.content), temp, file_size=parcel.size, confirm=True)
        except FileNotFoundError as e:
            raise DeliveryError(f"ไม่มีโฟลเดอร์ {d.path} บนเซิร์ฟเวอร์ SFTP {d.host} "
                                "(remote folder missing)") from e
        except OSError as e:  # putfo's size check raises IOError too
            _remove_quietly(sftp, temp)
            raise DeliveryError(f"อัปโหลดไฟล์ {parcel.file_name} ไม่สำเร็จ (upload failed): {e}") from e
        try:
            sftp.posix_rename(temp, final)
        except OSError as e:
            _remove_quietly(sftp, temp)
            raise DeliveryError(f"เปลี่ยนชื่อไฟล์บนเซิร์ฟเวอร์ไม่สำเร็จ (rename failed): {e}") from e
        size = sftp.stat(final).st_size
        if size != parcel.size:
            raise DeliveryError(f"ขนาดไฟล์บนเซิร์ฟเวอร์ {size} ไม่ตรงกับ {parcel.size} ไบต์ (size mismatch)")
        return Receipt(location, f"sha256={parcel.sha256}")


def _load_key(path: Path, passphrase: str | None) -> paramiko.PKey:
    for kind in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        try:
            return kind.from_private_key_file(str(path), password=passphrase)
        except paramiko.SSHException:
            continue
    raise paramiko.SSHException("unsupported private key type")


def _same_file_there(sftp: paramiko.SFTPClient, path: str, parcel: Parcel) -> bool:
    try:
        if sftp.stat(path).st_size != parcel.size:
            return False
    except FileNotFoundError:
        return False
    digest = hashlib.sha256()
    with sftp.open(path, "rb") as remote:
        for chunk in iter(lambda: remote.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest() == parcel.sha256


def _remove_quietly(sftp: paramiko.SFTPClient, path: str) -> None:
    with contextlib.suppress(OSError):  # the temp file may never have come to be
        sftp.remove(path)


def _fingerprint_of_line(line: str) -> str:
    try:
        raw = base64.b64decode(line.split()[1])
    except (IndexError, ValueError):
        return "?"
    return "SHA256:" + base64.b64encode(hashlib.sha256(raw).digest()).decode().rstrip("=")
