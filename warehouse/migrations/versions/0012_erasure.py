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
    op.create_table(
        'erasure_submission',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('child_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('project_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('form_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column('submission_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column('erased_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('source', 'project_id', 'form_id', 'submission_id',
                            name='uq_erasure_submission_key'),
    )
    with op.batch_alter_table('erasure_submission', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_erasure_submission_child_id'), ['child_id'], unique=False)
    op.create_table(
        'child_correction',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('child_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('field', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('old_value', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column('new_value', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('corrected_by', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column('corrected_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('audit_event_id', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('child_correction', schema=None) as batch_op:
        batch_op.create_index('ix_child_correction_child_field', ['child_id', 'field'], unique=False)
    op.create_table(
        'child_retention',
        sa.Column('child_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('closed_on', sa.Date(), nullable=False),
        sa.Column('retain_until', sa.Date(), nullable=False),
        sa.Column('period_days', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('child_id'),
    )


def downgrade() -> None:
    op.drop_table('child_retention')
    with op.batch_alter_table('child_correction', schema=None) as batch_op:
        batch_op.drop_index('ix_child_correction_child_field')
    op.drop_table('child_correction')
    with op.batch_alter_table('erasure_submission', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_erasure_submission_child_id'))
    op.drop_table('erasure_submission')
    op.drop_table('erasure_tombstone')
