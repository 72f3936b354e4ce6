"""Say once per sync that a form is encrypted, what of it could not be synced, and what to do."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from warehouse.encrypted import encryption_log_line, metadata_only_count

log = logging.getLogger("odksync.sync")


def report_encrypted(engine: Engine, *, source: str, project_id: str, form_id: str,
                     key_id: int | None, logger: Any = log) -> int | None:
    """Log the form's one line when it is encrypted (a keyId, or rows held as metadata only).

    Returns how many current submissions are held as metadata only, or None for a plain form.
    `logger` is anything with `warning` (Dagster's context.log in an asset).
    """
    with Session(engine) as session:
        held = metadata_only_count(session, source=source, project_id=project_id, form_id=form_id)
    if key_id is None and held == 0:
        return None
    logger.warning(encryption_log_line(form_id, held))
    return held
