"""EEF report runs (issue 7, report)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 17:05:00
"""
from __future__ import annotations

from collections.abc import Sequence

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass  # the tables of this revision land with the work that needs them


def downgrade() -> None:
    pass
