"""KPI v2 and OpenRosa endpoint paths, relative to the server's base URL."""

from dataclasses import dataclass


@dataclass(frozen=True)
class URLs:
    """Paths as data; `{uid}`-style fields are filled with str.format."""

    assets: str = "api/v2/assets/"
    asset: str = "api/v2/assets/{uid}/"
    deployment: str = "api/v2/assets/{uid}/deployment/"
    files: str = "api/v2/assets/{uid}/files/"
    file: str = "api/v2/assets/{uid}/files/{file_uid}/"
    data: str = "api/v2/assets/{uid}/data/"
    imports: str = "api/v2/imports/"
    import_status: str = "api/v2/imports/{uid}/"
    submission: str = "submission"  # OpenRosa, as KoboCollect posts
