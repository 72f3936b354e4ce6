"""home_visit (DOMAIN §4.2) → screening, household snapshot, sensitive-data consent, proposed status:
the screening result of a child found, or the closing of a case whose child was not found."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from warehouse.normalise.case import FollowOn, observe_case, require_case, seen_status
from warehouse.normalise.common import (
    YES_NO,
    YES_NO_UNKNOWN,
    Form,
    OdkDate,
    OdkInt,
    Output,
    Problem,
    Quarantined,
    Text,
    answered,
    any_of,
    one_of,
    require,
    unknown_fields,
    validate,
    yes,
)
from warehouse.normalised import ConsentRecord, HouseholdSnapshot, Screening, StatusEvent
from warehouse.privacy.consent import age_rule_problems

FORM_ID = "home_visit"
SENSITIVE_FIELDS = ("sensitive/sensitive_consent", "sensitive/sensitive_assent", "sensitive/sensitive_ok")
VERSIONS = ("2026113001",)
YesNo = Annotated[str | None, one_of(*YES_NO)]
YesNoUnknown = Annotated[str | None, one_of(*YES_NO_UNKNOWN)]
# The form proposes no status; its answers map to DOMAIN §6 (forms/xlsform/README.md). A child found
# is screened: eligible (20) or not (25).
SCREEN_STATUS = {"ELIGIBLE": 20, "REFER_NOW": 20, "NOT_ELIGIBLE": 25}
# A child not found closes the case unresolved (90) with the close reason of §4.5: moved away, refused,
# deceased at once; not found only at the third visit in a row that misses the child (LOST), which
# the status engine counts — one form cannot know how many visits came before it.
NOT_FOUND_STATUS = {"MOVED": (90, "MOVED"), "REFUSED": (90, "REFUSED"), "DECEASED": (90, "DECEASED"),
                    "NOT_FOUND": (90, "LOST")}
MULTI = (
    "household/hh_dependants",
    "household/vehicles",
    "household/appliances",
    "household/welfare_received",
    "health/disability_types",
    "health/risk_flags",
    "screening/child_needs",
)


class Visit(Form):
    visit_date: OdkDate = None
    visit_result: Annotated[str | None, one_of("FOUND", "NOT_FOUND", "MOVED", "DECEASED", "REFUSED")] = None
    visit_ended: Text = None


class Sensitive(Form):
    child_age: OdkInt = None
    sensitive_notice: Text = None
    sensitive_consent: YesNo = None
    sensitive_assent: YesNo = None
    sensitive_ok: YesNo = None


class Household(Form):
    hh_size: OdkInt = None
    hh_dependants: Annotated[
        tuple[str, ...], any_of("DISABLED", "CHRONIC", "ELDERLY", "NO_INCOME", "NONE")
    ] = ()
    hh_income_month: OdkInt = None
    income_per_capita: OdkInt = None
    low_income: YesNo = None
    income_note: Text = None
    housing_tenure: Annotated[str | None, one_of("OWN", "RENT", "WITH_OTHERS", "EMPLOYER", "PUBLIC_LAND")] = (
        None
    )
    housing_condition: Annotated[str | None, one_of("SOUND", "WORN", "DILAPIDATED", "NO_TOILET")] = None
    farmland: Annotated[str | None, one_of("NONE", "LT1", "R1_5", "GT5")] = None
    water_source: Annotated[str | None, one_of("BOTTLED", "TAP", "WELL", "RAIN", "NATURAL", "OTHER")] = None
    electricity: Annotated[str | None, one_of("METER", "SHARED", "OFFGRID", "NONE")] = None
    vehicles: Annotated[
        tuple[str, ...], any_of("CAR", "PICKUP", "FARM", "MOTORCYCLE", "BICYCLE", "NONE")
    ] = ()
    appliances: Annotated[
        tuple[str, ...], any_of("FRIDGE", "TV", "WASHER", "AIRCON", "COMPUTER", "SMARTPHONE", "NONE")
    ] = ()
    welfare_received: Annotated[
        tuple[str, ...],
        any_of(
            "STATE_CARD",
            "CHILD_GRANT",
            "EEF_GRANT",
            "ELDERLY_ALLOWANCE",
            "DISABILITY_ALLOWANCE",
            "OTHER",
            "NONE",
        ),
    ] = ()


class Health(Form):
    has_disability: YesNoUnknown = None
    disability_types: Annotated[
        tuple[str, ...],
        any_of("VISUAL", "HEARING", "PHYSICAL", "MENTAL", "INTELLECTUAL", "LEARNING", "AUTISM"),
    ] = ()
    disability_card: YesNo = None
    chronic_illness: YesNoUnknown = None
    risk_flags: Annotated[
        tuple[str, ...],
        any_of("PREGNANCY", "EARLY_MARRIAGE", "JUSTICE", "CHILD_LABOUR", "VIOLENCE", "SUBSTANCE", "NONE"),
    ] = ()


class ScreeningGroup(Form):
    child_needs: Annotated[
        tuple[str, ...],
        any_of(
            "RETURN_SCHOOL",
            "NFE",
            "VOCATIONAL",
            "WORK",
            "SCHOLARSHIP",
            "HEALTH",
            "DOCS",
            "FAMILY_SUPPORT",
            "PSYCHOSOCIAL",
            "OTHER",
        ),
    ] = ()
    child_voice: Text = None
    screen_result: Annotated[str | None, one_of("ELIGIBLE", "NOT_ELIGIBLE", "REFER_NOW")] = None


class HomeVisit(FollowOn):
    visit: Visit | None = None
    sensitive: Sensitive | None = None
    household: Household | None = None
    health: Health | None = None
    screening: ScreeningGroup | None = None


def normalise(data: Mapping[str, Any], *, form_version: str | None) -> Output:
    """The rows of one home visit; Quarantined when it cannot be read as the form says."""
    form: HomeVisit = validate(HomeVisit, data)
    problems: list[Problem] = []
    require_case(problems, form)
    visit = form.visit or Visit()
    require(problems, visit__visit_date=visit.visit_date, visit__visit_result=visit.visit_result)
    found = visit.visit_result == "FOUND"
    household, screening, sensitive = form.household, form.screening, form.sensitive
    if found:
        hh = household or Household()
        sc = screening or ScreeningGroup()
        require(
            problems,
            household__hh_size=hh.hh_size,
            household__hh_income_month=hh.hh_income_month,
            household__housing_tenure=hh.housing_tenure,
            screening__screen_result=sc.screen_result,
            sensitive__sensitive_consent=(sensitive or Sensitive()).sensitive_consent,
        )
        s = sensitive or Sensitive()
        problems += [Problem("consent_age_rule", field=b.field, found=b.found, expected=b.expected)
                     for b in age_rule_problems(s.child_age, None, s.sensitive_consent, s.sensitive_assent,
                                                s.sensitive_ok, fields=SENSITIVE_FIELDS)]
    if problems:
        raise Quarantined(problems)
    out = Output()
    for path in unknown_fields(form):
        out.flag(path, "unknown_field")
    entity = observe_case(out, form, visit.visit_date)
    health = form.health if found and answered(form.health) else None
    voice = screening.child_voice if screening and found else None
    findings = out.free_text("screening/child_voice", voice)
    out.add(
        Screening,
        entity_id=entity,
        lao_code=form.lao.lao_code if form.lao else None,
        visit_date=visit.visit_date,
        visit_result=visit.visit_result,
        has_disability=health.has_disability if health else None,
        disability_card=yes(health.disability_card) if health else None,
        chronic_illness=health.chronic_illness if health else None,
        screen_result=screening.screen_result if screening and found else None,
        child_voice=voice,
        child_voice_findings=findings,
    )
    if not found:
        closing, reason = NOT_FOUND_STATUS[visit.visit_result or ""]
        _status_event(out, form, entity, visit, closing, reason)
        return out
    if household is None or screening is None or sensitive is None:
        return out
    if household.hh_size is not None and not 1 <= household.hh_size <= 30:
        out.flag("household/hh_size", "hh_size_out_of_range", household.hh_size)
    per_capita = (
        round(household.hh_income_month / household.hh_size)
        if household.hh_income_month is not None and household.hh_size
        else None
    )
    out.add(
        HouseholdSnapshot,
        entity_id=entity,
        visit_date=visit.visit_date,
        hh_size=household.hh_size,
        hh_income_month=household.hh_income_month,
        income_per_capita=per_capita,
        low_income=per_capita <= 3000 if per_capita is not None else None,
        housing_tenure=household.housing_tenure,
        housing_condition=household.housing_condition,
        farmland=household.farmland,
        water_source=household.water_source,
        electricity=household.electricity,
    )
    ok = (
        sensitive.sensitive_ok == "1"
        if sensitive.sensitive_ok
        else (sensitive.sensitive_consent == "1" and sensitive.sensitive_assent != "0")
    )
    out.add(
        ConsentRecord,
        kind="sensitive",
        consented_on=visit.visit_date,
        entity_id=entity,
        age_told=sensitive.child_age,
        given_by=None,
        consent_given=yes(sensitive.sensitive_consent),
        child_assent=yes(sensitive.sensitive_assent),
        consent_ok=ok,
        consent_version=None,
        share_with_eef=None,
        contact_followup=None,
    )
    if health is not None and not ok:
        out.flag("health", "sensitive_data_without_consent")
    groups: dict[str, Any] = {"household": household, "health": health, "screening": screening}
    for path in MULTI:
        group, name = path.split("/")
        picked = getattr(groups[group], name) if groups[group] is not None else ()
        if "NONE" in picked and len(picked) > 1:
            out.flag(path, "none_with_other_choices", " ".join(picked))
        out.choices(path, picked)
    status = SCREEN_STATUS.get(screening.screen_result or "")
    if status is not None:
        _status_event(out, form, entity, visit, status, None)
    return out


def _status_event(out: Output, form: HomeVisit, entity: str | None, visit: Visit, status: int,
                  close_reason: str | None) -> None:
    """The status the visit proposes, on the visit's date (the engine takes its sender as `by`)."""
    out.add(
        StatusEvent,
        entity_id=entity,
        plan_id=None,
        event_date=visit.visit_date,
        seen_status=seen_status(form),
        proposed_status=status,
        close_reason=close_reason,
    )
