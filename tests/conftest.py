"""Fixtures shared by every test tier: databases (SQLite and PostgreSQL) and paths."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from warehouse.db import ensure_schema, make_engine

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
IN_CI = os.environ.get("CI", "").lower() == "true"
DEFAULT_TEST_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def skip_or_fail(reason: str) -> None:
    """Skip for a prerequisite really absent on a user's machine; under CI nothing skips."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: nothing may skip)")
    pytest.skip(reason)


def _postgres_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL") or DEFAULT_TEST_DATABASE_URL
    engine = make_engine(url)
    try:
        with engine.connect():
            return url
    except Exception:
        return None
    finally:
        engine.dispose()


_PG_URL = _postgres_url()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty warehouse: a SQLite file, and a fresh schema in the test PostgreSQL."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'warehouse.sqlite3'}")
        ensure_schema(eng)
        yield eng
        eng.dispose()
        return
    if _PG_URL is None:
        skip_or_fail(
            "PostgreSQL tests skipped: nothing answers at TEST_DATABASE_URL "
            f"({os.environ.get('TEST_DATABASE_URL') or DEFAULT_TEST_DATABASE_URL})"
        )
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(str(_PG_URL))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    eng = make_engine(f"{_PG_URL}{'&' if '?' in str(_PG_URL) else '?'}options=-csearch_path%3D{schema}")
    try:
        ensure_schema(eng)
        yield eng
    finally:
        eng.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def database_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


# The local Central fixture (module-scoped) for the integration, CLI and Dagster tests.
from tests.support.local_central import central  # noqa: E402,F401
