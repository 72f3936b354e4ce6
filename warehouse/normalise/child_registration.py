"""child_registration (DOMAIN §4.1) → child observation, identifiers, aliases, guardian, consent."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any

from warehouse.cleaning import (
    age_at,
    be_year_to_ce,
    check_dopa_code,
    check_lao_code,
    clean_date,
    clean_house_number,
    clean_name,
    clean_person_id,
    clean_phone,
)
from warehouse.cleaning.text import squeeze
from warehouse.normalise.common import (
    YES_NO,
    Form,
    Header,
    Name,
    OdkDate,
    OdkInt,
    Output,
    Problem,
    Quarantined,
    Text,
    any_of,
    one_of,
    require,
    unknown_fields,
    validate,
    yes,
)
from warehouse.normalised import (
    ChildAlias,
    ChildIdentifier,
    ChildObservation,
    ConsentRecord,
    Guardian,
    StatusEvent,
)
from warehouse.normalised import Education as EducationRow
from warehouse.privacy.consent import age_rule_problems

FORM_ID = "child_registration"
# 01 and 02 differ in wording only; 03 adds the `case` group that creates the children entity.
VERSIONS = ("2026113001", "2026113002", "2026113003")
RELATIONSHIP = (
    "FATHER",
    "MOTHER",
    "LEGAL_GUARDIAN",
    "GRANDPARENT",
    "SIBLING",
    "RELATIVE",
    "FOSTER",
    "INSTITUTION",
    "SELF",
    "OTHER",
)
TITLES_TH = {"MSTR": "ด.ช.", "MISS_C": "ด.ญ.", "MR": "นาย", "MS": "นางสาว", "MRS": "นาง"}
MAX_AGE = 25  # the programme's children and youth are 0–25 (the form's own bound)


NATIONALITY = ("TH", "MM", "LA", "KH", "OTHER", "STATELESS", "PENDING")
LIVES_WITH = ("BOTH_PARENTS", "ONE_PARENT", "GRANDPARENTS", "RELATIVES", "ALONE", "INSTITUTION", "OTHER")
EDU_LEVEL = (
    "NONE",
    "KG",
    "P1",
    "P2",
    "P3",
    "P4",
    "P5",
    "P6",
    "M1",
    "M2",
    "M3",
    "M4",
    "M5",
    "M6",
    "VOC1",
    "VOC2",
    "NFE_P",
    "NFE_LS",
    "NFE_US",
    "OTHER",
)
LEAVE_REASON = (
    "POVERTY",
    "FAMILY",
    "PUSHED_OUT",
    "NO_WELFARE",
    "HEALTH",
    "JUSTICE",
    "WORK",
    "TRAVEL",
    "DISABILITY",
    "MIGRATION",
    "ADJUST",
    "DISASTER",
    "COVID",
    "AGE",
    "PREGNANCY_MARRIAGE",
    "NO_DOCS",
    "OTHER",
)
YesNo = Annotated[str | None, one_of(*YES_NO)]


class Consent(Form):
    consent_notice: Text = None
    consent_age: OdkInt = None
    consent_by: Annotated[str | None, one_of(*RELATIONSHIP)] = None
    consent_given: YesNo = None
    child_assent: YesNo = None
    consent_ok: YesNo = None
    consent_scope: Annotated[tuple[str, ...], any_of("SHARE_EEF", "CONTACT_FOLLOWUP")] = ()
    consent_version: Text = None
    consent_refused: Text = None


class Child(Form):
    id_scheme: Annotated[str | None, one_of("TH_PID", "NONTHAI_PID", "GCODE", "NONE", "UNKNOWN")] = None
    national_id: Text = None
    id_check_ok: Text = None
    id_confirm: YesNo = None
    g_code: Text = None
    sex: Annotated[str | None, one_of("M", "F", "X")] = None
    birth_date_precision: Annotated[str | None, one_of("DAY", "MONTH", "YEAR", "EST")] = None
    birth_date: OdkDate = None
    age_estimate: OdkInt = None
    age_years: OdkInt = None
    prefix: Annotated[str | None, one_of("MSTR", "MISS_C", "MR", "MS", "MRS", "OTHER")] = None
    first_name: Name = None
    last_name: Name = None
    nickname: Name = None
    former_names: Name = None
    nationality_status: Annotated[str | None, one_of(*NATIONALITY)] = None


class Address(Form):
    house_no: Name = None
    moo: OdkInt = None
    village_name: Name = None
    province_code: Text = None
    district_code: Text = None
    subdistrict_code: Text = None
    geopoint: dict[str, Any] | str | None = None
    residence_status: Annotated[str | None, one_of("PRESENT", "MOVED", "NOTFOUND", "DECEASED")] = None


class GuardianGroup(Form):
    guardian_relationship: Annotated[str | None, one_of(*RELATIONSHIP)] = None
    guardian_name: Name = None
    guardian_phone: Text = None
    lives_with: Annotated[str | None, one_of(*LIVES_WITH)] = None


class Education(Form):
    ever_enrolled: YesNo = None
    oos_category: Annotated[str | None, one_of("NEVER", "DROPOUT", "NOTCONT", "ATRISK", "NEET")] = None
    highest_level: Annotated[str | None, one_of(*EDU_LEVEL)] = None
    last_school: Text = None
    year_left_be: OdkInt = None
    leave_reasons: Annotated[tuple[str, ...], any_of(*LEAVE_REASON)] = ()
    urgent_flag: YesNo = None


class CaseGroup(Form):
    """Version 03 only: the entity's properties (the warehouse trusts its own data over these)."""

    child_id: Text = None
    full_name: Text = None
    village: Text = None
    birth_year: Text = None
    registered_on: Text = None
    plan_status: Text = None
    next_followup_due: Text = None
    sensitive_consent: Text = None
    plan_id: Text = None
    plan_version: Text = None
    plan_date: Text = None
    plan_interventions: Text = None
    merged_into: Text = None
    list_label: Text = None
    list_preview: Text = None


