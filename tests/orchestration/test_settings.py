"""Settings: the pinned environment, and secrets generated once with owner-only permissions."""

from __future__ import annotations

import stat
from pathlib import Path

from orchestration.settings import Settings


def test_defaults_keep_everything_under_the_data_dir(tmp_path: Path) -> None:
    settings = Settings.from_env({"ODKSYNC_DATA_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'warehouse.sqlite3'}"
    assert settings.dagster_home == tmp_path / "dagster"
    assert settings.uses_local_central


def test_the_environment_overrides_every_default(tmp_path: Path) -> None:
    settings = Settings.from_env({
        "ODKSYNC_DATA_DIR": str(tmp_path), "DATABASE_URL": "postgresql+psycopg://x@h/db",
        "ODK_CENTRAL_URL": "https://central.example.org", "ODK_CENTRAL_USERNAME": "u@x",
        "ODK_CENTRAL_PASSWORD": "pw", "ODK_CENTRAL_PROJECT_ID": "7", "DAGSTER_HOME": "/tmp/dh"})
    assert (settings.database_url, settings.central_project_id) == ("postgresql+psycopg://x@h/db", 7)
    assert not settings.uses_local_central and settings.dagster_home == Path("/tmp/dh")
    assert "pw" not in repr(settings) and "pw" not in str(settings.model_dump())


def test_local_secrets_are_generated_once_and_owner_only(tmp_path: Path) -> None:
    settings = Settings.from_env({"ODKSYNC_DATA_DIR": str(tmp_path)})
    first = settings.odksync_secret()
    assert first == settings.odksync_secret() and len(first) >= 32
    path = tmp_path / "secrets" / "odksync_secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_odksync_secret_from_the_environment_wins(tmp_path: Path) -> None:
    settings = Settings.from_env({"ODKSYNC_DATA_DIR": str(tmp_path), "ODKSYNC_SECRET": "k" * 40})
    assert settings.odksync_secret() == "k" * 40
    assert not (tmp_path / "secrets").exists()
