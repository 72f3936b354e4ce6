"""What every form's normaliser shares: pydantic field types, problems with Thai messages, output rows."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Annotated, Any, get_args

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, ValidationError
from pydantic_core import PydanticCustomError
from sqlmodel import SQLModel

from warehouse.cleaning import clean_date, scan_free_text, split_select_multiple
from warehouse.normalised import DataQualityFlag, SelectChoice, TextDate

# Raised whenever a normaliser's output for the same raw version changes: replay re-runs older ones.
NORMALISER_VERSION = "2026113002"

FORM_TITLES_TH = {
    "child_registration": "แบบลงทะเบียนและค้นหาเด็กนอกระบบการศึกษา",
    "home_visit": "แบบเยี่ยมบ้านและคัดกรอง",
    "assistance_plan": "แผนการช่วยเหลือเด็กรายบุคคล",
    "plan_followup": "แบบติดตามและนิเทศ",
}
MAX_TEXT = 1000  # the forms cap free text at 300–500 characters; far beyond that is not an answer
MAX_NAME = 200
MAX_INT = 2_000_000_000  # every integer answer fits a 32-bit column; the forms' own bounds are far lower
# C0/C1 control characters other than tab and line breaks: never typed on a phone.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Lone surrogates, and U+FFFD, which the client puts in their place: text that was not valid Unicode.
_SURROGATE = re.compile("[\ud800-\udfff\ufffd]")
_MARKUP = re.compile(r"<\s*/?\s*[A-Za-z!][^>]*>")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Form(BaseModel):
    """Base of every form's pydantic model: unknown fields kept (and flagged), values stripped."""

    model_config = ConfigDict(extra="allow", frozen=True)


# --- field types -------------------------------------------------------------------------------


def _text(limit: int) -> Any:
    def check(value: str | None) -> str | None:
        if not value:
            return None
        if _CONTROL.search(value):
            raise PydanticCustomError("control_characters", "control characters in text")
        if _SURROGATE.search(value):
            raise PydanticCustomError("invalid_unicode", "not valid UTF-8 text")
        if _MARKUP.search(value):
            raise PydanticCustomError("markup", "markup in text")
        if len(value) > limit:
            raise PydanticCustomError(
                "too_long", "{length} characters, at most {limit}", {"length": len(value), "limit": limit}
            )
        return value

    return check


Text = Annotated[str | None, AfterValidator(_text(MAX_TEXT))]
Name = Annotated[str | None, AfterValidator(_text(MAX_NAME))]


def _odk_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise PydanticCustomError("bad_date", "not a yyyy-mm-dd date")
    try:  # ODK dates are ISO and Gregorian already (DOMAIN §2.5): no era to guess here
        return date.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("bad_date", "not a real date") from None


OdkDate = Annotated[date | None, BeforeValidator(_odk_date)]


