"""normalised tables, quarantine and per-submission bookkeeping

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 14:08:33.431811
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('norm_child_alias',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('project_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('form_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('submission_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('raw_version_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('as_entered', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('value', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['raw_version_id'], ['raw_submission_version.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('norm_child_alias', schema=None) as batch_op:
        batch_op.create_index('ix_norm_child_alias_submission', ['source', 'project_id', 'form_id', 'submission_id'], unique=False)

    op.create_table('norm_child_identifier',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('project_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('form_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('submission_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('raw_version_id', sa.Integer(), nullable=False),
    sa.Column('scheme', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('as_entered', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('value', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('valid', sa.Boolean(), nullable=False),
    sa.Column('id_kind', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('flags', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['raw_version_id'], ['raw_submission_version.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('norm_child_identifier', schema=None) as batch_op:
        batch_op.create_index('ix_norm_child_identifier_submission', ['source', 'project_id', 'form_id', 'submission_id'], unique=False)
        batch_op.create_index('ix_norm_child_identifier_value', ['value'], unique=False)

    op.create_table('norm_child_observation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('project_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('form_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('submission_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('raw_version_id', sa.Integer(), nullable=False),
    sa.Column('observed_on', sa.Date(), nullable=True),
    sa.Column('lao_code', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('enumerator_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('entity_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('id_scheme', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('national_id_as_entered', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('national_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('national_id_valid', sa.Boolean(), nullable=True),
    sa.Column('g_code_as_entered', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('g_code', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('prefix', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('name_as_entered', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('first_name_as_entered', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('first_name', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('last_name_as_entered', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('last_name', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('nickname_as_entered', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('nickname', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('former_names_as_entered', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('sex', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('birth_date_as_entered', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('birth_date_precision', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('birth_year', sa.Integer(), nullable=True),
    sa.Column('age_years', sa.Integer(), nullable=True),
    sa.Column('nationality_status', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('house_no_as_entered', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('house_no', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('moo', sa.Integer(), nullable=True),
    sa.Column('village_name_as_entered', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('village_name', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('province_code', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('district_code', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('subdistrict_code', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('residence_status', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('guardian_phone', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['raw_version_id'], ['raw_submission_version.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source', 'project_id', 'form_id', 'submission_id', name='uq_norm_child_observation')
    )
    with op.batch_alter_table('norm_child_observation', schema=None) as batch_op:
        batch_op.create_index('ix_norm_child_observation_entity', ['entity_id'], unique=False)

    op.create_table('norm_consent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('project_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('form_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('submission_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('raw_version_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('consented_on', sa.Date(), nullable=True),
    sa.Column('entity_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('age_told', sa.Integer(), nullable=True),
    sa.Column('given_by', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('consent_given', sa.Boolean(), nullable=True),
    sa.Column('child_assent', sa.Boolean(), nullable=True),
    sa.Column('consent_ok', sa.Boolean(), nullable=True),
    sa.Column('consent_version', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('share_with_eef', sa.Boolean(), nullable=True),
    sa.Column('contact_followup', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['raw_version_id'], ['raw_submission_version.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('norm_consent', schema=None) as batch_op:
        batch_op.create_index('ix_norm_consent_submission', ['source', 'project_id', 'form_id', 'submission_id'], unique=False)

    op.create_table('norm_education',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('project_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('form_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('submission_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('raw_version_id', sa.Integer(), nullable=False),
    sa.Column('ever_enrolled', sa.Boolean(), nullable=True),
    sa.Column('oos_category', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('highest_level', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('last_school', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('year_left_as_entered', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('year_left', sa.Integer(), nullable=True),
    sa.Column('urgent', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['raw_version_id'], ['raw_submission_version.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('norm_education', schema=None) as batch_op:
        batch_op.create_index('ix_norm_education_submission', ['source', 'project_id', 'form_id', 'submission_id'], unique=False)

    op.create_table('norm_flag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('project_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('form_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('submission_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('raw_version_id', sa.Integer(), nullable=False),
    sa.Column('field', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('value', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['raw_version_id'], ['raw_submission_version.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('norm_flag', schema=None) as batch_op:
        batch_op.create_index('ix_norm_flag_code', ['code'], unique=False)
        batch_op.create_index('ix_norm_flag_submission', ['source', 'project_id', 'form_id', 'submission_id'], unique=False)

    op.create_table('norm_followup',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('project_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('form_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('submission_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('raw_version_id', sa.Integer(), nullable=False),
    sa.Column('entity_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('lao_code', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('plan_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('is_supervision', sa.Boolean(), nullable=True),
    sa.Column('fu_date', sa.Date(), nullable=True),
    sa.Column('fu_mode', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('child_current_status', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('enrolled_institution', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('attendance_ok', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('recommend_status', sa.Integer(), nullable=True),
    sa.Column('close_reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('supervisor_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('supervision_result', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('supervisor_note', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('next_fu_date', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['raw_version_id'], ['raw_submission_version.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('norm_followup', schema=None) as batch_op:
        batch_op.create_index('ix_norm_followup_submission', ['source', 'project_id', 'form_id', 'submission_id'], unique=False)

    op.create_table('norm_guardian',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('project_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('form_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('submission_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('raw_version_id', sa.Integer(), nullable=False),
    sa.Column('relationship', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('name_as_entered', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('first_name', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('last_name', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('phone_as_entered', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('phone_valid', sa.Boolean(), nullable=True),
    sa.Column('lives_with', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['raw_version_id'], ['raw_submission_version.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('norm_guardian', schema=None) as batch_op:
        batch_op.create_index('ix_norm_guardian_submission', ['source', 'project_id', 'form_id', 'submission_id'], unique=False)

    op.create_table('norm_household_snapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('project_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('form_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('submission_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('raw_version_id', sa.Integer(), nullable=False),
    sa.Column('entity_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('visit_date', sa.Date(), nullable=True),
    sa.Column('hh_size', sa.Integer(), nullable=True),
    sa.Column('hh_income_month', sa.Integer(), nullable=True),
    sa.Column('income_per_capita', sa.Integer(), nullable=True),
    sa.Column('low_income', sa.Boolean(), nullable=True),
    sa.Column('housing_tenure', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('housing_condition', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('farmland', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('water_source', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('electricity', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['raw_version_id'], ['raw_submission_version.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('norm_household_snapshot', schema=None) as batch_op:
        batch_op.create_index('ix_norm_household_snapshot_submission', ['source', 'project_id', 'form_id', 'submission_id'], unique=False)

    op.create_table('norm_intervention_progress',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('project_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('form_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('submission_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('raw_version_id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('intv_ref', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('progress', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('next_steps', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['raw_version_id'], ['raw_submission_version.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('norm_intervention_progress', schema=None) as batch_op:
        batch_op.create_index('ix_norm_intervention_progress_submission', ['source', 'project_id', 'form_id', 'submission_id'], unique=False)

    op.create_table('norm_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('project_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('form_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('submission_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('raw_version_id', sa.Integer(), nullable=False),
    sa.Column('entity_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('lao_code', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('plan_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('plan_version', sa.Integer(), nullable=True),
    sa.Column('is_revision', sa.Boolean(), nullable=True),
    sa.Column('plan_date', sa.Date(), nullable=True),
    sa.Column('case_manager_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('plan_status', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['raw_version_id'], ['raw_submission_version.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('norm_plan', schema=None) as batch_op:
        batch_op.create_index('ix_norm_plan_plan_id', ['plan_id'], unique=False)
        batch_op.create_index('ix_norm_plan_submission', ['source', 'project_id', 'form_id', 'submission_id'], unique=False)

    op.create_table('norm_plan_goal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('project_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('form_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('submission_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('raw_version_id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('goal_domain', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('goal_text', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('goal_target_date', sa.Date(), nullable=True),
    sa.Column('goal_indicator', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['raw_version_id'], ['raw_submission_version.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('norm_plan_goal', schema=None) as batch_op:
        batch_op.create_index('ix_norm_plan_goal_submission', ['source', 'project_id', 'form_id', 'submission_id'], unique=False)

    op.create_table('norm_plan_intervention',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('project_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('form_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('submission_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('raw_version_id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('intv_type', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('provider', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('budget', sa.Float(), nullable=True),
    sa.Column('funding', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['raw_version_id'], ['raw_submission_version.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('norm_plan_intervention', schema=None) as batch_op:
        batch_op.create_index('ix_norm_plan_intervention_submission', ['source', 'project_id', 'form_id', 'submission_id'], unique=False)

    op.create_table('norm_quarantine',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('project_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('form_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('submission_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('raw_version_id', sa.Integer(), nullable=False),
    sa.Column('form_version', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('field', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('found', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('expected', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('message', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('problems', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('quarantined_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['raw_version_id'], ['raw_submission_version.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source', 'project_id', 'form_id', 'submission_id', name='uq_norm_quarantine')
    )
    with op.batch_alter_table('norm_quarantine', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_norm_quarantine_form_id'), ['form_id'], unique=False)

    op.create_table('norm_screening',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('project_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('form_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('submission_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('raw_version_id', sa.Integer(), nullable=False),
    sa.Column('entity_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('lao_code', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('visit_date', sa.Date(), nullable=True),
    sa.Column('visit_result', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('has_disability', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('disability_card', sa.Boolean(), nullable=True),
    sa.Column('chronic_illness', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('screen_result', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('child_voice', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('child_voice_findings', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['raw_version_id'], ['raw_submission_version.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('norm_screening', schema=None) as batch_op:
        batch_op.create_index('ix_norm_screening_submission', ['source', 'project_id', 'form_id', 'submission_id'], unique=False)

    op.create_table('norm_select_choice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('project_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('form_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('submission_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('raw_version_id', sa.Integer(), nullable=False),
    sa.Column('field', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('ordinal', sa.Integer(), nullable=False),
    sa.Column('choice', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['raw_version_id'], ['raw_submission_version.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('norm_select_choice', schema=None) as batch_op:
        batch_op.create_index('ix_norm_select_choice_submission', ['source', 'project_id', 'form_id', 'submission_id'], unique=False)

    op.create_table('norm_status_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('project_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('form_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('submission_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('raw_version_id', sa.Integer(), nullable=False),
    sa.Column('entity_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('plan_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('event_date', sa.Date(), nullable=True),
    sa.Column('seen_status', sa.Integer(), nullable=True),
    sa.Column('proposed_status', sa.Integer(), nullable=False),
    sa.Column('close_reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['raw_version_id'], ['raw_submission_version.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('norm_status_event', schema=None) as batch_op:
        batch_op.create_index('ix_norm_status_event_submission', ['source', 'project_id', 'form_id', 'submission_id'], unique=False)

    op.create_table('norm_submission',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('project_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('form_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('submission_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('raw_version_id', sa.Integer(), nullable=False),
    sa.Column('form_version', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('normaliser', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('flags', sa.Integer(), nullable=False),
    sa.Column('normalised_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['raw_version_id'], ['raw_submission_version.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source', 'project_id', 'form_id', 'submission_id', name='uq_norm_submission')
    )
    with op.batch_alter_table('norm_submission', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_norm_submission_form_id'), ['form_id'], unique=False)

    op.create_table('norm_text_date',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('project_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('form_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('submission_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('raw_version_id', sa.Integer(), nullable=False),
    sa.Column('field', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('as_entered', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('value', sa.Date(), nullable=True),
    sa.Column('flags', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['raw_version_id'], ['raw_submission_version.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('norm_text_date', schema=None) as batch_op:
        batch_op.create_index('ix_norm_text_date_submission', ['source', 'project_id', 'form_id', 'submission_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('norm_text_date', schema=None) as batch_op:
        batch_op.drop_index('ix_norm_text_date_submission')

    op.drop_table('norm_text_date')
    with op.batch_alter_table('norm_submission', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_norm_submission_form_id'))

    op.drop_table('norm_submission')
    with op.batch_alter_table('norm_status_event', schema=None) as batch_op:
        batch_op.drop_index('ix_norm_status_event_submission')

    op.drop_table('norm_status_event')
    with op.batch_alter_table('norm_select_choice', schema=None) as batch_op:
        batch_op.drop_index('ix_norm_select_choice_submission')

    op.drop_table('norm_select_choice')
    with op.batch_alter_table('norm_screening', schema=None) as batch_op:
        batch_op.drop_index('ix_norm_screening_submission')

    op.drop_table('norm_screening')
    with op.batch_alter_table('norm_quarantine', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_norm_quarantine_form_id'))

    op.drop_table('norm_quarantine')
    with op.batch_alter_table('norm_plan_intervention', schema=None) as batch_op:
        batch_op.drop_index('ix_norm_plan_intervention_submission')

    op.drop_table('norm_plan_intervention')
    with op.batch_alter_table('norm_plan_goal', schema=None) as batch_op:
        batch_op.drop_index('ix_norm_plan_goal_submission')

    op.drop_table('norm_plan_goal')
    with op.batch_alter_table('norm_plan', schema=None) as batch_op:
        batch_op.drop_index('ix_norm_plan_submission')
        batch_op.drop_index('ix_norm_plan_plan_id')

    op.drop_table('norm_plan')
    with op.batch_alter_table('norm_intervention_progress', schema=None) as batch_op:
        batch_op.drop_index('ix_norm_intervention_progress_submission')

    op.drop_table('norm_intervention_progress')
    with op.batch_alter_table('norm_household_snapshot', schema=None) as batch_op:
        batch_op.drop_index('ix_norm_household_snapshot_submission')

    op.drop_table('norm_household_snapshot')
    with op.batch_alter_table('norm_guardian', schema=None) as batch_op:
        batch_op.drop_index('ix_norm_guardian_submission')

    op.drop_table('norm_guardian')
    with op.batch_alter_table('norm_followup', schema=None) as batch_op:
        batch_op.drop_index('ix_norm_followup_submission')

    op.drop_table('norm_followup')
    with op.batch_alter_table('norm_flag', schema=None) as batch_op:
        batch_op.drop_index('ix_norm_flag_submission')
        batch_op.drop_index('ix_norm_flag_code')

    op.drop_table('norm_flag')
    with op.batch_alter_table('norm_education', schema=None) as batch_op:
        batch_op.drop_index('ix_norm_education_submission')

    op.drop_table('norm_education')
    with op.batch_alter_table('norm_consent', schema=None) as batch_op:
        batch_op.drop_index('ix_norm_consent_submission')

    op.drop_table('norm_consent')
    with op.batch_alter_table('norm_child_observation', schema=None) as batch_op:
        batch_op.drop_index('ix_norm_child_observation_entity')

    op.drop_table('norm_child_observation')
    with op.batch_alter_table('norm_child_identifier', schema=None) as batch_op:
        batch_op.drop_index('ix_norm_child_identifier_value')
        batch_op.drop_index('ix_norm_child_identifier_submission')

    op.drop_table('norm_child_identifier')
    with op.batch_alter_table('norm_child_alias', schema=None) as batch_op:
        batch_op.drop_index('ix_norm_child_alias_submission')

    op.drop_table('norm_child_alias')
