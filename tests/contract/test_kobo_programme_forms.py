"""`deploy_forms_kobo`: every programme form reaches Kobo with its media; a second deploy changes nothing."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import forms
from connectors.kobo import KoboClient
from connectors.xlsform import convert
from orchestration.kobo import CHILDREN_CSV, children_csv, deploy_forms_kobo, kobo_client
from orchestration.settings import Settings


def test_programme_forms_deploy_once_then_stay_unchanged(tmp_path: Path) -> None:
    settings = Settings.from_env({**os.environ, "ODKSYNC_DATA_DIR": str(tmp_path)})
    wanted = {path.stem: convert(path).media for path in forms.form_paths()}

    first = deploy_forms_kobo(settings)
    assert {r.form_id for r in first} == set(wanted)
    assert all(r.action in ("created", "updated") and r.uid for r in first)

    second = deploy_forms_kobo(settings)
    assert [(r.form_id, r.action, r.uid) for r in second] == \
        [(r.form_id, "unchanged", r.uid) for r in first]
    assert [r.action for r in deploy_forms_kobo(settings, dry_run=True)] == ["unchanged"] * len(first)

    children = "md5:" + hashlib.md5(children_csv(settings).read_bytes()).hexdigest()
    selecting = {f for f, media in wanted.items() if CHILDREN_CSV in media}
    assert selecting, "some programme form should select the child from children.csv"
    with kobo_client(settings) as kobo:
        for result in first:
            media = _media_hashes(kobo, str(result.uid))
            assert set(media) == set(wanted[result.form_id])
            if result.form_id in selecting:
                assert media[CHILDREN_CSV] == children
            asset = kobo.get_asset(str(result.uid))
            assert asset.deployment_active and asset.deployed_version_id == asset.version_id
    if settings.kobo_url is None:
        token_file = settings.data_dir / "secrets" / "local_kobo_token"
        assert token_file.stat().st_mode & 0o077 == 0


def _media_hashes(kobo: KoboClient, uid: str) -> dict[str, str]:
    page = kobo.session.json("GET", kobo.session.url(kobo.session.urls.files, uid=uid),
                             params={"file_type": "form_media"})
    return {f["metadata"]["filename"]: f["metadata"]["hash"] for f in page["results"]}
