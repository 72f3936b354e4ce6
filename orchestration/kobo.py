"""Which KoboToolbox to talk to (the configured one, or the bundled local server) and the Kobo deploy."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import SecretStr

import forms
from connectors.kobo import KoboClient, KoboConfig, KoboDeployResult
from connectors.xlsform import convert
from orchestration.settings import Settings

LOCAL_STATE_DIRNAME = "kobo"
CHILDREN_CSV = "children.csv"
# Kobo has no entities: the children list travels as form media with the columns of the `children`
# entity list (the forms' shipped children.csv, header only). Push-back (`odksync push`) writes the
# real list under the data dir (orchestration.pushback_kobo); from then on that file is the one sent.


class KoboConfigurationError(RuntimeError):
    """A Kobo setting is missing or wrong; the message says which one and what to do."""


def local_state_dir(settings: Settings) -> Path:
    return settings.data_dir / LOCAL_STATE_DIRNAME


def local_kobo_token(settings: Settings) -> str:
    return settings.local_secret("local_kobo_token")


@contextmanager
def kobo_client(settings: Settings) -> Iterator[KoboClient]:
    """An open client for KOBO_URL/KOBO_TOKEN, or with no KOBO_URL the local Kobo-compatible
    server, started in-process with its state under the data dir and stopped on exit."""
    if settings.kobo_url:
        if settings.kobo_token is None:
            raise KoboConfigurationError(
                "KOBO_URL is set but KOBO_TOKEN is not: set it to an API token of that server "
                "(Account settings → Security), or unset KOBO_URL to use the local server.")
        with KoboClient(KoboConfig(base_url=settings.kobo_url, token=settings.kobo_token,
                                   verify_tls=settings.tls_verify)) as c:
            yield c
        return
    from sandbox.kobo import KoboSandbox

    token = local_kobo_token(settings)
    with KoboSandbox(local_state_dir(settings), token=token) as server, \
            KoboClient(KoboConfig(base_url=server.url, token=SecretStr(token))) as client:
        yield client


def pushed_children_csv(settings: Settings) -> Path:
    """Where push-back keeps the children list it built for Kobo."""
    return local_state_dir(settings) / "media" / CHILDREN_CSV


def children_csv(settings: Settings) -> Path:
    """The children list Kobo forms select from: push-back's file under the data dir once
    `odksync push` has written it, else the forms' shipped file (header only)."""
    pushed = pushed_children_csv(settings)
    if pushed.exists():
        return pushed
    shipped = forms.media_paths().get(CHILDREN_CSV)
    if shipped is None:
        raise FileNotFoundError(f"{CHILDREN_CSV} is missing from {forms.MEDIA_DIR}: rebuild the media with "
                                "`python -m forms.media`.")
    return shipped


def form_media(settings: Settings, xlsx: Path) -> dict[str, Path]:
    """The media files one form uses, by the name the form gives them."""
    media = forms.media_paths()
    needed: dict[str, Path] = {}
    for name in convert(xlsx).media:
        if name == CHILDREN_CSV:
            needed[name] = children_csv(settings)
        elif name in media:
            needed[name] = media[name]
        else:
            raise FileNotFoundError(
                f"Form {xlsx.name} uses media {name}, missing from {forms.MEDIA_DIR}: rebuild the "
                "media with `python -m forms.media`.")
    return needed


def deploy_forms_kobo(settings: Settings, *, dry_run: bool = False,
                      force: bool = False) -> list[KoboDeployResult]:
    """Create, replace or leave alone every programme form on Kobo, with the media each needs.

    `force` is accepted for the same command line as Central; Kobo's deploy reads no warehouse
    fields yet, so there is nothing for it to override here.
    """
    del force
    with kobo_client(settings) as client:
        return [client.deploy_form(path, attachments=form_media(settings, path), dry_run=dry_run)
                for path in forms.form_paths()]
