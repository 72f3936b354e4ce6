"""Submissions of encrypted forms: what ODK Central can give of them (metadata only), and saying so.

A form whose XForm carries `<submission base64RsaPublicKey=…>` (or a project under managed
encryption) has ODK Collect seal each submission before sending it. Central stores the sealed
envelope and cannot read it; its OData feed gives such a submission's `__id` and `__system` only,
with `status` `notDecrypted` (or `missingEncryptedFormData` while the sealed XML file has not
arrived). So the warehouse holds these rows as metadata only: counts, versions, review states and
deletes stay exact, but field values, media files and entities cannot be had from the feed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, cast, func
from sqlmodel import Session, col, select

from warehouse.checks import Issue
from warehouse.models import Submission

# Central's __system/status of a sealed submission (null for every readable one).
SEALED_STATUSES = frozenset({"notDecrypted", "missingEncryptedFormData"})
# The code of the one issue a sealed row carries: it marks the row as metadata only.
NOT_DECRYPTED = "not_decrypted"
_MARK = f'%"{NOT_DECRYPTED}"%'


def is_sealed(system: Any) -> bool:
    """True for a submission the source could not decrypt (its `__system/status` says so)."""
    return getattr(system, "status", None) in SEALED_STATUSES


def sealed_issue(status: str | None) -> Issue:
    """The mark a sealed row carries instead of the form checks (there are no fields to check)."""
    missing = status == "missingEncryptedFormData"
    return Issue(
        code=NOT_DECRYPTED, severity="warning", found=status,
        message=("The submission is encrypted; ODK Central has its metadata only"
                 + (" and is still waiting for its encrypted data file" if missing else "")
                 + ". Field values and files can be read only after decryption with the form's "
                 "private key (Central's export with the passphrase).")
    )


def not_sealed() -> Any:
    """A SQL condition keeping current rows that are not marked metadata only."""
    return cast(Submission.issues, String).not_like(_MARK)


def metadata_only_count(session: Session, *, source: str, project_id: str, form_id: str) -> int:
    """Current submissions of the form held as metadata only (deleted ones excluded)."""
    return int(session.exec(select(func.count()).select_from(Submission).where(
        col(Submission.source) == source, col(Submission.project_id) == project_id,
        col(Submission.form_id) == form_id, col(Submission.deleted_at).is_(None),
        cast(Submission.issues, String).like(_MARK),
    )).one())


def encryption_log_line(form_id: str, metadata_only: int) -> str:
    """The one line a sync logs for an encrypted form (logs are in English)."""
    return (f"Form {form_id} is encrypted: {metadata_only} submission(s) synced as metadata only "
            "(counts, versions, review states and deletes are exact). Field values, attachments "
            "and entities cannot be read from an encrypted form. To get them, decrypt with the "
            "form's private key through ODK Central's export (the passphrase of managed "
            "encryption), or publish a version of the form without encryption.")


def status_note(metadata_only: int) -> str:
    """What `odksync status` says of an encrypted form: Thai first, then English."""
    return (f"แบบฟอร์มนี้มีการเข้ารหัส: เก็บได้เฉพาะข้อมูลกำกับ (metadata) ของ {metadata_only} รายการ "
            "อ่านคำตอบ ไฟล์แนบ และ entity ไม่ได้ ให้ถอดรหัสด้วยกุญแจส่วนตัว (private key) "
            "ผ่านการส่งออกข้อมูลของ ODK Central หรือเผยแพร่แบบฟอร์มฉบับที่ไม่เข้ารหัส / Encrypted form: "
            f"{metadata_only} submission(s) held as metadata only (no field values, attachments "
            "or entities); decrypt with the private key via Central's export, or publish the "
            "form without encryption.")
