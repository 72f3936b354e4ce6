"""The HTTPS destination: the file POSTed with a bearer token, TLS verified, and an Idempotency-Key.

The Idempotency-Key is the parcel's delivery key, so a POST retried after a lost answer is the same
delivery to a server that honours the header (and the same key is sent on every try). 5xx and 429
are worth another try; other refusals are not (a wrong token stays wrong). The token is read from
the environment variable the configuration names, sent only in the Authorization header, and never
put in an error message or a log line.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote

import requests

from connectors.delivery.base import DeliveryError, Parcel, Receipt
from connectors.delivery.config import HttpsDestination, resolve_secret
from connectors.http import user_agent

RECEIPT_FIELDS = ("receipt", "receipt_id", "id")  # the first a JSON answer carries is the receipt
MAX_RECEIPT_CHARS = 500


class HttpsDeliverer:
    def __init__(self, destination: HttpsDestination, environ: Mapping[str, str], *, verify_tls: bool = True
                 ) -> None:
        self.destination = destination
        self.environ = environ
        self.verify: bool | str = verify_tls and (str(destination.ca_file) if destination.ca_file else True)
        if destination.ca_file is not None and not Path(destination.ca_file).is_file():
            raise DeliveryError(f"ไม่พบไฟล์ใบรับรอง CA {destination.ca_file} (ca_file not found)",
                                retryable=False)

    def deliver(self, parcel: Parcel) -> Receipt:
        d = self.destination
        token = resolve_secret(d.token_env, self.environ)
        headers = {
            "Authorization": f"Bearer {token}",
            "Idempotency-Key": parcel.delivery_key,
            "Content-Type": parcel.content_type,
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(parcel.file_name)}",
            "X-Content-SHA256": parcel.sha256,
            "X-Odksync-Agency": parcel.agency_id,
            "X-Odksync-Period": parcel.period,
            "User-Agent": user_agent(f"requests/{requests.__version__}"),
        }
        try:
            with requests.Session() as session:
                session.trust_env = False  # no proxy or netrc from the environment may take the token
                response = session.post(d.url, data=parcel.content, headers=headers, timeout=d.timeout,
                                        verify=self.verify, allow_redirects=False)
        except requests.exceptions.SSLError as e:
            raise DeliveryError(f"ตรวจสอบใบรับรอง TLS ของ {d.describe()} ไม่ผ่าน ไม่ได้ส่งไฟล์ "
                                "(the TLS certificate could not be verified; nothing was sent)",
                                retryable=False) from e
        except requests.RequestException as e:
            raise DeliveryError(f"ส่งไฟล์ไปยัง {d.describe()} ไม่สำเร็จ (POST failed): "
                                f"{type(e).__name__}") from e
        if 200 <= response.status_code < 300:
            return Receipt(d.describe(), _receipt(response))
        retryable = response.status_code >= 500 or response.status_code == 429
        hint = " (token refused: check the variable " + d.token_env + ")" if response.status_code in (
            401, 403) else ""
        raise DeliveryError(f"{d.describe()} ตอบ {response.status_code} (the server refused the file){hint}",
                            retryable=retryable)


def _receipt(response: requests.Response) -> str:
    text = response.text.strip()
    try:
        body = json.loads(text)
    except ValueError:
        return text[:MAX_RECEIPT_CHARS]
    if isinstance(body, dict):
        for field in RECEIPT_FIELDS:
            if body.get(field):
                return str(body[field])[:MAX_RECEIPT_CHARS]
    return text[:MAX_RECEIPT_CHARS]
