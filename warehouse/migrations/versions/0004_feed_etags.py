"""sync state: each feed's ETag and the query it answered

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 09:39:42.313219
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('sync_state', schema=None) as batch_op:
        batch_op.add_column(sa.Column('feed_etag', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True))
        batch_op.add_column(sa.Column('feed_query', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True))
        batch_op.add_column(sa.Column('deleted_etag', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True))
        batch_op.add_column(sa.Column('deleted_query', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('sync_state', schema=None) as batch_op:
        batch_op.drop_column('deleted_query')
        batch_op.drop_column('deleted_etag')
        batch_op.drop_column('feed_query')
        batch_op.drop_column('feed_etag')