class Registration(Header):
    phonenumber: Text = None
    consent: Consent | None = None
    child: Child | None = None
    address: Address | None = None
    guardian: GuardianGroup | None = None
    education: Education | None = None
    case: CaseGroup | None = None
    instance_label: Text = None


def normalise(data: Mapping[str, Any], *, form_version: str | None) -> Output:
    """The rows of one registration; Quarantined when it cannot be read as the form says."""
    form: Registration = validate(Registration, data)
    problems: list[Problem] = []
    consent = form.consent or Consent()
    require(
        problems,
        lao__lao_code=form.lao and form.lao.lao_code,
        today=form.today,
        consent__consent_age=consent.consent_age,
        consent__consent_by=consent.consent_by,
        consent__consent_given=consent.consent_given,
    )
    problems += [Problem("consent_age_rule", field=b.field, found=b.found, expected=b.expected)
                 for b in age_rule_problems(consent.consent_age, consent.consent_by, consent.consent_given,
                                            consent.child_assent, consent.consent_ok)]
    consented = (
        consent.consent_ok == "1"
        if consent.consent_ok
        else (consent.consent_given == "1" and (consent.child_assent != "0"))
    )
    child, address, guardian = form.child, form.address, form.guardian
    if consented:
        if child is None or address is None or guardian is None or form.education is None:
            missing = [
                g
                for g, v in (
                    ("child", child),
                    ("address", address),
                    ("guardian", guardian),
                    ("education", form.education),
                )
                if v is None
            ]
            problems.append(
                Problem(
                    "inconsistent",
                    field=", ".join(missing),
                    found="ไม่มีกลุ่มคำตอบ",
                    expected="consent_ok = 1 จึงต้องมีข้อมูลเด็ก ที่อยู่ ผู้ปกครอง และการศึกษา",
                )
            )
        else:
            _require_consented(problems, child, address, guardian, form.education)
    if problems:
        raise Quarantined(problems)
    out = Output()
    today = form.today
    assert today is not None
    for path in unknown_fields(form):
        out.flag(path, "unknown_field")
    _consent(out, form, consent, consented)
    if not consented or child is None or address is None or guardian is None or form.education is None:
        return out  # a refusal: counted, nothing personal kept
    _child(out, form, child, address, guardian, consent)
    _education(out, form.education, today)
    return out


def _require_consented(
    problems: list[Problem], child: Child, address: Address, guardian: GuardianGroup, education: Education
) -> None:
    require(
        problems,
        child__id_scheme=child.id_scheme,
        child__sex=child.sex,
        child__birth_date_precision=child.birth_date_precision,
        child__prefix=child.prefix,
        child__first_name=child.first_name,
        child__last_name=child.last_name,
        child__nationality_status=child.nationality_status,
        address__province_code=address.province_code,
        address__district_code=address.district_code,
        address__subdistrict_code=address.subdistrict_code,
        address__residence_status=address.residence_status,
        guardian__guardian_relationship=guardian.guardian_relationship,
        guardian__lives_with=guardian.lives_with,
        education__ever_enrolled=education.ever_enrolled,
        education__oos_category=education.oos_category,
        education__urgent_flag=education.urgent_flag,
    )
    if child.id_scheme in ("TH_PID", "NONTHAI_PID"):
        require(problems, child__national_id=child.national_id)
    if child.id_scheme == "GCODE":
        require(problems, child__g_code=child.g_code)
    if child.birth_date_precision not in (None, "EST"):
        require(problems, child__birth_date=child.birth_date)
    if guardian.guardian_relationship not in (None, "SELF"):
        require(problems, guardian__guardian_name=guardian.guardian_name)


