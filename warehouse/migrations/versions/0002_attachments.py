"""attachments expected and present per submission

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 08:53:42.279342
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('raw_submission', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attachments_expected', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('attachments_present', sa.Integer(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('raw_submission', schema=None) as batch_op:
        batch_op.drop_column('attachments_present')
        batch_op.drop_column('attachments_expected')

