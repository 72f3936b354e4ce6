"""matching: stable child ids, their history, the review queue

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 15:12:20
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table('child',
    sa.Column('child_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('minted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('minted_run_id', sa.Integer(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('redirect_to', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('changed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('child_id')
    )
    op.create_table('child_assignment',
    sa.Column('obs_key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('child_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('evidence', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('assigned_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('obs_key')
    )
    with op.batch_alter_table('child_assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_child_assignment_child_id'), ['child_id'], unique=False)

    op.create_table('child_id_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('child_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('other_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('observations', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('occurred_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('child_id_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_child_id_event_child_id'), ['child_id'], unique=False)

    op.create_table('match_review_pair',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pair_key', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('left_key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('right_key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('decided_by', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('decided_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('created_run_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('pair_key', name='uq_match_review_pair_key')
    )
    with op.batch_alter_table('match_review_pair', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_match_review_pair_status'), ['status'], unique=False)

    op.create_table('match_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('finished_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('started_by', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('observations', sa.Integer(), nullable=False),
    sa.Column('children', sa.Integer(), nullable=False),
    sa.Column('new_children', sa.Integer(), nullable=False),
    sa.Column('merges', sa.Integer(), nullable=False),
    sa.Column('splits', sa.Integer(), nullable=False),
    sa.Column('moved', sa.Integer(), nullable=False),
    sa.Column('pending_reviews', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade() -> None:

    op.drop_table('match_run')
    with op.batch_alter_table('match_review_pair', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_match_review_pair_status'))

    op.drop_table('match_review_pair')
    with op.batch_alter_table('child_id_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_child_id_event_child_id'))

    op.drop_table('child_id_event')
    with op.batch_alter_table('child_assignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_child_assignment_child_id'))

    op.drop_table('child_assignment')
    op.drop_table('child')
