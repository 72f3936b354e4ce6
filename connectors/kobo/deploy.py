"""Deploying an XLSForm to Kobo: create or replace the asset by import, media, deploy or redeploy.

How "unchanged" is decided (Kobo rewrites the content it imports, so neither the XLSX it serves
back nor its content JSON can be compared with the source):

* the asset is found by a marker line odksync writes into its project description
  (`settings.description`), after everything else succeeded:
  `odksync-deploy form=<form_id> version=<version> xform_sha256=<hex>`, where the hash is of the
  XForm pyxform makes here, canonicalised (comments and whitespace between elements ignored) — so
  a re-saved spreadsheet is no change, and a deploy that stopped half-way is redone;
* the definition is unchanged when that hash matches, and the asset's deployed version is its
  current one and active (an edit in Kobo's form builder, never deployed, counts as a change);
* each media file is unchanged when Kobo's own `metadata.hash` (`md5:…`) equals the local file's.

Unchanged means read requests only. A changed definition must carry a new `version` in the
settings sheet, as KoboCollect only fetches a form again when its version changes.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from connectors.kobo.errors import KoboError, one_line
from connectors.kobo.models import AssetInfo, ImportStatus, KoboDeployResult, MediaFile
from connectors.kobo.session import KoboSession
from connectors.xlsform import canonical_xform, convert

MARKER = "odksync-deploy"
_MARKER_LINE = re.compile(rf"^{MARKER}\s+(.*)$", re.MULTILINE)
FORM_MEDIA = "form_media"


@dataclass(frozen=True)
class LocalForm:
    """An XLSForm as read here: id, version, title, bytes, XForm hash and media contents."""

    path: Path
    form_id: str
    version: str | None
    title: str
    xlsx: bytes
    xform_sha256: str
    media: dict[str, bytes] = field(default_factory=dict)

    def media_md5(self, name: str) -> str:
        return hashlib.md5(self.media[name]).hexdigest()

    def marker(self) -> str:
        return f"{MARKER} form={self.form_id} version={self.version or ''} " \
               f"xform_sha256={self.xform_sha256}"


def read_local_form(xlsx_path: Path, attachments: dict[str, Path] | None) -> LocalForm:
    converted = convert(xlsx_path)
    return LocalForm(
        path=xlsx_path, form_id=converted.form_id or xlsx_path.stem,
        version=converted.version or None, title=converted.title or xlsx_path.stem,
        xlsx=xlsx_path.read_bytes(),
        xform_sha256=hashlib.sha256(canonical_xform(converted.xml.encode("utf-8"))).hexdigest(),
        media={name: p.read_bytes() for name, p in sorted((attachments or {}).items())})


def parse_marker(description: str) -> dict[str, str]:
    found = _MARKER_LINE.search(description or "")
    if not found:
        return {}
    return dict(item.split("=", 1) for item in found.group(1).split() if "=" in item)


def with_marker(description: str, marker: str) -> str:
    """The description with odksync's marker line replaced, whatever people wrote kept."""
    kept = [line for line in (description or "").splitlines() if not line.startswith(MARKER)]
    return "\n".join([*[line for line in kept if line.strip()], marker])


def definition_changes(local: LocalForm, asset: AssetInfo) -> list[str]:
    marker = parse_marker(asset.description)
    changes = []
    if marker.get("xform_sha256") != local.xform_sha256:
        changes.append(f"definition (version {marker.get('version') or '?'!r} → {local.version!r})")
    elif not asset.has_deployment or asset.deployed_version_id != asset.version_id:
        changes.append("the asset's current version is not the deployed one")
    elif not asset.deployment_active:
        changes.append("the deployment is archived")
    return changes


def media_changes(local: LocalForm, remote: list[MediaFile]) -> list[str]:
    held = {f.metadata.filename: f for f in remote if f.file_type == FORM_MEDIA}
    changes = []
    for name in local.media:
        at_kobo = held.get(name)
        if at_kobo is None:
            changes.append(f"media {name} (new)")
        elif at_kobo.md5 != local.media_md5(name):
            changes.append(f"media {name} (changed)")
    return changes


