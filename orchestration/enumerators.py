"""Field provisioning: enumerators from a roster become ODK Central app users tagged with their LAO.

The roster (CSV: name, lao_code, role, phone, and optionally code) is the source of truth. Each
enumerator is one app user whose display name ends in its stable key, ``ชื่อ [key]``; the key is
the roster's `code`, else the LAO code and a digest of the name. `sync_enumerators` reads
Central first and writes only the difference, so a second run writes nothing:

- the project's actor property `lao_code` (registered once);
- the `children` entity list's access filter, `lao_code` of the child = `lao_code` of the app
  user, so each phone downloads only its own LAO's children (set before any app user is made);
- one app user per enumerator, with its `lao_code` value, and the programme forms assigned;
- app users whose key left the roster are revoked (their submissions stay).

Tokens are credentials: they are returned to the caller (the demo's simulator, the QR codes) and
never logged or printed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from connectors.central.actors import AppUserDetail
    from connectors.central.client import CentralClient

log = logging.getLogger(__name__)

LAO_PROPERTY = "lao_code"  # the actor property and the `children` list property it is matched to
CHILDREN_DATASET = "children"
REQUIRED_COLUMNS = ("name", "lao_code", "role", "phone")
# Roles, with the Thai words a roster may use for them.
ROLES: dict[str, str] = {"enumerator": "ผู้สำรวจ", "case_worker": "ผู้ดูแลรายกรณี", "supervisor": "ผู้นิเทศ"}
_ROLE_WORDS = {**{k: k for k in ROLES}, **{v: k for k, v in ROLES.items()}}
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
_KEY_IN_NAME = re.compile(r" \[([A-Za-z0-9][A-Za-z0-9._-]{0,39})\]$")


class RosterError(ValueError):
    """The roster cannot be used as it is; the message lists every problem, line by line."""


@dataclass(frozen=True)
class Enumerator:
    """One roster row, checked."""

    key: str
    name: str
    lao_code: str
    role: str
    phone: str | None = None

    @property
    def display_name(self) -> str:
        return f"{self.name} [{self.key}]"


def key_of(display_name: str) -> str | None:
    """The enumerator key an app user's display name ends in, or None for app users made by hand."""
    found = _KEY_IN_NAME.search(display_name)
    return found.group(1) if found else None


def derived_key(lao_code: str, name: str) -> str:
    """The key of a roster row without a code: LAO code and a digest of the normalised name."""
    normal = " ".join(unicodedata.normalize("NFC", name).split())
    return f"{lao_code}-{hashlib.sha256(normal.encode('utf-8')).hexdigest()[:6]}"


@cache
def known_laos() -> dict[str, dict[str, str]]:
    from forms.media import read_laos

    return {row["dla_code"]: row for row in read_laos()}


def lao_label(code: str) -> str:
    from forms.media import lao_label as label

    row = known_laos().get(code)
    return label(row) if row is not None else code


