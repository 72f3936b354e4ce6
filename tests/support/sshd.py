"""A real OpenSSH server on loopback for the SFTP delivery tests (Debian's openssh-server).

It runs in the foreground (`-D -e`) with its own configuration in a temporary folder: a freshly
generated host key, an authorized_keys file there, internal-sftp, no PAM, key logins only. Absent
sshd is the only reason to skip, and never under CI.
"""

from __future__ import annotations

import getpass
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.conftest import skip_or_fail

SSHD = Path("/usr/sbin/sshd")
PRIVSEP_DIR = Path("/run/sshd")  # Debian's sshd wants its privilege-separation folder to exist


@dataclass(frozen=True)
class SshServer:
    port: int
    user: str
    host_public_key: str  # "ssh-ed25519 AAAA…"
    client_key: Path  # private key file the server accepts
    root: Path  # a folder the SFTP user can write (absolute path on the server: same machine)
    log: Path


def _ed25519(path: Path) -> str:
    key = Ed25519PrivateKey.generate()
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH,
                                       serialization.NoEncryption()))
    path.chmod(0o600)
    return key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                         serialization.PublicFormat.OpenSSH).decode()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            return s.recv(4).startswith(b"SSH-")
    except OSError:
        return False


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[SshServer]:
    if not SSHD.exists():
        skip_or_fail(f"SFTP tests skipped: no OpenSSH server at {SSHD} (Debian package openssh-server)")
    folder = tmp_path / "sshd"
    folder.mkdir()
    host_public = _ed25519(folder / "host_ed25519")
    client_public = _ed25519(folder / "client_ed25519")
    (folder / "authorized_keys").write_text(client_public + "\n")
    root = tmp_path / "remote"
    root.mkdir()
    port = _free_port()
    config = folder / "sshd_config"
    config.write_text("\n".join([
        "ListenAddress 127.0.0.1", f"HostKey {folder / 'host_ed25519'}", f"PidFile {folder / 'sshd.pid'}",
        f"AuthorizedKeysFile {folder / 'authorized_keys'}", "StrictModes no", "UsePAM no",
        "PermitRootLogin prohibit-password", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
        "Subsystem sftp internal-sftp", "LogLevel VERBOSE", "",
    ]))
    PRIVSEP_DIR.mkdir(mode=0o755, exist_ok=True)
    log = folder / "sshd.log"
    with log.open("wb") as out:
        process = subprocess.Popen([str(SSHD), "-D", "-e", "-f", str(config), "-p", str(port),
                                    "-o", f"PidFile={folder / 'sshd.pid'}"],
                                   stdout=out, stderr=subprocess.STDOUT)
    try:
        for _ in range(100):
            if process.poll() is not None:
                pytest.fail(f"sshd exited with {process.returncode}: {log.read_text(errors='replace')}")
            if _answers(port):
                break
            time.sleep(0.1)
        else:
            pytest.fail(f"sshd did not answer on port {port}: {log.read_text(errors='replace')}")
        user = os.environ.get("USER") or getpass.getuser()
        yield SshServer(port, user, host_public.strip(), folder / "client_ed25519", root, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