class Deployer:
    """The requests of one deploy, on the client's session."""

    def __init__(self, session: KoboSession) -> None:
        self.session = session
        self.urls = session.urls

    def find_asset(self, form_id: str) -> AssetInfo | None:
        """The survey asset whose description carries odksync's marker for this form (the
        oldest, should there be several)."""
        url = self.session.url(self.urls.assets) + "?q=asset_type:survey&limit=100"
        assets = (AssetInfo.model_validate(item) for item in self.session.results(url))
        found = [a for a in assets if parse_marker(a.description).get("form") == form_id]
        if not found:
            return None
        found.sort(key=lambda a: a.date_created or "")
        return self.get_asset(found[0].uid)

    def get_asset(self, uid: str) -> AssetInfo:
        return AssetInfo.model_validate(self.session.json("GET", self.session.url(self.urls.asset,
                                                                                   uid=uid)))

    def media(self, uid: str) -> list[MediaFile]:
        url = self.session.url(self.urls.files, uid=uid) + "?file_type=form_media"
        return [MediaFile.model_validate(f) for f in self.session.results(url)]

    def import_xlsform(self, local: LocalForm, destination: AssetInfo | None) -> str:
        """POST the XLSX to /imports/ and wait for Kobo's background import; the asset uid."""
        data: dict[str, str] = {"name": local.title}
        if destination is not None:
            data = {"destination": self.session.url(self.urls.asset, uid=destination.uid)}
        started = self.session.json(
            "POST", self.session.url(self.urls.imports), data=data,
            files={"file": (local.path.name, local.xlsx,
                            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")})
        status_url = self.session.url(self.urls.import_status, uid=started["uid"])
        deadline, pause = time.monotonic() + self.session.config.import_timeout, 0.1
        while True:
            status = ImportStatus.model_validate(self.session.json("GET", status_url))
            if status.status not in ("created", "processing"):
                break
            if time.monotonic() > deadline:
                raise KoboError(f"KoboToolbox at {self.session.server} is still importing "
                                f"{local.path.name} after {self.session.config.import_timeout:g} "
                                "s: look at the import in Kobo, then deploy again")
            time.sleep(pause)
            pause = min(pause * 2, 2.0)
        if status.status != "complete":
            error = one_line(str(status.messages.get("error") or status.messages))
            raise KoboError(f"KoboToolbox at {self.session.server} could not import "
                            f"{local.path.name}: {error}")
        for kind in ("updated", "created"):
            for item in status.messages.get(kind) or []:
                if isinstance(item, dict) and item.get("uid"):
                    return str(item["uid"])
        if destination is not None:
            return destination.uid
        raise KoboError(f"KoboToolbox at {self.session.server} imported {local.path.name} but "
                        "named no asset")

    def upload_media(self, uid: str, local: LocalForm, remote: list[MediaFile]) -> None:
        """Replace each changed file: Kobo keeps one form_media file per name, so delete first."""
        held = {f.metadata.filename: f for f in remote if f.file_type == FORM_MEDIA}
        for name, content in local.media.items():
            old = held.get(name)
            if old is not None and old.md5 == local.media_md5(name):
                continue
            if old is not None:
                self.session.call("DELETE", self.session.url(self.urls.file, uid=uid,
                                                             file_uid=old.uid), ok=(404,))
            self.session.call(
                "POST", self.session.url(self.urls.files, uid=uid),
                data={"file_type": FORM_MEDIA, "description": "default",
                      "metadata": json.dumps({"filename": name})},
                files={"content": (name, content, "text/csv" if name.endswith(".csv")
                                   else "application/octet-stream")})

    def deploy(self, uid: str) -> str:
        """Deploy the current version, or redeploy it (which also sends the media to Collect)."""
        asset = self.get_asset(uid)
        url = self.session.url(self.urls.deployment, uid=uid)
        if asset.has_deployment:
            answer = self.session.json("PATCH", url, json={"active": True,
                                                           "version_id": asset.version_id})
        else:
            answer = self.session.json("POST", url, json={"active": True})
        return str(answer.get("version_id") or asset.version_id or "")

    def mark(self, uid: str, local: LocalForm) -> None:
        settings = dict(self.get_asset(uid).settings)
        settings["description"] = with_marker(str(settings.get("description") or ""),
                                              local.marker())
        self.session.call("PATCH", self.session.url(self.urls.asset, uid=uid),
                          json={"settings": settings})


def deploy(session: KoboSession, local: LocalForm, *, dry_run: bool) -> KoboDeployResult:
    """Create, update or leave the asset; writes nothing when unchanged or on a dry run."""
    steps = Deployer(session)
    asset = steps.find_asset(local.form_id)
    if asset is None:
        changes = ["new asset"] + [f"media {name} (new)" for name in local.media]
        if dry_run:
            return _result(local, None, "created", None, changes, dry_run)
        uid = steps.import_xlsform(local, None)
        steps.upload_media(uid, local, [])
        version_id = steps.deploy(uid)
        steps.mark(uid, local)
        return _result(local, uid, "created", version_id, changes, dry_run)

    remote_media = steps.media(asset.uid)
    definition = definition_changes(local, asset)
    changes = definition + media_changes(local, remote_media)
    if not changes:
        return _result(local, asset.uid, "unchanged", asset.deployed_version_id, [], dry_run)
    marker = parse_marker(asset.description)
    if marker.get("xform_sha256") != local.xform_sha256 and local.version and \
            marker.get("version") == local.version:
        raise KoboError(
            f"{local.path.name} ({local.form_id}) differs from the form deployed on KoboToolbox at "
            f"{session.server} (asset {asset.uid}) but keeps its version {local.version!r}: raise "
            "`version` in the settings sheet and deploy again")
    if dry_run:
        return _result(local, asset.uid, "updated", asset.deployed_version_id, changes, dry_run)
    if marker.get("xform_sha256") != local.xform_sha256:
        steps.import_xlsform(local, asset)
    steps.upload_media(asset.uid, local, remote_media)
    version_id = steps.deploy(asset.uid)
    steps.mark(asset.uid, local)
    return _result(local, asset.uid, "updated", version_id, changes, dry_run)


def _result(local: LocalForm, uid: str | None, action: str, version_id: str | None,
            changes: list[str], dry_run: bool) -> KoboDeployResult:
    return KoboDeployResult.model_validate({
        "form_id": local.form_id, "uid": uid, "action": action, "version": local.version,
        "version_id": version_id, "changes": changes, "dry_run": dry_run})
