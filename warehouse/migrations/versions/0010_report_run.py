"""EEF report runs (issue 7, report)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 17:05:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[object]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table(
        'report_run',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('format', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column('started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('finished_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('out_dir', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('rows', sa.Integer(), nullable=False),
        sa.Column('exceptions', sa.Integer(), nullable=False),
        sa.Column('withdrawn', sa.Integer(), nullable=False),
        sa.Column('erased', sa.Integer(), nullable=False),
        sa.Column('closed_before', sa.Integer(), nullable=False),
        sa.Column('by_status', _json(), nullable=False),
        sa.Column('files', _json(), nullable=False),
        sa.Column('code_version', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('last_sync_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column('audit_event_id', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('report_run', schema=None) as batch_op:
        batch_op.create_index('ix_report_run_period', ['format', 'period'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('report_run', schema=None) as batch_op:
        batch_op.drop_index('ix_report_run_period')
    op.drop_table('report_run')