def _odk_int(value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise PydanticCustomError("wrong_type", "not a whole number")
    if isinstance(value, str) and not re.fullmatch(r"-?\d{1,18}", value.strip()):
        raise PydanticCustomError("wrong_type", "not a whole number")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise PydanticCustomError("wrong_type", "not a whole number") from None
    if abs(number) > MAX_INT:
        raise PydanticCustomError("out_of_range", "{limit}", {"limit": MAX_INT})
    return number


OdkInt = Annotated[int | None, BeforeValidator(_odk_int)]


def _odk_decimal(value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise PydanticCustomError("wrong_type", "not a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise PydanticCustomError("wrong_type", "not a number") from None
    if not math.isfinite(number) or abs(number) > 1e12:
        raise PydanticCustomError("out_of_range", "{limit}", {"limit": "1e12"})
    return number


OdkDecimal = Annotated[float | None, BeforeValidator(_odk_decimal)]


def one_of(*names: str) -> BeforeValidator:
    """Validator of a select_one answer from this list (None when absent or blank):
    `sex: Annotated[str | None, one_of("M", "F", "X")] = None`."""
    allowed = frozenset(names)

    def check(value: Any) -> str | None:
        if value is None or value == "":
            return None
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise PydanticCustomError("wrong_type", "not a choice name")
        if str(value) not in allowed:
            raise PydanticCustomError("unknown_choice", "{allowed}", {"allowed": " ".join(names)})
        return str(value)

    return BeforeValidator(check)


def any_of(*names: str) -> BeforeValidator:
    """Validator of a select_multiple answer: choice names in the order chosen (() when none)."""
    allowed = frozenset(names)

    def check(value: Any) -> tuple[str, ...]:
        if value is None or value == "":
            return ()
        if not isinstance(value, str):
            raise PydanticCustomError("wrong_type", "not a space-separated list of choices")
        picked = split_select_multiple(value)
        unknown = [p for p in picked if p not in allowed]
        if unknown:
            raise PydanticCustomError("unknown_choice", "{allowed}", {"allowed": " ".join(names)})
        return picked

    return BeforeValidator(check)


YES_NO = ("1", "0")
YES_NO_UNKNOWN = ("1", "0", "9")
PLAN_STATUS = ("10", "20", "25", "30", "40", "50", "55", "60", "70", "80", "90", "99")


def yes(value: str | None) -> bool | None:
    return None if value is None else value == "1"


def status_code(value: str | None) -> int | None:
    return None if value is None else int(value)


# --- shared groups -----------------------------------------------------------------------------


class Lao(Form):
    lao_province: Text = None
    lao_district: Text = None
    lao_code: Text = None


class Meta(Form):
    instanceID: Text = None
    instanceName: Text = None
    deprecatedID: Text = None
    entity: dict[str, Any] | None = None  # the entity a registration creates (attributes in XML)


class Header(Form):
    """Collect's metadata, the LAO and the instance id, at the top of every form."""

    start: Text = None
    end: Text = None
    today: OdkDate = None
    deviceid: Text = None
    username: Text = None
    enumerator_id: Text = None
    lao: Lao | None = None
    meta: Meta | None = None


# --- problems and quarantine -------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """Why a submission cannot be normalised: one field, what was found and what was expected."""

    code: str
    field: str | None = None
    found: str | None = None
    expected: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "field": self.field, "found": self.found, "expected": self.expected}


class Quarantined(Exception):
    """The submission goes to quarantine for these problems (the first is its reason)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(p.code for p in problems))
        self.problems = list(problems)


_WHAT_TH = {
    "missing_required": "ไม่มีคำตอบในช่องที่ต้องกรอก",
    "wrong_type": "ชนิดข้อมูลไม่ถูกต้อง",
    "unknown_choice": "ตัวเลือกที่ไม่มีในแบบฟอร์ม",
    "bad_date": "วันที่อ่านไม่ได้หรือไม่มีอยู่จริง",
    "too_long": "ข้อความยาวเกินกว่าที่แบบฟอร์มรับได้",
    "control_characters": "มีอักขระควบคุมที่มองไม่เห็นปนอยู่",
    "markup": "มีโค้ด/แท็ก HTML ปนอยู่ในข้อความ",
    "broken_repeat": "กลุ่มคำถามซ้ำมีโครงสร้างผิด",
    "broken_group": "กลุ่มคำถามมีโครงสร้างผิด",
    "unknown_form_version": "รุ่นของแบบฟอร์มที่ระบบยังไม่รู้จัก",
    "no_normaliser": "แบบฟอร์มที่ระบบไม่มีตัวแปลงข้อมูล",
    "not_a_submission": "ข้อมูลที่ส่งมาไม่ใช่รายการแบบฟอร์ม",
    "missing_instance_id": "ไม่มีรหัสรายการ (meta/instanceID)",
    "inconsistent": "คำตอบขัดแย้งกันเอง",
    "out_of_range": "ตัวเลขใหญ่เกินกว่าที่เป็นไปได้",
    "write_error": "บันทึกลงฐานข้อมูลไม่ได้",
    "normaliser_error": "ตัวแปลงข้อมูลทำงานผิดพลาด",
    "consent_age_rule": "การให้ความยินยอมไม่เป็นไปตามเกณฑ์อายุ (พ.ร.บ.คุ้มครองข้อมูลส่วนบุคคล มาตรา 20)",
    "too_large": "รายการนี้มีขนาดใหญ่เกินกว่าที่ระบบรับได้ จึงไม่ได้อ่านคำตอบ (ข้อมูลดิบยังเก็บไว้ครบ)",
    "invalid_unicode": "ข้อความมีอักขระที่เข้ารหัสผิด (ไม่ใช่ UTF-8 ที่ถูกต้อง)",
}
_EXPECTED_TH = {
    "missing_required": "ต้องมีคำตอบ",
    "wrong_type": "ต้องเป็น{expected}",
    "unknown_choice": "ต้องเป็นหนึ่งในตัวเลือก: {expected}",
    "bad_date": "ต้องเป็นวันที่จริงในรูปแบบ ปปปป-ดด-วว (ปี ค.ศ.)",
    "too_long": "ต้องยาวไม่เกิน {expected} ตัวอักษร",
    "control_characters": "ต้องเป็นข้อความธรรมดา",
    "markup": "ต้องเป็นข้อความธรรมดา ไม่มีแท็ก < >",
    "broken_repeat": "ต้องเป็นรายการของกลุ่มคำตอบ",
    "broken_group": "ต้องเป็นกลุ่มคำตอบ",
    "unknown_form_version": "รุ่นที่รู้จัก: {expected}",
    "no_normaliser": "แบบฟอร์มของโครงการ: {expected}",
    "inconsistent": "{expected}",
    "out_of_range": "ต้องไม่เกิน {expected}",
    "consent_age_rule": "{expected}",
    "too_large": "ต้องไม่เกิน {expected} (ตั้งค่าได้ที่ ODKSYNC_MAX_SUBMISSION_BYTES)",
    "invalid_unicode": "ต้องเป็นข้อความ UTF-8 ที่ถูกต้อง",
}
_DO_TH = {
    "unknown_form_version": "ผู้ดูแลระบบต้องเพิ่มรุ่นนี้ในตัวแปลงข้อมูลของ odksync แล้วสั่ง odksync normalise --replay",
    "no_normaliser": "ตรวจว่าแบบฟอร์มนี้เป็นของโครงการหรือไม่ ถ้าใช่ ผู้ดูแลระบบต้องเพิ่มตัวแปลงข้อมูล "
    "แล้วสั่ง odksync normalise --replay",
    "normaliser_error": "แจ้งผู้ดูแลระบบพร้อมรหัสรายการนี้ เมื่อแก้แล้วสั่ง odksync normalise --replay",
    "write_error": "แจ้งผู้ดูแลระบบพร้อมรหัสรายการนี้ เมื่อแก้แล้วสั่ง odksync normalise --replay",
}
_DO_DEFAULT_TH = (
    "แก้ไขรายการนี้ใน ODK Central (แก้ไขข้อมูลที่ส่ง) หรือให้ผู้สำรวจส่งใหม่ แล้วสั่ง odksync sync และ odksync normalise"
)
_TYPES_TH = {"int": "จำนวนเต็ม", "decimal": "ตัวเลข", "string": "ข้อความ", "object": "กลุ่มคำตอบ"}


def message_th(problem: Problem, *, form_id: str, submission_id: str) -> str:
    """The sentence a data manager reads: form, record, field, what was found, expected, what to do."""
    title = FORM_TITLES_TH.get(form_id, form_id)
    what = _WHAT_TH.get(problem.code, problem.code)
    parts = [f"แบบฟอร์ม “{title}” ({form_id}) รายการ {submission_id}"]
    if problem.field:
        parts.append(f"ช่อง {problem.field}: {what}")
    else:
        parts.append(what)
    if problem.found is not None:
        parts.append(f"พบค่า {problem.found}")
    expected = _EXPECTED_TH.get(problem.code)
    if expected:
        shown = _TYPES_TH.get(problem.expected or "", problem.expected or "")
        parts.append(expected.format(expected=shown))
    parts.append("วิธีแก้: " + _DO_TH.get(problem.code, _DO_DEFAULT_TH))
    return " · ".join(parts)


def short(value: Any, limit: int = 80) -> str:
    """A value as a data manager should see it in a message: repr-like, shortened, printable."""
    text = value if isinstance(value, str) else repr(value)
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    text = _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


_PYDANTIC_CODES = {
    "missing": "missing_required",
    "literal_error": "unknown_choice",
    "int_parsing": "wrong_type",
    "int_type": "wrong_type",
    "int_from_float": "wrong_type",
    "string_type": "wrong_type",
    "float_parsing": "wrong_type",
    "float_type": "wrong_type",
    "bool_type": "wrong_type",
    "bool_parsing": "wrong_type",
    "model_type": "broken_group",
    "model_attributes_type": "broken_group",
    "dict_type": "broken_group",
    "list_type": "broken_repeat",
    "tuple_type": "broken_repeat",
}


def problems_from(error: ValidationError, *, repeats: Iterable[str] = ()) -> list[Problem]:
    """pydantic's errors as problems a data manager can act on."""
    repeat_names = set(repeats)
    out = []
    for e in error.errors(include_url=False):
        loc = [str(p) for p in e["loc"]]
        path = "/".join(p if not p.isdigit() else f"[{int(p) + 1}]" for p in loc).replace("/[", "[")
        code = _PYDANTIC_CODES.get(e["type"], e["type"])
        if code == "broken_group" and loc and loc[-1] in repeat_names:
            code = "broken_repeat"
        expected: str | None = None
        ctx = e.get("ctx") or {}
        if code == "unknown_choice":
            expected = str(ctx.get("allowed") or ctx.get("expected") or "")
        elif code in ("too_long", "out_of_range"):
            expected = str(ctx.get("limit"))
        elif code == "wrong_type":
            expected = {"int": "int", "float": "decimal", "string": "string"}.get(
                e["type"].split("_")[0], e["type"].split("_")[0]
            )
        found = None if code == "missing_required" else short(e.get("input"))
        out.append(Problem(code=code, field=path or None, found=found, expected=expected))
    return out


def validate(model: type[BaseModel], data: Mapping[str, Any], *, repeats: Iterable[str] = ()) -> Any:
    """The form's data as its pydantic model, or quarantine with every problem found."""
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise Quarantined(problems_from(e, repeats=repeats)) from None


# --- output ------------------------------------------------------------------------------------


@dataclass
class Output:
    """The rows one submission normalises to, by table, without the source columns."""

    rows: dict[type[SQLModel], list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, table: type[SQLModel], **values: Any) -> None:
        self.rows.setdefault(table, []).append(values)

    def flag(self, path: str, code: str, value: Any = None) -> None:
        self.add(DataQualityFlag, field=path, code=code, value=None if value is None else short(value, 200))

    def choices(self, path: str, picked: Sequence[str], *, position: int = 0) -> None:
        for ordinal, name in enumerate(picked, start=1):
            self.add(SelectChoice, field=path, position=position, ordinal=ordinal, choice=name)

    def free_text(self, path: str, text: str | None, *, position: int = 0) -> int:
        """Scan free text: personal numbers flagged (PDPA), dates kept as read; findings count."""
        if not text:
            return 0
        findings = scan_free_text(text)
        for finding in findings:
            self.flag(path, f"{finding.kind}_in_free_text")
        for written in dates_in_text(text):
            cleaned = clean_date(written)
            self.add(
                TextDate,
                field=path,
                position=position,
                as_entered=written,
                value=cleaned.value,
                flags=list(cleaned.flags),
            )
        return len(findings)

    def count(self) -> int:
        return sum(len(v) for v in self.rows.values())

    def flags(self) -> int:
        return len(self.rows.get(DataQualityFlag, ()))


THAI_MONTHS = (
    "ม.ค.",
    "ก.พ.",
    "มี.ค.",
    "เม.ย.",
    "พ.ค.",
    "มิ.ย.",
    "ก.ค.",
    "ส.ค.",
    "ก.ย.",
    "ต.ค.",
    "พ.ย.",
    "ธ.ค.",
    "มกราคม",
    "กุมภาพันธ์",
    "มีนาคม",
    "เมษายน",
    "พฤษภาคม",
    "มิถุนายน",
    "กรกฎาคม",
    "สิงหาคม",
    "กันยายน",
    "ตุลาคม",
    "พฤศจิกายน",
    "ธันวาคม",
)
_MONTH_ALT = "|".join(re.escape(m) for m in sorted(THAI_MONTHS, key=len, reverse=True))
_DATES_IN_TEXT = re.compile(
    rf"(?<![0-9๐-๙])[0-9๐-๙]{{1,2}}\s*(?:{_MONTH_ALT})\s*[0-9๐-๙]{{2,4}}(?![0-9๐-๙])"
    r"|(?<![0-9๐-๙/])[0-9๐-๙]{1,2}/[0-9๐-๙]{1,2}/[0-9๐-๙]{2,4}(?![0-9๐-๙/])"
)


def dates_in_text(text: str) -> list[str]:
    """Every date written in free text (`15 พ.ค. 2568`, `3/7/69`), as written."""
    return [m.group() for m in _DATES_IN_TEXT.finditer(text)]


def unknown_fields(model: BaseModel, prefix: str = "") -> list[str]:
    """Paths of fields the form version does not have (kept in the raw layer, flagged here)."""
    out = [f"{prefix}{k}" for k in (model.model_extra or {})
           if not k.startswith("_") and "@odata" not in k and k != "formhub"]
    for name in _groups(type(model)):
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            out += unknown_fields(value, f"{prefix}{name}/")
        elif isinstance(value, tuple):
            for item in value:
                out += unknown_fields(item, f"{prefix}{name}/")
    return sorted(set(out)) if prefix == "" and out else out


@cache
def _groups(model: type[BaseModel]) -> tuple[str, ...]:
    """The fields of a form model that hold groups or repeats (walked for unknown fields)."""
    def holds_model(annotation: Any) -> bool:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return True
        return any(holds_model(a) for a in get_args(annotation))
    return tuple(name for name, info in model.model_fields.items() if holds_model(info.annotation))


def answered(group: BaseModel | None) -> bool:
    """Whether a group holds any answer (Central lists a group that was not relevant, all null)."""
    if group is None:
        return False
    return any(v not in (None, ()) for v in group.__dict__.values())


def require(problems: list[Problem], **present: Any) -> None:
    """Add a missing_required problem for every path whose value is None (`a__b` is `a/b`)."""
    for path, value in present.items():
        if value is None or value == ():
            problems.append(Problem(code="missing_required", field=path.replace("__", "/")))
