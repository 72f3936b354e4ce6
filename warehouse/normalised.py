"""Normalised tables: typed rows made from raw submissions, each pointing back to its source version.

Every row carries the submission key (`source`, `project_id`, `form_id`, `submission_id`) and the
raw version it was made from (`raw_version_id`), so an edit replaces exactly one submission's rows
and a delete retracts them. Text columns are unbounded: what was entered is kept, however long.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from warehouse.models import json_column


class FromSubmission(SQLModel):
    """The columns every normalised row shares: where it came from."""

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=16)
    project_id: str = Field(max_length=64)
    form_id: str = Field(max_length=128)
    submission_id: str = Field(max_length=255)
    raw_version_id: int = Field(foreign_key="raw_submission_version.id")


def _by_submission(table: str) -> Index:
    return Index(f"ix_{table}_submission", "source", "project_id", "form_id", "submission_id")


# Per submission: which raw version was normalised, by which normaliser, and how it ended.
class NormalisedSubmission(SQLModel, table=True):
    __tablename__ = "norm_submission"
    __table_args__ = (
        UniqueConstraint("source", "project_id", "form_id", "submission_id", name="uq_norm_submission"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=16)
    project_id: str = Field(max_length=64)
    form_id: str = Field(max_length=128, index=True)
    submission_id: str = Field(max_length=255)
    raw_version_id: int = Field(foreign_key="raw_submission_version.id")
    form_version: str | None = None
    state: str = Field(max_length=16)  # normalised | quarantined | retracted (deleted at the source)
    normaliser: str = Field(max_length=32)  # the normaliser's version; replay re-runs older ones
    rows: int = 0  # normalised rows written (all tables)
    flags: int = 0  # data-quality flags raised
    normalised_at: datetime


# A submission that could not be normalised: why, in words a data manager can act on (Thai).
class Quarantine(SQLModel, table=True):
    __tablename__ = "norm_quarantine"
    __table_args__ = (
        UniqueConstraint("source", "project_id", "form_id", "submission_id", name="uq_norm_quarantine"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=16)
    project_id: str = Field(max_length=64)
    form_id: str = Field(max_length=128, index=True)
    submission_id: str = Field(max_length=255)
    raw_version_id: int = Field(foreign_key="raw_submission_version.id")
    form_version: str | None = None
    reason: str = Field(max_length=64)  # stable code of the first problem, e.g. missing_required
    field: str | None = None
    found: str | None = None
    expected: str | None = None
    message: str  # Thai: which form, which field, what was found, what was expected, what to do
    problems: list[dict[str, Any]] = json_column()  # every problem found, same keys as above
    quarantined_at: datetime


# One per submission that identifies a child: every identifying attribute as entered and cleaned.
class ChildObservation(FromSubmission, table=True):
    __tablename__ = "norm_child_observation"
    __table_args__ = (
        UniqueConstraint("source", "project_id", "form_id", "submission_id",
                         name="uq_norm_child_observation"),
        Index("ix_norm_child_observation_entity", "entity_id"),
    )

    observed_on: date | None = None  # the visit (registration, visit, plan or follow-up) date
    lao_code: str | None = None
    enumerator_id: str | None = None
    entity_id: str | None = None  # the children entity chosen in Collect (follow-on forms)
    id_scheme: str | None = None
    national_id_as_entered: str | None = None
    national_id: str | None = None
    national_id_valid: bool | None = None
    g_code_as_entered: str | None = None
    g_code: str | None = None
    prefix: str | None = None  # the form's choice: MSTR, MISS_C, MR, MS, MRS, OTHER
    title: str | None = None  # canonical Thai title, also when typed inside the name
    name_as_entered: str | None = None  # the name as the form shows it (first last, or the list's)
    first_name_as_entered: str | None = None
    first_name: str | None = None
    last_name_as_entered: str | None = None
    last_name: str | None = None
    nickname_as_entered: str | None = None
    nickname: str | None = None
    former_names_as_entered: str | None = None
    sex: str | None = None
    birth_date_as_entered: str | None = None
    birth_date: date | None = None
    birth_date_precision: str | None = None
    birth_year: int | None = None
    age_years: int | None = None  # completed years at observed_on
    nationality_status: str | None = None
    house_no_as_entered: str | None = None
    house_no: str | None = None
    moo: int | None = None
    village_name_as_entered: str | None = None
    village_name: str | None = None
    province_code: str | None = None
    district_code: str | None = None
    subdistrict_code: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    residence_status: str | None = None
    guardian_phone: str | None = None  # national format; the guardian row has the rest


# Identifiers seen for a child: 13-digit ID, G-code, entity uuid; invalid ones kept, flagged.
class ChildIdentifier(FromSubmission, table=True):
    __tablename__ = "norm_child_identifier"
    __table_args__ = (_by_submission("norm_child_identifier"),
                      Index("ix_norm_child_identifier_value", "value"))

    scheme: str = Field(max_length=16)  # TH_PID | GCODE | ENTITY
    as_entered: str | None = None
    value: str | None = None
    valid: bool = False
    id_kind: str | None = None  # first digit's person type for a 13-digit ID
    flags: list[str] = json_column()


# Other names a child goes by (nickname, former names): matching evidence.
class ChildAlias(FromSubmission, table=True):
    __tablename__ = "norm_child_alias"
    __table_args__ = (_by_submission("norm_child_alias"),)

    kind: str = Field(max_length=16)  # nickname | former_name
    as_entered: str
    value: str


# The guardian named at registration.
class Guardian(FromSubmission, table=True):
    __tablename__ = "norm_guardian"
    __table_args__ = (_by_submission("norm_guardian"),)

    relationship: str | None = None
    name_as_entered: str | None = None
    title: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone_as_entered: str | None = None
    phone: str | None = None
    phone_valid: bool | None = None
    lives_with: str | None = None


# The child's schooling as told at registration: why they are out of school, since when, how urgent.
class Education(FromSubmission, table=True):
    __tablename__ = "norm_education"
    __table_args__ = (_by_submission("norm_education"),)

    ever_enrolled: bool | None = None
    oos_category: str | None = None
    highest_level: str | None = None
    last_school: str | None = None
    year_left_as_entered: str | None = None  # Buddhist Era on the form
    year_left: int | None = None  # Gregorian (CE)
    urgent: bool | None = None


# The household as seen at one home visit (นร.01 items).
class HouseholdSnapshot(FromSubmission, table=True):
    __tablename__ = "norm_household_snapshot"
    __table_args__ = (_by_submission("norm_household_snapshot"),)

    entity_id: str | None = None
    visit_date: date | None = None
    hh_size: int | None = None
    hh_income_month: int | None = None
    income_per_capita: int | None = None
    low_income: bool | None = None
    housing_tenure: str | None = None
    housing_condition: str | None = None
    farmland: str | None = None
    water_source: str | None = None
    electricity: str | None = None


# One home visit and what its screening found.
class Screening(FromSubmission, table=True):
    __tablename__ = "norm_screening"
    __table_args__ = (_by_submission("norm_screening"),)

    entity_id: str | None = None
    lao_code: str | None = None
    visit_date: date | None = None
    visit_result: str | None = None
    has_disability: str | None = None
    disability_card: bool | None = None
    chronic_illness: str | None = None
    screen_result: str | None = None
    child_voice: str | None = None
    child_voice_findings: int = 0  # ID or phone numbers found in the free text


# One version of an individual assistance plan.
class Plan(FromSubmission, table=True):
    __tablename__ = "norm_plan"
    __table_args__ = (_by_submission("norm_plan"), Index("ix_norm_plan_plan_id", "plan_id"))

    entity_id: str | None = None
    lao_code: str | None = None
    plan_id: str | None = None
    plan_version: int | None = None
    is_revision: bool | None = None
    plan_date: date | None = None
    case_manager_id: str | None = None
    plan_status: int | None = None


# A goal of a plan (repeat `goals`), in plan order.
class PlanGoal(FromSubmission, table=True):
    __tablename__ = "norm_plan_goal"
    __table_args__ = (_by_submission("norm_plan_goal"),)

    plan_id: str | None = None
    position: int
    goal_domain: str | None = None
    goal_text: str | None = None
    goal_target_date: date | None = None
    goal_indicator: str | None = None


# An intervention of a plan (repeat `interventions`), in plan order (`intv_no`).
class PlanIntervention(FromSubmission, table=True):
    __tablename__ = "norm_plan_intervention"
    __table_args__ = (_by_submission("norm_plan_intervention"),)

    plan_id: str | None = None
    position: int
    intv_type: str | None = None
    provider: str | None = None
    start_date: date | None = None
    budget: float | None = None
    funding: str | None = None


# One follow-up or supervision visit.
class FollowUp(FromSubmission, table=True):
    __tablename__ = "norm_followup"
    __table_args__ = (_by_submission("norm_followup"),)

    entity_id: str | None = None
    lao_code: str | None = None
    plan_id: str | None = None
    is_supervision: bool | None = None
    fu_date: date | None = None
    fu_mode: str | None = None
    child_current_status: str | None = None
    enrolled_institution: str | None = None
    attendance_ok: str | None = None
    recommend_status: int | None = None
    close_reason: str | None = None
    supervisor_id: str | None = None
    supervision_result: str | None = None
    supervisor_note: str | None = None
    next_fu_date: date | None = None


# Progress of one planned intervention at a follow-up (repeat `intervention_progress`).
class InterventionProgress(FromSubmission, table=True):
    __tablename__ = "norm_intervention_progress"
    __table_args__ = (_by_submission("norm_intervention_progress"),)

    plan_id: str | None = None
    position: int  # the plan's intv_no
    intv_ref: str | None = None
    progress: str | None = None
    next_steps: str | None = None


# Consent as recorded: registration consent (PDPA s.19/20) or sensitive-data consent (s.26).
class ConsentRecord(FromSubmission, table=True):
    __tablename__ = "norm_consent"
    __table_args__ = (_by_submission("norm_consent"),)

    kind: str = Field(max_length=16)  # registration | sensitive
    consented_on: date | None = None
    entity_id: str | None = None
    age_told: int | None = None
    given_by: str | None = None
    consent_given: bool | None = None
    child_assent: bool | None = None
    consent_ok: bool | None = None
    consent_version: str | None = None
    share_with_eef: bool | None = None
    contact_followup: bool | None = None


# A plan status a form proposes (DOMAIN §6); the status engine decides whether it is allowed.
class StatusEvent(FromSubmission, table=True):
    __tablename__ = "norm_status_event"
    __table_args__ = (_by_submission("norm_status_event"),)

    entity_id: str | None = None
    plan_id: str | None = None
    event_date: date | None = None
    seen_status: int | None = None  # the status the phone showed (entity list copy)
    proposed_status: int
    close_reason: str | None = None


# One chosen option of a select-multiple question (repeat rows carry their position).
class SelectChoice(FromSubmission, table=True):
    __tablename__ = "norm_select_choice"
    __table_args__ = (_by_submission("norm_select_choice"),)

    field: str  # path of the question, e.g. education/leave_reasons
    position: int = 0  # repeat row (1, 2, …), 0 outside repeats
    ordinal: int  # order within the answer
    choice: str


# A data-quality doubt about one answer that did not stop normalisation (kept for review).
class DataQualityFlag(FromSubmission, table=True):
    __tablename__ = "norm_flag"
    __table_args__ = (_by_submission("norm_flag"), Index("ix_norm_flag_code", "code"))

    field: str
    code: str
    value: str | None = None  # the value as entered, shortened


# A date written inside a free-text answer (appointments, school years), as entered and as read:
# Buddhist-Era years and Thai month names are where such dates go wrong.
class TextDate(FromSubmission, table=True):
    __tablename__ = "norm_text_date"
    __table_args__ = (_by_submission("norm_text_date"),)

    field: str
    position: int = 0  # repeat row (1, 2, …), 0 outside repeats
    as_entered: str
    value: date | None = None
    flags: list[str] = json_column()
