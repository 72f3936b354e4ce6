"""Contract: an encrypted form has a keyId, and OData gives its submissions as metadata only.

Runs against the local sandbox, and unchanged against a real ODK Central when ODK_CENTRAL_URL is set.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from connectors.central.client import CentralClient
from tests.contract.central_contract import unique_form_id
from tests.support.encrypted import ENCRYPTED_XML, key_pair, seal, write_encrypted_xlsform

VERSION = "2026113001"


def test_encrypted_submissions_are_metadata_only_rows(client: CentralClient, tmp_path: Path) -> None:
    form_id = unique_form_id("sealed")
    _, public_key = key_pair()
    assert client.deploy_form(write_encrypted_xlsform(tmp_path, form_id, public_key,
                                                      version=VERSION)).action == "created"
    (form,) = [f for f in client.list_forms() if f.form_id == form_id]
    assert isinstance(form.key_id, int)  # Central tracks the form's public key by number

    user = client.ensure_app_user("contract sealed")
    client.assign_form(form_id, user.id)
    whole = seal(public_key, form_id, VERSION, media={"photo.jpg": b"\xff\xd8 photo"})
    envelope_only = seal(public_key, form_id, VERSION)
    for sealed, files in ((whole, whole.files), (envelope_only, None)):
        result = client.submit_openrosa(sealed.envelope, app_user_token=str(user.token),
                                        attachments=files)
        assert result.status == "created"

    rows = {s.id: s.raw for page in client.iter_submission_pages(form_id) for s in page.submissions}
    assert set(rows) == {whole.instance_id, envelope_only.instance_id}
    assert all(list(row) == ["__id", "__system"] for row in rows.values())  # no form fields
    complete, waiting = rows[whole.instance_id]["__system"], rows[envelope_only.instance_id]["__system"]
    assert complete["status"] == "notDecrypted"
    assert (complete["attachmentsExpected"], complete["attachmentsPresent"]) == (2, 2)
    assert waiting["status"] == "missingEncryptedFormData"
    assert (waiting["attachmentsExpected"], waiting["attachmentsPresent"]) == (1, 0)
    assert complete["formVersion"] == VERSION and complete["reviewState"] is None

    names = {a.name for a in client.list_attachments(form_id, whole.instance_id)}
    assert names == {"photo.jpg.enc", ENCRYPTED_XML}  # sealed files, listed but unreadable


def test_plain_form_has_no_key_and_null_status(
    client: CentralClient, deployed_form: Callable[..., str], tmp_path: Path
) -> None:
    from tests.contract.central_contract import submission_xml

    form_id = deployed_form("plain")
    (form,) = [f for f in client.list_forms() if f.form_id == form_id]
    assert form.key_id is None
    client.submit_rest(form_id, submission_xml(form_id))
    (row,) = [s.raw for page in client.iter_submission_pages(form_id) for s in page.submissions]
    assert row["__system"]["status"] is None and "name" in row
