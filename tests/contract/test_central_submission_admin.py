"""Edits, reviews, deletes, restores and a submission's media, as the sync meets them at Central."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from connectors.central.client import CentralClient
from connectors.central.config import CentralConfig
from connectors.central.errors import DEPRECATING_OLD_SUBMISSION, CentralError
from connectors.central.models import Submission
from tests.contract.central_contract import unique_form_id, write_xlsform

PHOTO = "photo.jpg"
DELETED = "__system/deletedAt ne null"


@dataclass
class PhotoForm:
    """A form with an image question, and an app user (as Collect logs in) assigned to it."""

    form_id: str
    token: str


@pytest.fixture(scope="module")
def photo_form(
    central_config: CentralConfig, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PhotoForm]:
    form_id = unique_form_id("media")
    photo_row = ("image", "photo", "รูปถ่าย / Photo")
    with CentralClient(central_config) as client:
        client.deploy_form(
            write_xlsform(tmp_path_factory.mktemp("media"), form_id, extra_fields=(photo_row,))
        )
        user = client.ensure_app_user(f"collect media {uuid.uuid4().hex[:6]}")
        assert user.token
        client.assign_form(form_id, user.id)
    yield PhotoForm(form_id=form_id, token=user.token)


def photo_xml(form_id: str, instance_id: str, *, name: str, deprecated_id: str | None = None) -> bytes:
    """A submission of the photo form as Collect writes it; an edit also names the version it replaces."""
    deprecated = f"<deprecatedID>{deprecated_id}</deprecatedID>" if deprecated_id else ""
    return (
        f'<?xml version="1.0"?><data id="{form_id}" version="2026113001">'
        f"<name>{name}</name><age>9</age><photo>{PHOTO}</photo>"
        f"<meta>{deprecated}<instanceID>{instance_id}</instanceID></meta></data>"
    ).encode()


def submit_with_photo(client: CentralClient, form: PhotoForm, photo: bytes) -> str:
    root = f"uuid:{uuid.uuid4()}"
    xml = photo_xml(form.form_id, root, name="เด็กหญิง ภาพถ่าย")
    result = client.submit_openrosa(xml, app_user_token=form.token, attachments={PHOTO: photo})
    assert (result.status, result.http_status) == ("created", 201)
    return root


def feed_row(
    client: CentralClient, form_id: str, instance_id: str, *, filter: str | None = None
) -> Submission | None:
    rows = [s for p in client.iter_submission_pages(form_id, filter=filter) for s in p.submissions]
    return next((s for s in rows if s.id == instance_id), None)


def test_edit_makes_a_version_the_feed_counts(client: CentralClient, photo_form: PhotoForm) -> None:
    root = submit_with_photo(client, photo_form, secrets.token_bytes(2048))
    before = client.get_submission(photo_form.form_id, root)
    assert before is not None and before.current_version is not None
    assert before.current_version.instance_id == root and before.review_state is None
    second = f"uuid:{uuid.uuid4()}"
    edited = client.edit_submission(
        photo_form.form_id, root, photo_xml(photo_form.form_id, second, name="แก้ชื่อแล้ว", deprecated_id=root)
    )
    assert edited.instance_id == root and edited.review_state == "edited"
    assert edited.current_version is not None and edited.current_version.instance_id == second
    versions = client.list_versions(photo_form.form_id, root)
    assert [(v.instance_id, v.current) for v in versions] == [(second, True), (root, False)]
    row = feed_row(client, photo_form.form_id, root)
    assert row is not None and row.data["name"] == "แก้ชื่อแล้ว"
    assert row.system.edits == 1 and row.system.review_state == "edited"
    # The photo was not sent again: Central carries it over to the new version by name.
    assert [(a.name, a.exists) for a in client.list_attachments(photo_form.form_id, root)] == [(PHOTO, True)]


def test_an_edit_of_a_replaced_version_is_refused_with_409_9(
    client: CentralClient, photo_form: PhotoForm
) -> None:
    root = submit_with_photo(client, photo_form, b"\xff\xd8stale")
    form_id = photo_form.form_id
    client.edit_submission(
        form_id, root, photo_xml(form_id, f"uuid:{uuid.uuid4()}", name="ก", deprecated_id=root)
    )
    with pytest.raises(CentralError) as caught:
        client.edit_submission(
            form_id, root, photo_xml(form_id, f"uuid:{uuid.uuid4()}", name="ข", deprecated_id=root)
        )
    assert caught.value.status_code == 409 and caught.value.is_central_error(DEPRECATING_OLD_SUBMISSION)
    assert len(client.list_versions(form_id, root)) == 2


def test_review_moves_updated_at(client: CentralClient, photo_form: PhotoForm) -> None:
    root = submit_with_photo(client, photo_form, b"\xff\xd8review")
    client.review(photo_form.form_id, root, "hasIssues")
    before = feed_row(client, photo_form.form_id, root)
    assert before is not None and before.system.review_state == "hasIssues"
    assert before.system.updated_at is not None
    answer = client.review(photo_form.form_id, root, "approved")
    assert answer.review_state == "approved"
    after = feed_row(client, photo_form.form_id, root)
    assert after is not None and after.system.review_state == "approved"
    assert after.system.updated_at is not None and after.system.updated_at > before.system.updated_at
    with pytest.raises(ValueError, match="review state"):
        client.review(photo_form.form_id, root, "received")  # type: ignore[arg-type]


def test_delete_leaves_the_feed_for_the_deleted_sweep_and_restore_brings_it_back(
    client: CentralClient, photo_form: PhotoForm
) -> None:
    form_id = photo_form.form_id
    root = submit_with_photo(client, photo_form, b"\xff\xd8delete")
    client.delete_submission(form_id, root)
    assert feed_row(client, form_id, root) is None
    assert client.get_submission(form_id, root) is None
    swept = feed_row(client, form_id, root, filter=DELETED)
    assert swept is not None and swept.system.deleted_at is not None
    client.restore_submission(form_id, root)
    back = feed_row(client, form_id, root)
    assert back is not None and back.system.deleted_at is None
    assert feed_row(client, form_id, root, filter=DELETED) is None


def test_attachment_is_listed_downloaded_verified_and_not_fetched_twice(
    client: CentralClient, photo_form: PhotoForm, tmp_path: Path
) -> None:
    photo = secrets.token_bytes(300_000)
    root = submit_with_photo(client, photo_form, photo)
    listed = client.list_attachments(photo_form.form_id, root)
    assert [(a.name, a.exists) for a in listed] == [(PHOTO, True)]
    row = feed_row(client, photo_form.form_id, root)
    assert row is not None and (row.system.attachments_expected, row.system.attachments_present) == (1, 1)

    dest = tmp_path / "store" / "photo.bin"
    first = client.download_attachment(photo_form.form_id, root, PHOTO, dest)
    assert first.sha256 == hashlib.sha256(photo).hexdigest() and first.size == len(photo)
    assert not first.not_modified and dest.read_bytes() == photo
    assert first.etag is not None and hashlib.md5(photo).hexdigest() in first.etag
    assert list(dest.parent.iterdir()) == [dest]  # no .part left behind

    again = client.download_attachment(photo_form.form_id, root, PHOTO, dest, etag=first.etag)
    assert again.not_modified and (again.sha256, again.size) == (first.sha256, first.size)
    by_md5 = client.download_attachment(
        photo_form.form_id, root, PHOTO, tmp_path / "other.bin", etag=hashlib.md5(photo).hexdigest()
    )
    assert by_md5.not_modified and by_md5.sha256 is None and not (tmp_path / "other.bin").exists()
    changed = client.download_attachment(photo_form.form_id, root, PHOTO, dest, etag=f'"{"0" * 32}"')
    assert not changed.not_modified and changed.sha256 == first.sha256


def test_id_list_for_reconciling_pages_every_current_id_with_its_count(
    client: CentralClient, photo_form: PhotoForm
) -> None:
    """`$select=__id` in small pages lists exactly the current ids, each page with the same count."""
    form_id = photo_form.form_id
    kept = [submit_with_photo(client, photo_form, b"\xff\xd8ids" + bytes([n])) for n in range(3)]
    gone = submit_with_photo(client, photo_form, b"\xff\xd8ids-gone")
    client.delete_submission(form_id, gone)
    current = {s.id for p in client.iter_submission_pages(form_id) for s in p.submissions}
    listed = client.list_submission_ids(form_id, page_size=2)
    assert len(listed.ids) == len(set(listed.ids)) == len(current)
    assert set(listed.ids) == current and set(kept) <= current and gone not in current
    assert len(listed.page_counts) == -(-len(current) // 2) and listed.count == len(current)
    assert listed.malformed == 0
