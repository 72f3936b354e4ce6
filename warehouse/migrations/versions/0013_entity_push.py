"""entity push-back state (issue 7, push-back)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 17:05:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'entity_push_link',
        sa.Column('dataset', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('uuid', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('entity_created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('instance_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column('source_checked', sa.Boolean(), nullable=False),
        sa.Column('first_seen_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('dataset', 'uuid'),
    )
    op.create_table(
        'entity_push_run',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('target', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('finished_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('ok', sa.Boolean(), nullable=False),
        sa.Column('entities', sa.Integer(), nullable=False),
        sa.Column('updated', sa.Integer(), nullable=False),
        sa.Column('unchanged', sa.Integer(), nullable=False),
        sa.Column('conflicts_retried', sa.Integer(), nullable=False),
        sa.Column('conflicts_left', sa.Integer(), nullable=False),
        sa.Column('merged_marked', sa.Integer(), nullable=False),
        sa.Column('skipped_merged', sa.Integer(), nullable=False),
        sa.Column('cleared_erased', sa.Integer(), nullable=False),
        sa.Column('unlinked', sa.Integer(), nullable=False),
        sa.Column('error', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )


def downgrade() -> None:
    op.drop_table('entity_push_run')
    op.drop_table('entity_push_link')
