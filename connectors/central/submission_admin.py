"""Managing one submission at Central: edit, review, delete, restore, versions, and its media files."""

import hashlib
import os
import re
import time
from pathlib import Path
from typing import Any

import requests
from defusedxml import ElementTree

from connectors.central.attachment_models import (
    REVIEW_STATES,
    AttachmentInfo,
    DownloadResult,
    ReviewState,
    SubmissionInfo,
    SubmissionVersion,
)
from connectors.central.errors import (
    DEPRECATING_OLD_SUBMISSION,
    AttachmentTooLarge,
    CentralAnswerCut,
    CentralError,
)
from connectors.central.models import lenient_list
from connectors.central.service import Service
from connectors.http import TRANSPORT_ERRORS, was_resent

CHUNK_BYTES = 1 << 20
_MD5_ETAG = re.compile(r'^"([0-9a-fA-F]{32})"$')


def etag_header(known: str) -> str:
    """An If-None-Match value from an ETag as received or a bare md5 (Central's tag is its md5)."""
    known = known.strip()
    return known if known.startswith(('"', "W/")) else f'"{known}"'


def xml_instance_id(xml: bytes) -> str | None:
    """meta/instanceID of a submission, whatever its namespace; None when there is none."""
    try:
        root = ElementTree.fromstring(xml, forbid_dtd=True)
    except (ElementTree.ParseError, ValueError):
        return None
    for node in root.iter():
        if isinstance(node.tag, str) and node.tag.rsplit("}", 1)[-1] == "instanceID":
            return (node.text or "").strip() or None
    return None


def file_digest(path: Path) -> tuple[str, int]:
    """The sha256 and size of a file, read in chunks."""
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