def read_roster(path: Path) -> list[Enumerator]:
    """Every row checked; any problem raises RosterError listing them all (nothing is half-used)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise FileNotFoundError(
            f"ไม่พบไฟล์รายชื่อผู้สำรวจ {path} (roster file not found): copy config/roster.sample.csv "
            "and fill it in, or give --roster FILE") from None
    except UnicodeDecodeError as err:
        raise RosterError(f"{path}: ไฟล์ต้องเป็น UTF-8 (the roster must be UTF-8 CSV): {err}") from None
    return parse_roster(text, source=str(path))


def parse_roster(text: str, *, source: str = "roster") -> list[Enumerator]:
    reader = csv.DictReader(io.StringIO(text))
    header = [(h or "").strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise RosterError(f"{source}: ไม่มีคอลัมน์ {', '.join(missing)} (missing columns; the header "
                          f"must have {', '.join(REQUIRED_COLUMNS)} and may have code)")
    reader.fieldnames = header
    problems: list[str] = []
    rows: list[Enumerator] = []
    seen: dict[str, int] = {}
    for line, raw in enumerate(reader, start=2):
        cells = {k: (v or "").strip() for k, v in raw.items() if k}
        if not any(cells.values()):
            continue  # a blank line
        found = _row(cells, line, problems)
        if found is None:
            continue
        if found.key in seen:
            problems.append(f"บรรทัด {line}: รหัสผู้สำรวจ {found.key} ซ้ำกับบรรทัด {seen[found.key]} "
                            "(duplicate enumerator)")
            continue
        seen[found.key] = line
        rows.append(found)
    if problems:
        raise RosterError(f"{source}: แก้ไขรายชื่อผู้สำรวจก่อน ยังไม่มีการเปลี่ยนแปลงใดใน ODK Central "
                          "(fix the roster first; nothing was changed):\n  " + "\n  ".join(problems))
    return rows


def _row(cells: dict[str, str], line: int, problems: list[str]) -> Enumerator | None:
    from warehouse.cleaning.phones import clean_phone

    before = len(problems)
    name = " ".join(unicodedata.normalize("NFC", cells.get("name", "")).split())
    lao = cells.get("lao_code", "")
    role = _ROLE_WORDS.get(cells.get("role", "").lower() or "enumerator")
    code = cells.get("code", "")
    if not name:
        problems.append(f"บรรทัด {line}: ไม่มีชื่อ (name is empty)")
    elif "[" in name or "]" in name:
        problems.append(f"บรรทัด {line}: ชื่อมีวงเล็บเหลี่ยม [ ] ซึ่งใช้ไม่ได้ (no [ or ] in names)")
    if not re.fullmatch(r"[0-9]{7}", lao):
        problems.append(f"บรรทัด {line}: รหัส อปท. {lao!r} ต้องเป็นตัวเลข 7 หลัก (LAO code: 7 digits)")
    elif lao not in known_laos():
        problems.append(f"บรรทัด {line}: ไม่พบรหัส อปท. {lao} ในทะเบียน อปท. (LAO code not in the "
                        "reference list)")
    if role is None:
        problems.append(f"บรรทัด {line}: บทบาท {cells.get('role')!r} ไม่รู้จัก ใช้ได้: "
                        f"{', '.join(ROLES)} (unknown role)")
    if code and not _KEY.match(code):
        problems.append(f"บรรทัด {line}: รหัสผู้สำรวจ {code!r} ใช้ได้เฉพาะ A-Z 0-9 . _ - ไม่เกิน 40 "
                        "ตัว (code: letters, digits, . _ -)")
    phone = None
    if cells.get("phone"):
        cleaned = clean_phone(cells["phone"])
        if not cleaned.valid or cleaned.kind != "mobile":
            problems.append(f"บรรทัด {line}: เบอร์โทรศัพท์มือถือ {cells['phone']!r} ไม่ถูกต้อง "
                            "(not a Thai mobile number)")
        phone = cleaned.national
    if len(problems) > before or role is None:
        return None
    return Enumerator(key=code or derived_key(lao, name), name=name, lao_code=lao, role=role,
                      phone=phone)


@dataclass
class SyncReport:
    """What a sync did; `tokens` (enumerator key -> app-user token) is never printed."""

    property_registered: bool = False
    access_filter_set: bool = False
    created: list[str] = field(default_factory=list)
    retagged: list[str] = field(default_factory=list)
    assignments_added: int = 0
    revoked: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)  # Central cannot rename an app user
    tokens: dict[str, str] = field(default_factory=dict, repr=False)
    app_user_ids: dict[str, int] = field(default_factory=dict)

    @property
    def wrote(self) -> bool:
        return bool(self.property_registered or self.access_filter_set or self.created or
                    self.retagged or self.assignments_added or self.revoked)

    def lines(self) -> list[str]:
        """What a data manager reads, Thai first."""
        out = [f"ผู้สำรวจ (enumerators): สร้างใหม่ {len(self.created)}, เปลี่ยน อปท. {len(self.retagged)}, "
               f"ไม่เปลี่ยน {len(self.unchanged)}, ยกเลิกสิทธิ์ {len(self.revoked)} "
               f"(created, LAO changed, unchanged, revoked)",
               f"เพิ่มสิทธิ์ใช้แบบฟอร์ม {self.assignments_added} รายการ (form assignments added)"]
        if self.property_registered:
            out.append(f"ลงทะเบียนคุณสมบัติผู้ใช้ {LAO_PROPERTY} ในโครงการแล้ว (actor property registered)")
        if self.access_filter_set:
            out.append(f"ตั้งตัวกรองรายชื่อเด็ก {CHILDREN_DATASET}: {LAO_PROPERTY} = {LAO_PROPERTY} ของผู้สำรวจ "
                       "(entity list access filter set)")
        for key in self.renamed:
            out.append(f"ชื่อของ {key} ในรายชื่อต่างจากใน ODK Central ซึ่งเปลี่ยนชื่อผู้ใช้แอปไม่ได้ "
                       "(name differs; Central cannot rename an app user)")
        if not self.wrote:
            out.append("ไม่มีการเปลี่ยนแปลง (nothing to change)")
        return out


def sync_enumerators(
    client: CentralClient,
    project_id: int,
    roster: Sequence[Enumerator],
    *,
    forms: Iterable[str] | None = None,
    dataset: str = CHILDREN_DATASET,
) -> SyncReport:
    """Make Central hold exactly the roster's enumerators; idempotent (a rerun writes nothing)."""
    from connectors.central.actors import AccessRule

    form_ids = sorted(forms) if forms is not None else programme_forms()
    report = SyncReport()
    actors = client.actors
    report.property_registered = actors.ensure_actor_property(LAO_PROPERTY, project_id)
    # The filter first: no phone may ever download the whole country's children.
    rule = AccessRule(datasetProperty=LAO_PROPERTY, actorProperty=LAO_PROPERTY)
    current = actors.access_filter(dataset, project_id)
    if current is None or current.type != "property" or current.rules != [rule]:
        now = actors.set_access_filter(dataset, [rule], project_id)
        if now is None or now.rules != [rule]:
            raise LookupError(
                f"ODK Central did not keep the access filter of entity list {dataset!r}: it needs a "
                f"{LAO_PROPERTY!r} property (deploy the forms: odksync forms deploy)")
        report.access_filter_set = True

    by_key: dict[str, list[AppUserDetail]] = {}
    for user in sorted(actors.list_app_users(project_id), key=lambda u: u.id):
        key = key_of(user.display_name)
        if key is not None and user.token:
            by_key.setdefault(key, []).append(user)
    wanted = {e.key: e for e in roster}
    users: dict[str, AppUserDetail] = {}
    for enumerator in roster:
        held = by_key.get(enumerator.key, [])
        if not held:
            user = actors.create_app_user(enumerator.display_name, project_id,
                                          {LAO_PROPERTY: enumerator.lao_code})
            report.created.append(enumerator.key)
            log.info("created app user for enumerator %s (LAO %s)", enumerator.key, enumerator.lao_code)
        else:
            user = held[0]
            if user.properties.get(LAO_PROPERTY) != enumerator.lao_code:
                user = actors.set_app_user_properties(user.id, {LAO_PROPERTY: enumerator.lao_code},
                                                      project_id)
                report.retagged.append(enumerator.key)
                log.info("enumerator %s now tagged with LAO %s", enumerator.key, enumerator.lao_code)
            else:
                report.unchanged.append(enumerator.key)
            if user.display_name != enumerator.display_name:
                report.renamed.append(enumerator.key)
        users[enumerator.key] = user
        assert user.token is not None
        report.tokens[enumerator.key] = user.token
        report.app_user_ids[enumerator.key] = user.id

    role_id = client.app_users.app_user_role_id()
    for form_id in form_ids:
        assigned = {a.actor_id for a in actors.form_assignments(form_id, project_id) if a.role_id == role_id}
        for key in sorted(users):
            if users[key].id not in assigned:
                client.assign_form(form_id, users[key].id, project_id)
                report.assignments_added += 1

    for key, held in sorted(by_key.items()):
        extra = held if key not in wanted else held[1:]  # duplicates made by hand go too
        for user in extra:
            assert user.token is not None
            actors.revoke(user.token)
            report.revoked.append(key)
            log.info("revoked app user %s (enumerator %s left the roster)", user.id, key)
    return report


