"""Encrypted forms for tests: an RSA key pair, an XLSForm carrying the public key, and submissions
sealed the way ODK Collect seals them (its EncryptionUtils), sent as OpenRosa multipart."""

from __future__ import annotations

import base64
import hashlib
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from cryptography.hazmat.decrepit.ciphers.modes import CFB
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import MGF1, OAEP
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms

ENCRYPTED_XML = "submission.xml.enc"
_OAEP = OAEP(mgf=MGF1(algorithm=hashes.SHA1()), algorithm=hashes.SHA1(), label=None)


def key_pair() -> tuple[rsa.RSAPrivateKey, str]:
    """A private key and its public half as a form carries it (base64 DER, no PEM envelope)."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    der = private.public_key().public_bytes(serialization.Encoding.DER,
                                            serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, base64.b64encode(der).decode("ascii")


def write_encrypted_xlsform(directory: Path, form_id: str, public_key: str, *,
                            version: str = "2026113001", entity_list: str | None = None) -> Path:
    """A tiny XLSForm (name, age, photo) with `public_key` set: Collect encrypts what it sends."""
    workbook = openpyxl.Workbook()
    survey = workbook.active
    assert survey is not None
    survey.title = "survey"
    survey.append(["type", "name", "label", "save_to"])
    survey.append(["text", "name", "ชื่อ / Name", "full_name" if entity_list else None])
    survey.append(["integer", "age", "อายุ / Age", None])
    survey.append(["image", "photo", "รูปถ่าย / Photo", None])
    settings = workbook.create_sheet("settings")
    settings.append(["form_id", "version", "form_title", "public_key"])
    settings.append([form_id, version, "แบบทดสอบ เข้ารหัส", public_key])
    if entity_list:
        entities = workbook.create_sheet("entities")
        entities.append(["list_name", "label"])
        entities.append([entity_list, "${name}"])
    path = directory / f"{form_id}.xlsx"
    workbook.save(path)
    return path


def plain_xml(form_id: str, version: str, instance_id: str, *, name: str = "เด็กหญิง ลับ",
              photo: str | None = "photo.jpg") -> bytes:
    """What the enumerator entered, before Collect seals it."""
    picture = f"<photo>{photo}</photo>" if photo else "<photo/>"
    return (f'<?xml version="1.0"?><data id="{form_id}" version="{version}"><name>{name}</name>'
            f"<age>9</age>{picture}<meta><instanceID>{instance_id}</instanceID></meta></data>"
            ).encode()


@dataclass
class Sealed:
    """An envelope and its sealed files, as Collect posts them (part name = file name)."""

    instance_id: str
    envelope: bytes
    files: dict[str, bytes] = field(default_factory=dict)


def _aes_cfb(key: bytes, iv: bytes, data: bytes) -> bytes:
    padder = padding.PKCS7(128).padder()
    padded = padder.update(data) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), CFB(iv)).encryptor()
    return encryptor.update(padded) + encryptor.finalize()


def seal(public_key: str, form_id: str, version: str, *, instance_id: str | None = None,
         media: dict[str, bytes] | None = None, name: str = "เด็กหญิง ลับ") -> Sealed:
    """Encrypt a submission as Collect does: AES-256-CFB per file, the key under RSA-OAEP."""
    instance_id = instance_id or f"uuid:{uuid.uuid4()}"
    public = serialization.load_der_public_key(base64.b64decode(public_key))
    assert isinstance(public, rsa.RSAPublicKey)
    aes_key = os.urandom(32)
    encrypted_key = base64.b64encode(public.encrypt(aes_key, _OAEP)).decode("ascii")
    seed = bytearray(hashlib.md5(instance_id.encode() + aes_key).digest())
    counter = 0

    def next_iv() -> bytes:
        nonlocal counter
        seed[counter % len(seed)] = (seed[counter % len(seed)] + 1) % 256
        counter += 1
        return bytes(seed)

    media = media or {}
    photo = next(iter(media), None)
    files = {f"{n}.enc": _aes_cfb(aes_key, next_iv(), content) for n, content in media.items()}
    files[ENCRYPTED_XML] = _aes_cfb(aes_key, next_iv(),
                                    plain_xml(form_id, version, instance_id, name=name, photo=photo))
    lines = [form_id, version, encrypted_key, instance_id]
    lines += [f"{n}::{hashlib.md5(c).hexdigest()}" for n, c in files.items()]
    signature = base64.b64encode(public.encrypt(
        hashlib.md5(("\n".join(lines) + "\n").encode()).digest(), _OAEP)).decode("ascii")
    # One <media> per sealed file, as Collect's manifest lists them.
    listed = "".join(f"<media><file>{n}</file></media>" for n in files if n != ENCRYPTED_XML)
    envelope = (
        f'<?xml version="1.0" encoding="UTF-8"?><data id="{form_id}" version="{version}" '
        'encrypted="yes" xmlns="http://www.opendatakit.org/xforms/encrypted">'
        f"<base64EncryptedKey>{encrypted_key}</base64EncryptedKey>"
        '<orx:meta xmlns:orx="http://openrosa.org/xforms">'
        f"<orx:instanceID>{instance_id}</orx:instanceID></orx:meta>"
        f"{listed}<encryptedXmlFile>{ENCRYPTED_XML}</encryptedXmlFile>"
        f"<base64EncryptedElementSignature>{signature}</base64EncryptedElementSignature></data>"
    ).encode()
    return Sealed(instance_id, envelope, files)