def _consent(out: Output, form: Registration, consent: Consent, consented: bool) -> None:
    out.add(
        ConsentRecord,
        kind="registration",
        consented_on=form.today,
        entity_id=None,
        age_told=consent.consent_age,
        given_by=consent.consent_by,
        consent_given=yes(consent.consent_given),
        child_assent=yes(consent.child_assent),
        consent_ok=consented,
        consent_version=consent.consent_version,
        share_with_eef="SHARE_EEF" in consent.consent_scope if consented else None,
        contact_followup="CONTACT_FOLLOWUP" in consent.consent_scope if consented else None,
    )
    out.choices("consent/consent_scope", consent.consent_scope)
    if consented:
        out.add(
            StatusEvent,
            entity_id=None,
            plan_id=None,
            event_date=form.today,
            seen_status=None,
            proposed_status=10,
            close_reason=None,
        )


def _child(
    out: Output, form: Registration, child: Child, address: Address, guardian: GuardianGroup, consent: Consent
) -> None:
    today = form.today
    assert today is not None  # required above
    lao = check_lao_code(form.lao.lao_code if form.lao else None)
    if not lao.known:
        out.flag("lao/lao_code", "lao_code_unknown", lao.as_entered)
    national = clean_person_id(child.national_id) if child.national_id else None
    gcode = clean_person_id(child.g_code) if child.g_code else None
    for path, found, scheme in (("child/national_id", national, "TH_PID"), ("child/g_code", gcode, "GCODE")):
        if found is None:
            continue
        out.add(
            ChildIdentifier,
            scheme=scheme,
            as_entered=found.as_entered,
            value=found.digits,
            valid=found.valid,
            id_kind=found.series,
            flags=list(found.flags),
        )
        for code in found.flags:
            out.flag(path, f"id_{code}", found.as_entered)
        if not found.valid and not found.flags:
            out.flag(path, "id_invalid", found.as_entered)
    # Digits 2–3 are where the ID was registered: usually the child's province. A slip in digit 3
    # passes the check digit and shows only here.
    if (
        national
        and national.digits
        and len(national.digits) == 13
        and national.digits[0] != "0"
        and national.digits[1:3] not in {address.province_code, form.lao and form.lao.lao_province}
    ):
        out.flag("child/national_id", "id_province_differs_from_address", national.as_entered)
    name = clean_name(child.first_name, child.last_name, title=child.prefix, nickname=child.nickname)
    for code in name.flags:
        out.flag("child/first_name", f"name_{code}", name.as_entered)
    if name.sex_hint and child.sex in ("M", "F") and name.sex_hint != child.sex:
        out.flag("child/prefix", "title_disagrees_with_sex", child.prefix)
    if child.nickname and child.first_name and child.nickname.strip() == child.first_name.strip():
        out.flag("child/first_name", "first_name_is_nickname", child.first_name)
    birth = child.birth_date
    age = (
        age_at(birth, today)
        if birth
        else child.age_estimate
        if child.age_estimate is not None
        else consent.consent_age
    )
    if birth is not None:
        cleaned = clean_date(birth)
        for code in cleaned.flags:
            out.flag("child/birth_date", f"birth_date_{code}", birth.isoformat())
        if birth > today:
            out.flag("child/birth_date", "birth_date_in_future", birth.isoformat())
        elif age is not None and age > MAX_AGE:
            out.flag("child/birth_date", "age_over_25", birth.isoformat())
        if age is not None and consent.consent_age is not None and abs(age - consent.consent_age) > 1:
            out.flag("child/birth_date", "age_disagrees_with_consent_age", birth.isoformat())
    if child.prefix in ("MSTR", "MISS_C") and age is not None and age >= 15:
        out.flag("child/prefix", "child_title_at_15_or_over", child.prefix)
    phone = clean_phone(guardian.guardian_phone)
    if phone.as_entered and not phone.valid:
        out.flag("guardian/guardian_phone", "phone_invalid", phone.as_entered)
    house = clean_house_number(address.house_no)
    lat, lon = _coordinates(address.geopoint)
    for path, area in (
        ("address/province_code", address.province_code),
        ("address/district_code", address.district_code),
        ("address/subdistrict_code", address.subdistrict_code),
    ):
        checked = check_dopa_code(area)
        if checked.as_entered and not checked.known and "format" not in checked.flags:
            out.flag(path, "dopa_code_unknown", checked.as_entered)
    out.add(
        ChildObservation,
        observed_on=today,
        lao_code=lao.code,
        enumerator_id=form.enumerator_id or form.username,
        entity_id=None,
        id_scheme=child.id_scheme,
        national_id_as_entered=child.national_id,
        national_id=national.digits if national else None,
        national_id_valid=national.valid if national else None,
        g_code_as_entered=child.g_code,
        g_code=gcode.digits if gcode else None,
        prefix=child.prefix,
        title=TITLES_TH.get(name.title or "", name.title) or TITLES_TH.get(child.prefix or ""),
        name_as_entered=" ".join(x for x in (child.first_name, child.last_name) if x),
        first_name_as_entered=child.first_name,
        first_name=name.first,
        last_name_as_entered=child.last_name,
        last_name=name.last,
        nickname_as_entered=child.nickname,
        nickname=name.nickname,
        former_names_as_entered=child.former_names,
        sex=child.sex,
        birth_date_as_entered=birth.isoformat() if birth else None,
        birth_date=birth,
        birth_date_precision=child.birth_date_precision,
        birth_year=birth.year if birth else (today.year - age if age is not None else None),
        age_years=age,
        nationality_status=child.nationality_status,
        house_no_as_entered=address.house_no,
        house_no=house,
        moo=address.moo,
        village_name_as_entered=address.village_name,
        village_name=squeeze(address.village_name) if address.village_name else None,
        province_code=address.province_code,
        district_code=address.district_code,
        subdistrict_code=address.subdistrict_code,
        latitude=lat,
        longitude=lon,
        residence_status=address.residence_status,
        guardian_phone=phone.national,
    )
    if name.nickname:
        out.add(ChildAlias, kind="nickname", as_entered=child.nickname or name.nickname, value=name.nickname)
    if child.former_names:
        former = clean_name(child.former_names, None)
        out.add(
            ChildAlias,
            kind="former_name",
            as_entered=child.former_names,
            value=former.first or child.former_names,
        )
    gname = _split_guardian(guardian.guardian_name)
    out.add(
        Guardian,
        relationship=guardian.guardian_relationship,
        name_as_entered=guardian.guardian_name,
        title=gname.title,
        first_name=gname.first,
        last_name=gname.last,
        phone_as_entered=phone.as_entered,
        phone=phone.national,
        phone_valid=phone.valid if phone.as_entered else None,
        lives_with=guardian.lives_with,
    )