class SubmissionAdminService(Service):
    """One Central resource, as in pyodk: what a project manager does to a submission."""

    def _sub(self, template: str, form_id: str, instance_id: str, project_id: int, **more: Any) -> str:
        return self._url(template, project_id=project_id, form_id=form_id, instance_id=instance_id, **more)

    def get(self, form_id: str, instance_id: str, project_id: int) -> SubmissionInfo | None:
        """The submission's metadata with its current version, or None when Central has none (or deleted)."""
        url = self._sub(self.urls.submission, form_id, instance_id, project_id)
        response = self.session.call("GET", url, ok=(404,))
        return None if response.status_code == 404 else SubmissionInfo.model_validate(response.json())

    def edit(self, form_id: str, instance_id: str, xml: bytes, project_id: int) -> SubmissionInfo:
        """PUT a new version: `xml` has its own instanceID and meta/deprecatedID = the current one.

        A deprecatedID that is not the current version answers 409.9. So the edit is marked safe
        to repeat: a PUT whose answer was lost (or broke off) is sent again, and the resend then
        meets 409.9 against the version it made, which is recognised and taken as the success it was.
        """
        url = self._sub(self.urls.submission, form_id, instance_id, project_id)
        headers = {"Content-Type": "application/xml"}
        try:
            response = self.session.call("PUT", url, data=xml, headers=headers, idempotent=True)
        except CentralError as exc:
            if not exc.is_central_error(DEPRECATING_OLD_SUBMISSION):
                raise
            now = self.get(form_id, instance_id, project_id)
            made = xml_instance_id(xml)
            if now is None or now.current_version is None or made is None:
                raise
            if now.current_version.instance_id != made:
                raise
            return now
        return SubmissionInfo.model_validate(response.json())

    def review(self, form_id: str, instance_id: str, state: ReviewState, project_id: int) -> SubmissionInfo:
        """Set the review state (hasIssues, edited, approved, rejected); updatedAt moves.

        Never sent twice: each review is an event in the submission's audit history, so a
        broken answer raises, saying the review may have taken effect.
        """
        if state not in REVIEW_STATES:
            raise ValueError(f"review state {state!r} is not one of {', '.join(REVIEW_STATES)}")
        url = self._sub(self.urls.submission, form_id, instance_id, project_id)
        response = self.session.call("PATCH", url, json={"reviewState": state})
        return SubmissionInfo.model_validate(response.json())

    def delete(self, form_id: str, instance_id: str, project_id: int) -> None:
        """Soft delete: gone from the feed, listed by `$filter=__system/deletedAt ne null` for 30 days.

        Safe to repeat: a resend whose first attempt landed meets 404, taken as done.
        """
        self._repeatable("DELETE", self._sub(self.urls.submission, form_id, instance_id, project_id))

    def restore(self, form_id: str, instance_id: str, project_id: int) -> None:
        """Undo a soft delete (404.1 once Central has purged it); a resend meeting 404 is done."""
        self._repeatable("POST", self._sub(self.urls.submission_restore, form_id, instance_id, project_id))

    def _repeatable(self, method: str, url: str) -> None:
        """A write that leaves the same state however often it lands: resent when its answer is
        lost, and a 404 to a resend (the first attempt did it) taken as done."""
        response = self.session.call(method, url, ok=(404,), idempotent=True)
        if response.status_code == 404 and not was_resent(response):
            raise self.session.error_for(response)

    def list_versions(self, form_id: str, instance_id: str, project_id: int) -> list[SubmissionVersion]:
        """Every version, newest first as Central lists them; `current` marks the one in force."""
        url = self._sub(self.urls.submission_versions, form_id, instance_id, project_id)
        return lenient_list(SubmissionVersion, self.session.call("GET", url).json())

    def list_attachments(self, form_id: str, instance_id: str, project_id: int) -> list[AttachmentInfo]:
        """The files the current version names, each with whether Central has received it."""
        url = self._sub(self.urls.submission_attachments, form_id, instance_id, project_id)
        return lenient_list(AttachmentInfo, self.session.call("GET", url).json())

    def download_attachment(
        self,
        form_id: str,
        instance_id: str,
        name: str,
        dest: Path,
        *,
        etag: str | None,
        project_id: int,
        max_bytes: int | None = None,
    ) -> DownloadResult:
        """Stream one file to `dest` through `dest.part`, verified, then renamed into place.

        A file larger than `max_bytes` (announced, or read so far) raises AttachmentTooLarge and
        leaves nothing behind; it is not retried.

        With `etag` (the ETag of an earlier download, or the md5 of a file already held) Central
        answers 304 when its file is the same and nothing is transferred. Central serves these
        blobs without Range support, so a download cut short (connection broken, fewer bytes than
        announced, md5 not the ETag's) is fetched again from the beginning, up to max_retries
        more times; the `.part` of a failed attempt is removed and never accepted, and `dest` is
        never left half-written.
        """
        url = self._sub(self.urls.submission_attachment, form_id, instance_id, project_id, name=name)
        headers = {"If-None-Match": etag_header(etag)} if etag else {}
        attempt = 0
        while True:
            try:
                with self.session.call("GET", url, headers=headers, stream=True) as response:
                    sent_tag = response.headers.get("ETag")
                    if response.status_code == 304:
                        sha256, size = file_digest(dest) if dest.is_file() else (None, None)
                        return DownloadResult(sha256=sha256, size=size, not_modified=True,
                                              etag=sent_tag or etag)
                    return self._stream_to(response, Path(dest), name, sent_tag, max_bytes)
            except CentralAnswerCut:
                # The .part is gone already; a GET is safe to repeat: fetch the file again.
                if attempt >= self.session.resend.retries:
                    raise
                time.sleep(self.session.resend.wait(attempt, None))
                attempt += 1

    def _stream_to(
        self, response: requests.Response, dest: Path, name: str, tag: str | None,
        max_bytes: int | None = None,
    ) -> DownloadResult:
        length = response.headers.get("Content-Length", "")
        if max_bytes is not None and length.isdigit() and int(length) > max_bytes:
            raise self._too_large(response, name, int(length), max_bytes)
        dest.parent.mkdir(parents=True, exist_ok=True)
        part = dest.with_name(dest.name + ".part")
        sha256, md5, size = hashlib.sha256(), hashlib.md5(usedforsecurity=False), 0
        try:
            with part.open("wb") as handle:
                for chunk in response.iter_content(CHUNK_BYTES):
                    if max_bytes is not None and size + len(chunk) > max_bytes:
                        raise self._too_large(response, name, size + len(chunk), max_bytes)
                    handle.write(chunk)
                    sha256.update(chunk)
                    md5.update(chunk)
                    size += len(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            self._verify(response, name, size, md5.hexdigest(), tag)
            os.replace(part, dest)
        except TRANSPORT_ERRORS as exc:
            part.unlink(missing_ok=True)
            raise CentralAnswerCut(
                f"ODK Central at {self.session.server} cut the download of {name} short "
                f"after {size} bytes ({type(exc).__name__}): run the sync again",
                url=response.url,
            ) from None
        except BaseException:
            part.unlink(missing_ok=True)
            raise
        return DownloadResult(sha256=sha256.hexdigest(), size=size, etag=tag)

    def _too_large(self, response: requests.Response, name: str, size: int, limit: int) -> AttachmentTooLarge:
        return AttachmentTooLarge(
            f"ODK Central at {self.session.server} holds {name!r} of at least {size:,} bytes, more than "
            f"the {limit:,} allowed (ODKSYNC_MAX_ATTACHMENT_BYTES): refused, not stored",
            size=size, limit=limit, url=response.url)

    def _verify(self, response: requests.Response, name: str, size: int, md5: str, tag: str | None) -> None:
        """Check the bytes against Content-Length and Central's md5 ETag, when they can be compared."""
        length = response.headers.get("Content-Length")
        encoded = response.headers.get("Content-Encoding", "identity").lower() != "identity"
        if length is not None and length.isdigit() and not encoded and int(length) != size:
            raise CentralAnswerCut(
                f"ODK Central at {self.session.server} announced {length} bytes for {name} "
                f"but sent {size}: run the sync again",
                url=response.url,
            )
        match = _MD5_ETAG.match(tag or "")
        if match is not None and match.group(1).lower() != md5:
            raise CentralAnswerCut(
                f"ODK Central at {self.session.server} sent {name} with md5 {md5}, not the "
                f"{match.group(1).lower()} its ETag names: run the sync again",
                url=response.url,
            )
