"""erasure tombstones, corrections and retention (issues 7 and 9)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 17:05:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'erasure_tombstone',
        sa.Column('child_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('erased_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('requested_by', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column('audit_event_id', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('child_id'),
    )


def downgrade() -> None:
    op.drop_table('erasure_tombstone')