def programme_forms() -> list[str]:
    from forms.paths import form_paths

    return [p.stem for p in form_paths()]


# Collect set-up by QR code.

PROJECT_COLOR = "#0b7a75"
PROJECT_ICON = "ด"  # เด็ก: Collect shows one character on the project's badge


def app_user_url(base_url: str, token: str, project_id: int) -> str:
    """The server URL Collect uses for an app user: the token in the path, as Central's QR has it."""
    return f"{base_url.rstrip('/')}/v1/key/{token}/projects/{project_id}"


def collect_settings(
    enumerator: Enumerator, *, base_url: str, token: str, project_id: int
) -> dict[str, object]:
    """Collect's settings for this enumerator's phone (the JSON Central's app-user QR code holds,
    with the project named in Thai, Thai as the app language and the enumerator's code)."""
    return {
        "general": {
            "server_url": app_user_url(base_url, token, project_id),
            "username": enumerator.key,
            "metadata_username": enumerator.key,
            "form_update_mode": "match_exactly",
            "autosend": "wifi_and_cellular",
            "app_language": "th",
        },
        "admin": {"change_server": False},
        "project": {"name": f"ติดตามเด็ก {lao_label(enumerator.lao_code)}", "color": PROJECT_COLOR,
                    "icon": PROJECT_ICON},
    }


