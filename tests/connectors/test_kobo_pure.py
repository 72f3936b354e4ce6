"""The Kobo client's pure parts: config, deploy markers, media comparison, error wording, rebasing."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import requests
from pydantic import SecretStr, ValidationError

from connectors.kobo import KoboConfig
from connectors.kobo.deploy import (
    LocalForm,
    definition_changes,
    media_changes,
    parse_marker,
    with_marker,
)
from connectors.kobo.errors import error_from_response, kobo_detail
from connectors.kobo.models import AssetInfo, MediaFile
from connectors.kobo.session import KoboSession

LOCAL = LocalForm(path=Path("f.xlsx"), form_id="visit", version="2", title="t", xlsx=b"",
                  xform_sha256="abc", media={"children.csv": b"name,label\n"})


@pytest.mark.parametrize(("given", "expected"), [
    ("https://kf.kobotoolbox.org/", "https://kf.kobotoolbox.org"),
    ("https://kf.kobotoolbox.org/api/v2/", "https://kf.kobotoolbox.org"),
    (" http://127.0.0.1:8000/kobo ", "http://127.0.0.1:8000/kobo"),
])
def test_base_url_is_normalised(given: str, expected: str) -> None:
    assert KoboConfig(base_url=given, token=SecretStr("t")).base_url == expected


def test_base_url_needs_a_scheme() -> None:
    with pytest.raises(ValidationError, match="http"):
        KoboConfig(base_url="kf.kobotoolbox.org", token=SecretStr("t"))


@pytest.mark.parametrize(("description", "expected"), [
    ("", {}),
    ("Programme forms", {}),
    ("Programme forms\nodksync-deploy form=visit version=2 xform_sha256=abc",
     {"form": "visit", "version": "2", "xform_sha256": "abc"}),
])
def test_marker_is_read_from_the_description(description: str, expected: dict[str, str]) -> None:
    assert parse_marker(description) == expected


def test_marker_replaces_only_its_own_line() -> None:
    first = with_marker("โครงการ กสศ.", LOCAL.marker())
    second = with_marker(first, LOCAL.marker().replace("version=2", "version=3"))
    assert second.splitlines() == ["โครงการ กสศ.", LOCAL.marker().replace("version=2", "version=3")]


def _asset(description: str, **fields: object) -> AssetInfo:
    base = {"uid": "a1", "asset_type": "survey", "settings": {"description": description},
            "version_id": "v1", "deployed_version_id": "v1", "has_deployment": True,
            "deployment__active": True}
    return AssetInfo.model_validate({**base, **fields})


@pytest.mark.parametrize(("asset", "expected"), [
    (_asset(LOCAL.marker()), []),
    (_asset(LOCAL.marker().replace("abc", "old")), ["definition"]),
    (_asset(LOCAL.marker(), version_id="v2"), ["the asset's current version"]),
    (_asset(LOCAL.marker(), has_deployment=False, deployed_version_id=None),
     ["the asset's current version"]),
    (_asset(LOCAL.marker(), **{"deployment__active": False}), ["the deployment is archived"]),
])
def test_definition_changes(asset: AssetInfo, expected: list[str]) -> None:
    changes = definition_changes(LOCAL, asset)
    assert len(changes) == len(expected)
    assert all(change.startswith(prefix) for change, prefix in zip(changes, expected, strict=True))


def _media(name: str, content: bytes, file_type: str = "form_media") -> MediaFile:
    return MediaFile.model_validate({"uid": "af1", "file_type": file_type, "metadata": {
        "filename": name, "hash": "md5:" + hashlib.md5(content).hexdigest()}})


@pytest.mark.parametrize(("remote", "expected"), [
    ([_media("children.csv", b"name,label\n")], []),
    ([_media("children.csv", b"other")], ["media children.csv (changed)"]),
    ([], ["media children.csv (new)"]),
    ([_media("children.csv", b"name,label\n", "map_layer")], ["media children.csv (new)"]),
])
def test_media_changes_compare_kobo_md5(remote: list[MediaFile], expected: list[str]) -> None:
    assert media_changes(LOCAL, remote) == expected


def _response(status: int, body: bytes,
              url: str = "https://kobo.example.org/api/v2/assets/") -> requests.Response:
    response = requests.Response()
    response.status_code, response._content, response.url = status, body, url
    response.reason = "Reason"
    response.request = requests.Request("GET", url).prepare()
    return response


@pytest.mark.parametrize(("body", "expected"), [
    (b'{"detail": "Invalid token."}', "Invalid token."),
    (b'{"asset_type": ["\\"form\\" is not a valid choice."]}', 'asset_type: "form" is not a valid choice.'),
    (b'<OpenRosaResponse><message>Form is not\n active</message></OpenRosaResponse>',
     "Form is not active"),
    (b"<html>oops</html>", "Reason"),
])
def test_kobo_detail_reads_each_error_shape(body: bytes, expected: str) -> None:
    assert kobo_detail(_response(400, body)) == expected


def test_error_names_server_and_advises_on_401() -> None:
    error = error_from_response(_response(401, b'{"detail": "Invalid token."}'),
                                server="https://kobo.example.org")
    assert str(error) == ("KoboToolbox at https://kobo.example.org answered 401 to GET "
                          "/api/v2/assets/: Invalid token.: check KOBO_TOKEN (Account settings → "
                          "Security → API key on that server)")
    assert error.status_code == 401 and error.response is not None


def test_links_are_rebased_and_the_token_sent_as_kobo_wants() -> None:
    config = KoboConfig(base_url="https://kobo.example.org", token=SecretStr("s3cret"))
    with KoboSession(config) as session:
        assert session.rebase("http://internal:8000/api/v2/assets/a1/data/?limit=2&start=2") == \
            "https://kobo.example.org/api/v2/assets/a1/data/?limit=2&start=2"
        assert session.headers["Authorization"] == "Token s3cret"
        assert str(session.headers["User-Agent"]).startswith("odksync/")
        assert "s3cret" not in repr(config)