def _split_guardian(full: str | None) -> Any:
    """The guardian's name is one text field: the family name is the last word."""
    if not full:
        return clean_name(None, None)
    words = full.split()
    if len(words) == 1:
        return clean_name(words[0], None)
    return clean_name(" ".join(words[:-1]), words[-1])


def _education(out: Output, education: Education, today: date) -> None:
    out.choices("education/leave_reasons", education.leave_reasons)
    year = be_year_to_ce(education.year_left_be)
    if education.year_left_be is not None:
        for code in year.flags:
            if code != "buddhist_era":  # the form asks the Buddhist-Era year: anything else is a slip
                out.flag("education/year_left_be", f"year_left_be_{code}", education.year_left_be)
        if year.value is not None and not 1997 <= year.value <= today.year:  # 2540 BE to this year
            out.flag("education/year_left_be", "year_left_be_out_of_range", education.year_left_be)
    out.add(EducationRow, ever_enrolled=yes(education.ever_enrolled), oos_category=education.oos_category,
            highest_level=education.highest_level, last_school=education.last_school,
            year_left_as_entered=year.as_entered, year_left=year.value, urgent=yes(education.urgent_flag))


def _coordinates(geopoint: dict[str, Any] | str | None) -> tuple[float | None, float | None]:
    """(latitude, longitude) from Central's GeoJSON point or Collect's `lat lon alt acc` text."""
    try:
        if isinstance(geopoint, dict):
            lon, lat = geopoint["coordinates"][:2]
            return float(lat), float(lon)
        if isinstance(geopoint, str) and geopoint.strip():
            lat_text, lon_text = geopoint.split()[:2]
            return float(lat_text), float(lon_text)
    except (KeyError, TypeError, ValueError, IndexError):
        pass
    return None, None