def encode_settings(settings: dict[str, object]) -> str:
    """As ODK Collect reads a settings QR code: the JSON compressed with zlib, then base64."""
    import base64
    import json
    import zlib

    text = json.dumps(settings, ensure_ascii=False, separators=(",", ":"))
    return base64.b64encode(zlib.compress(text.encode("utf-8"), 9)).decode("ascii")


def decode_settings(payload: str) -> dict[str, object]:
    import base64
    import json
    import zlib

    found: dict[str, object] = json.loads(zlib.decompress(base64.b64decode(payload)).decode("utf-8"))
    return found


def qr_png(payload: str, *, scale: int = 6) -> bytes:
    import segno

    buffer = io.BytesIO()
    segno.make(payload, error="m", micro=False).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def _write_secret(path: Path, data: bytes) -> None:
    """Owner-only from the first byte (0600), also when the file was there before."""
    import os

    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, data)
    finally:
        os.close(fd)


@dataclass
class QrResult:
    directory: Path
    codes: list[Path] = field(default_factory=list)
    sheets: list[Path] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # roster keys with no usable app user


def write_qr_codes(
    roster: Sequence[Enumerator], tokens: dict[str, str], out: Path, *, base_url: str, project_id: int
) -> QrResult:
    """One PNG per enumerator and one printable A4 HTML sheet per LAO, in an owner-only folder."""
    import base64
    import html
    import os

    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(out, 0o700)
    result = QrResult(directory=out)
    cards: dict[str, list[str]] = {}
    for enumerator in roster:
        token = tokens.get(enumerator.key)
        if token is None:
            result.missing.append(enumerator.key)
            continue
        settings = collect_settings(enumerator, base_url=base_url, token=token, project_id=project_id)
        png = qr_png(encode_settings(settings))
        path = out / f"{enumerator.key}.png"
        _write_secret(path, png)
        result.codes.append(path)
        image = base64.b64encode(png).decode("ascii")
        cards.setdefault(enumerator.lao_code, []).append(
            f'<div class="card"><img src="data:image/png;base64,{image}" alt="QR">'
            f"<div class=\"who\"><b>{html.escape(enumerator.name)}</b><br>รหัส {html.escape(enumerator.key)}"
            f"<br>{html.escape(ROLES[enumerator.role])}</div></div>")
    for lao, items in sorted(cards.items()):
        path = out / f"lao-{lao}.html"
        _write_secret(path, _sheet(lao, items).encode("utf-8"))
        result.sheets.append(path)
    return result


def _sheet(lao: str, cards: list[str]) -> str:
    import html

    title = html.escape(f"คิวอาร์โค้ดตั้งค่า ODK Collect · {lao_label(lao)}")
    return f"""<!DOCTYPE html>
<html lang="th"><head><meta charset="utf-8"><title>{title}</title>
<style>
@page {{ size: A4; margin: 12mm; }}
body {{ font-family: "Sarabun", "TH Sarabun New", "Noto Sans Thai", sans-serif; margin: 0; }}
h1 {{ font-size: 16pt; margin: 0 0 2mm; }}
p.note {{ font-size: 10pt; margin: 0 0 4mm; }}
.grid {{ display: grid; grid-template-columns: repeat(3, 1fr); gap: 4mm; }}
.card {{ border: 1px solid #555; padding: 2mm; text-align: center; break-inside: avoid; }}
.card img {{ width: 52mm; height: 52mm; image-rendering: pixelated; }}
.who {{ font-size: 11pt; }}
</style></head><body>
<h1>{title}</h1>
<p class="note">สแกนด้วย ODK Collect: เพิ่มโครงการ (Add project) แล้วสแกนคิวอาร์โค้ดของตนเอง
คิวอาร์โค้ดนี้เป็นรหัสเข้าใช้งาน ห้ามถ่ายรูปส่งต่อ เก็บเอกสารในที่ปลอดภัย และทำลายเมื่อตั้งค่าเสร็จแล้ว</p>
<div class="grid">
{chr(10).join(cards)}
</div></body></html>
"""
