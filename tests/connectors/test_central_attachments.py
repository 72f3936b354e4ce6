"""Downloading a submission's file: atomic, verified, and a failed one leaves nothing half-written."""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from connectors.central.client import CentralClient
from connectors.central.config import CentralConfig
from connectors.central.errors import NOT_FOUND, CentralError
from connectors.central.submission_admin import etag_header, xml_instance_id
from tests.contract.central_contract import start_sandbox, unique_form_id, write_xlsform

GOOD = b"\xff\xd8" + bytes(range(256)) * 40


class _Broken(BaseHTTPRequestHandler):
    """A server that logs in anyone and then sends the file wrong in the way `mode` names."""

    mode = "truncated"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        body = json.dumps({"token": "t" * 64}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        if self.mode == "truncated":  # announces the whole file, sends half, hangs up
            self.send_header("Content-Length", str(len(GOOD)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(GOOD[: len(GOOD) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        tag = hashlib.md5(b"something else").hexdigest()  # "wrong_md5": the body is not what the tag says
        self.send_header("ETag", f'"{tag}"')
        self.send_header("Content-Length", str(len(GOOD)))
        self.end_headers()
        self.wfile.write(GOOD)


@pytest.fixture
def broken() -> Iterator[tuple[type[_Broken], CentralClient]]:
    handler = type("Handler", (_Broken,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    config = CentralConfig.model_validate(
        {
            "base_url": f"http://127.0.0.1:{server.server_address[1]}",
            "username": "a@b.c",
            "password": "pw",
            "project_id": 1,
            "max_retries": 0,
        }
    )
    try:
        with CentralClient(config) as client:
            yield handler, client
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def central_config(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CentralConfig]:
    """The local Central-compatible server with a project, for the paths it can show."""
    server, config = start_sandbox(tmp_path_factory.mktemp("central"))
    try:
        yield config
    finally:
        server.stop()


@pytest.mark.parametrize(("mode", "words"), [("truncated", "short"), ("wrong_md5", "md5")])
def test_a_bad_download_raises_and_keeps_the_old_file(
    broken: tuple[type[_Broken], CentralClient], tmp_path: Path, mode: str, words: str
) -> None:
    handler, client = broken
    handler.mode = mode
    dest = tmp_path / "photo.jpg"
    dest.write_bytes(b"the copy held before")
    with pytest.raises(CentralError, match=words):
        client.download_attachment("f", "uuid:1", "photo.jpg", dest)
    assert dest.read_bytes() == b"the copy held before"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["photo.jpg"]


def test_etag_header_quotes_a_bare_md5_and_keeps_a_received_tag() -> None:
    md5 = hashlib.md5(GOOD).hexdigest()
    assert etag_header(md5) == f'"{md5}"'
    assert etag_header(f'"{md5}"') == f'"{md5}"' and etag_header(f'W/"{md5}"') == f'W/"{md5}"'


def test_instance_id_is_read_safely_from_an_edit() -> None:
    xml = b'<data xmlns:orx="http://openrosa.org/xforms"><orx:meta><orx:instanceID>uuid:x</orx:instanceID></orx:meta></data>'
    assert xml_instance_id(xml) == "uuid:x"
    assert xml_instance_id(b"<data><meta/></data>") is None
    assert xml_instance_id(b'<!DOCTYPE d [<!ENTITY e "x">]><data>&e;</data>') is None


def test_sandbox_download_of_an_unknown_file_is_404_and_writes_nothing(
    central_config: CentralConfig, tmp_path: Path
) -> None:
    form_id = unique_form_id("nofile")
    with CentralClient(central_config) as client:
        client.deploy_form(write_xlsform(tmp_path, form_id, extra_fields=(("image", "photo", "รูป / Photo"),)))
        root = f"uuid:{uuid.uuid4()}"
        xml = (
            f'<data id="{form_id}" version="2026113001"><name>ก</name><age>3</age><photo>p.jpg</photo>'
            f"<meta><instanceID>{root}</instanceID></meta></data>"
        ).encode()
        client.submit_rest(form_id, xml)
        # Sent without its file: listed as expected but not present, and not downloadable.
        assert [(a.name, a.exists) for a in client.list_attachments(form_id, root)] == [("p.jpg", False)]
        with pytest.raises(CentralError) as caught:
            client.download_attachment(form_id, root, "p.jpg", tmp_path / "out" / "p.jpg")
        assert caught.value.is_central_error(NOT_FOUND)
        assert not (tmp_path / "out" / "p.jpg").exists() and not (tmp_path / "out" / "p.jpg.part").exists()


def test_a_resent_edit_that_already_landed_is_taken_as_done(
    central_config: CentralConfig, tmp_path: Path
) -> None:
    """urllib3 resends a PUT whose answer was lost; the resend meets 409.9 against its own version."""
    form_id = unique_form_id("resend")
    with CentralClient(central_config) as client:
        client.deploy_form(write_xlsform(tmp_path, form_id))
        root, second = f"uuid:{uuid.uuid4()}", f"uuid:{uuid.uuid4()}"
        base = f'<data id="{form_id}" version="2026113001"><name>ก</name><age>3</age><meta>'
        client.submit_rest(form_id, f"{base}<instanceID>{root}</instanceID></meta></data>".encode())
        edit = f"{base}<deprecatedID>{root}</deprecatedID><instanceID>{second}</instanceID></meta></data>"
        first = client.edit_submission(form_id, root, edit.encode())
        resent = client.edit_submission(form_id, root, edit.encode())
        assert first.current_version is not None and resent.current_version is not None
        assert first.current_version.instance_id == resent.current_version.instance_id == second
        assert len(client.list_versions(form_id, root)) == 2
