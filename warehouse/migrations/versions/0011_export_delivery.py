"""partner-agency export deliveries (issue 7, exports)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 17:05:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table(
        'export_delivery',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('delivery_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('agency_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column('file_name', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column('file_format', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column('columns', JSON, nullable=False),
        sa.Column('row_count', sa.Integer(), nullable=False),
        sa.Column('excluded', JSON, nullable=False),
        sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('content_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('legal_basis', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('destination', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('staged_path', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column('receipt', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('last_attempt_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('delivered_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('delivery_key', name='uq_export_delivery_key'),
    )
    with op.batch_alter_table('export_delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_export_delivery_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_export_delivery_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('export_delivery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_export_delivery_status'))
        batch_op.drop_index(batch_op.f('ix_export_delivery_agency_id'))
    op.drop_table('export_delivery')
