"""Fixtures for the engine tests: Node and the pinned engine installed, converted forms, small media."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

from connectors.xlsform import convert
from forms.paths import form_paths
from tests.conftest import skip_or_fail
from tests.engine.media import write_small_media
from tests.engine.runner import EngineError, ensure_node_modules, node_binary


@pytest.fixture(scope="session")
def engine_ready() -> None:
    """Node is on PATH and the engine is installed (`npm ci` on first use if `make test` did not)."""
    if node_binary() is None:
        skip_or_fail("engine tests need Node.js 20 (`node` is not on PATH); install Node.js 20 and npm")
    try:
        ensure_node_modules()
    except EngineError as e:
        skip_or_fail(f"engine tests could not install @getodk/xforms-engine: {e}")


def form_source(form_id: str) -> Path:
    """The XLSForm whose file stem is `form_id` (the test fails if there is none)."""
    for path in form_paths():
        if path.stem == form_id:
            return path
    pytest.fail(f"forms/xlsform/{form_id}.xlsx does not exist")


@cache
def _converted(form_id: str) -> str:
    return convert(form_source(form_id)).xml


@pytest.fixture(scope="session")
def small_media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_small_media(tmp_path_factory.mktemp("media"))


@pytest.fixture(scope="session")
def form_xml() -> Callable[[str], str]:
    """XForm XML of a programme form by form_id, converted by pyxform once per session."""
    return _converted


@pytest.fixture(scope="session")
def registration_xml(form_xml: Callable[[str], str]) -> str:
    return form_xml("child_registration")
