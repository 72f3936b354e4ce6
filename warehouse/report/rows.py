"""The report's rows (REPORT_FORMAT.md "Rows"): which children, what each column says, in what order.

A child is in the report when it has any form on or before the period's last day and its case was not
closed before the period began. Its status is the latest in its status history on or before the
period end (not today's status). A child whose consent was withdrawn (99) or who was erased is never a
row; the summary counts them. A child the rules include whose row cannot be made — no LAO, an LAO not
in the DLA list, no status, two different valid national IDs — becomes an exception with a Thai reason.
Then the disclosure basis (config.Disclosure, PDPA s.27): on basis consent a child whose latest consent
does not give `share_with_eef` is an exception (`no_consent`), counted on its own in the summary; on an
agreement's basis such a child is a pseudonymised row (warehouse.privacy.consent.may_share decides, as
for the partner exports). The national ID is masked unless the configuration names a basis for the
full number.

Rows come out ordered by (lao_code, child_key). child_key is a keyed hash, so the order is only known
after every row is made: rows are sorted in chunks that spill to temporary files and are merged back,
so memory stays flat in the number of children.
"""

from __future__ import annotations

import heapq
import operator
import pickle
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError
from sqlmodel import Session

from warehouse.cleaning.codes import laos
from warehouse.plan_status import lifecycle
from warehouse.plan_status.engine import FOLLOWUP_INTERVAL, thai_date
from warehouse.privacy.consent import FUND, Basis, ShareForm, consent_from_rows, may_share
from warehouse.privacy.minimise import mask_national_id
from warehouse.privacy.pseudonym import check_secret, child_key
from warehouse.privacy.tombstone import erased_child_ids
from warehouse.report.config import Disclosure, load_config
from warehouse.report.model import PSEUDONYMISED_KEYS, ReportException, ReportRow
from warehouse.report.period import Period
from warehouse.report.sources import ChildSources, iter_children

FIELDS: tuple[str, ...] = tuple(ReportRow.model_fields)
_ROW_VALUES = operator.attrgetter(*FIELDS)  # a ReportRow's values, as a tuple in FIELDS order
_ORDER = operator.itemgetter(FIELDS.index("lao_code"), FIELDS.index("child_key"))  # the report's order
CHUNK_ROWS = 25_000  # rows sorted in memory before spilling (~30 MB); 1M rows make 40 files to merge
SPILL_BLOCK = 1000  # rows per pickle in a spilled chunk (read back a block at a time)
FORM_RANK = {"child_registration": 0, "home_visit": 1, "assistance_plan": 2, "plan_followup": 3}
REGISTRATION, VISIT_FORMS, FOLLOWUP = "child_registration", {"home_visit", "plan_followup"}, "plan_followup"
EEF_FUNDING = "EEF"
AGE_BANDS = ((2, "0-2"), (5, "3-5"), (11, "6-11"), (14, "12-14"), (17, "15-17"), (24, "18-24"))
LAO_TYPE_PREFIX = {
    "provincial_admin_org": "อบจ.", "city_municipality": "เทศบาลนคร", "town_municipality": "เทศบาลเมือง",
    "subdistrict_municipality": "เทศบาลตำบล", "subdistrict_admin_org": "อบต.", "special_admin_area": "",
}
WITHDRAWN, ERASED = "withdrawn", "erased"  # summary columns besides the status codes
NO_CONSENT = "no_consent"  # exception reason: no consent for the fund on basis consent
# What a pseudonymised row leaves empty: every column outside PSEUDONYMISED_KEYS, to its "not given" value.
_HIDDEN = {name: ("" if name in ("national_id_masked", "intervention_types") else None)
           for name in ReportRow.model_fields if name not in PSEUDONYMISED_KEYS}


@dataclass
class ReportSummary:
    """Counts for the summary sheet: per LAO, children per status (rows), plus withdrawn (99), erased
    and exceptions; LAO "" holds children whose LAO is unknown."""

    rows: Counter[tuple[str, int]] = field(default_factory=Counter)
    others: Counter[tuple[str, str]] = field(default_factory=Counter)  # (lao, withdrawn|erased)
    exceptions: Counter[str] = field(default_factory=Counter)
    no_consent: Counter[str] = field(default_factory=Counter)  # per LAO; in `exceptions` too
    pseudonymised: int = 0  # rows sent pseudonymised (an agreement's basis, no share consent)
    children_seen: int = 0  # with any form, status or plan on or before the period end
    closed_before: int = 0  # left out: closed before the period began

    @property
    def row_count(self) -> int:
        return sum(self.rows.values())

    @property
    def exception_count(self) -> int:
        return sum(self.exceptions.values())

    @property
    def no_consent_count(self) -> int:
        return sum(self.no_consent.values())

    def total(self, what: str) -> int:
        return sum(n for (_, kind), n in self.others.items() if kind == what)

    def by_status(self) -> dict[int, int]:
        out: Counter[int] = Counter()
        for (_, code), n in self.rows.items():
            out[code] += n
        return dict(sorted(out.items()))

    def laos(self) -> list[str]:
        return sorted({lao for lao, _ in self.rows} | {lao for lao, _ in self.others} | set(self.exceptions))


def lao_name(code: str) -> str | None:
    """`อบต.หนองไผ่`: the LAO's name with its type prefix, from the vendored DLA list."""
    row = laos().get(code)
    if row is None:
        return None
    return f"{LAO_TYPE_PREFIX.get(row['lao_type'], '')}{row['name_th']}"


def age_band(birth_date: date | None, birth_year: int | None, on: date) -> str:
    """The age band on `on` from the birth date (or only its year); `unknown` without either."""
    if birth_date is not None:
        age = on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
    elif birth_year is not None:
        age = on.year - birth_year
    else:
        return "unknown"
    if age < 0 or age > 120:
        return "unknown"
    return next((band for top, band in AGE_BANDS if age <= top), "25+")


def _form_order(row: Any) -> tuple[date, int, str]:
    return (row.observed_on, FORM_RANK.get(row.form_id, 9), row.submission_id)


def _latest(rows: list[Any], attribute: str) -> Any:
    for row in reversed(rows):
        value = getattr(row, attribute)
        if value not in (None, ""):
            return row
    return None


class _Built:
    """What one child comes to: a row, an exception, a count only, or nothing."""

    __slots__ = ("count", "exception", "lao", "pseudonymised", "row")

    def __init__(self, row: ReportRow | None = None, exception: ReportException | None = None,
                 count: str | None = None, lao: str = "", pseudonymised: bool = False) -> None:
        self.row, self.exception, self.count, self.lao = row, exception, count, lao
        self.pseudonymised = pseudonymised


def build_child(sources: ChildSources, period: Period, secret: bytes, erased: set[str], *,
                key_purpose: str = "child", disclosure: Disclosure | None = None) -> _Built | None:
    """One child's row for the period, or why there is none (None: the rules leave it out).

    `disclosure` is the fund's basis (the report's configuration); None leaves consent to the caller
    (the partner exports apply each agency's own) and always masks the national ID."""
    forms = sorted(sources.forms, key=_form_order)
    if not forms:
        return None  # no form on or before the period end: not in this period
    history = sorted(sources.history, key=lambda h: (h.at, h.seq))
    status = history[-1] if history else None
    lao_row = _latest(forms, "lao_code")
    lao = str(lao_row.lao_code) if lao_row is not None else ""
    key = child_key(sources.child_id, secret, purpose=key_purpose)
    if status is not None and lifecycle.is_closed(status.to_status) and status.at < period.first:
        return _Built(count="closed_before")
    if status is not None and status.to_status == lifecycle.CONSENT_WITHDRAWN:
        return _Built(count=WITHDRAWN, lao=lao)  # erased too, normally: counted once, as withdrawn
    if sources.child_id in erased:
        return _Built(count=ERASED, lao=lao)  # erased for another reason (a request, retention)

    def refuse(reason: str, message: str) -> _Built:
        return _Built(exception=ReportException(
            period=str(period), lao_code=lao, child_key=key, reason=reason,  # type: ignore[arg-type]
            plan_status_code=status.to_status if status is not None else None, message=message), lao=lao)

    last_form = forms[-1]
    if status is None:
        return refuse("no_status", (
            f"เด็กมีแบบฟอร์มล่าสุดวันที่ {thai_date(last_form.observed_on)} แต่ยังไม่มีสถานะแผนที่ใช้ได้ "
            f"ณ วันที่ {thai_date(period.last)} (ยังไม่มีแบบลงทะเบียน หรือสถานะที่เสนอถูกปฏิเสธ) "
            "กรุณาส่งแบบลงทะเบียนเด็ก หรือแก้ข้อยกเว้นสถานะแผนของเด็กคนนี้ แล้วออกรายงานใหม่"))
    if lao_row is None:
        return refuse("no_lao", (
            "ไม่ทราบ อปท. ที่รับผิดชอบเด็ก: ไม่มีแบบฟอร์มใดระบุรหัส อปท. "
            "กรุณาแก้แบบฟอร์มล่าสุดของเด็กให้มีรหัส อปท. 7 หลัก แล้วออกรายงานใหม่"))
    name = lao_name(lao)
    if name is None:
        return refuse("unknown_lao", (
            f"รหัส อปท. {lao} จากแบบฟอร์มวันที่ {thai_date(lao_row.observed_on)} ไม่มีในทะเบียน อปท. ของกรมส่งเสริมฯ "
            "กรุณาตรวจสอบและแก้รหัส อปท. ในแบบฟอร์มนั้น แล้วออกรายงานใหม่"))
    ids = sorted({f.national_id for f in forms if f.national_id and f.national_id_valid})
    if len(ids) > 1:
        return refuse("contradiction", (
            f"เด็กคนนี้มีเลขประจำตัวประชาชนที่ถูกต้องตามรูปแบบ {len(ids)} เลขที่ต่างกัน "
            f"(ลงท้าย {', '.join(i[-3:] for i in ids)}) จึงรายงานไม่ได้ว่าเป็นเด็กคนใด "
            "กรุณาตรวจสอบกับ อปท. แล้วแก้แบบลงทะเบียนที่ผิด หรือแยกเด็กในคิวตรวจสอบการจับคู่"))
    form = ShareForm.FULL
    if disclosure is not None:
        decision = may_share(consent_from_rows(sources.consents), FUND, disclosure.basis)
        form = decision.form
        if form is ShareForm.NONE:
            return refuse(NO_CONSENT, _no_consent_message(decision.reason, disclosure.basis))
    full_id = disclosure is not None and disclosure.full_national_id is not None and form is ShareForm.FULL
    try:
        row = _row(sources, forms, status, period, key, lao, name, full_id=full_id)
    except ValidationError as e:  # one odd value must neither stop the report nor drop the child
        fields = ", ".join(sorted({str(err["loc"][0]) for err in e.errors() if err["loc"]}))
        return refuse("invalid_value", (
            f"ค่าในแบบฟอร์มของเด็กคนนี้ไม่เป็นไปตามรูปแบบของรายงาน (คอลัมน์ {fields}) "
            "กรุณาตรวจสอบและแก้ค่าในแบบฟอร์มล่าสุดของเด็ก แล้วออกรายงานใหม่"))
    if form is ShareForm.PSEUDONYMISED:
        return _Built(row=row.model_copy(update=_HIDDEN), lao=lao, pseudonymised=True)
    return _Built(row=row, lao=lao)


def _no_consent_message(reason: str, basis: Basis) -> str:
    """Why a child without consent for the fund is not a row, and what to do (Thai)."""
    why = reason.split(":")[0]  # may_share's reason, without its note about where the child is counted
    return (f"ยังไม่มีความยินยอมให้เปิดเผยข้อมูลแก่ กสศ. ({why}; ฐานที่ตั้งค่าไว้: {basis.value}) "
            "จึงไม่ส่งข้อมูลเด็กคนนี้ในรายงาน กรุณาขอความยินยอมจากผู้ปกครอง (ขอบเขต share_with_eef) "
            "แล้วบันทึกในแบบลงทะเบียนเด็ก หรือระบุฐานทางกฎหมายตามข้อตกลงแลกเปลี่ยนข้อมูลกับ กสศ. "
            "ในหัวข้อ [disclosure] ของ config/eef_report.toml แล้วออกรายงานใหม่")


def _row(sources: ChildSources, forms: list[Any], status: Any, period: Period, key: str, lao: str,
         name: str, *, full_id: bool = False) -> ReportRow:
    registrations = [f for f in forms if f.form_id == REGISTRATION]
    described = registrations or forms
    province, district, subdistrict = _area(described, laos()[lao])
    sex_row = _latest(described, "sex")
    born = _latest(described, "birth_date")
    born_year = _latest(described, "birth_year")
    valid_id = next((f.national_id for f in reversed(forms) if f.national_id and f.national_id_valid), None)
    category = _latest(registrations, "oos_category")
    reason = next((f.leave_reason for f in registrations if f.leave_reason), None)
    followups = sorted((f for f in forms if f.form_id == FOLLOWUP),
                       key=lambda f: (f.fu_date or f.observed_on, f.submission_id))
    last_fu = followups[-1] if followups else None
    last_fu_on = (last_fu.fu_date or last_fu.observed_on) if last_fu is not None else None
    open_case = not lifecycle.is_closed(status.to_status)
    due: date | None = None
    if last_fu is not None and open_case:
        due = last_fu.next_fu_date or (last_fu_on + FOLLOWUP_INTERVAL if last_fu_on else None)
    types, funded = _current_plan(sources.interventions, status.plan_id)
    return ReportRow(
        period=str(period), lao_code=lao, lao_name=name,
        province_code=province, district_code=district, subdistrict_code=subdistrict,
        child_key=key, national_id_masked=_full_id(valid_id) if full_id else mask_national_id(valid_id),
        sex=sex_row.sex if sex_row is not None and sex_row.sex in ("M", "F", "X") else "X",
        age_band=age_band(born.birth_date if born else None, born_year.birth_year if born_year else None,
                          period.last),  # type: ignore[arg-type]
        oos_category=category.oos_category if category is not None else None,
        main_leave_reason=reason,
        registered_on=registrations[0].observed_on if registrations else None,
        plan_status_code=status.to_status, plan_status_th=lifecycle.STATUSES[status.to_status].thai,
        status_since=status.at, intervention_types="|".join(types), eef_funded="Y" if funded else "N",
        outcome_status=last_fu.child_current_status if last_fu is not None else None,
        visits_count=sum(1 for f in forms if f.form_id in VISIT_FORMS),
        last_followup_on=last_fu_on, next_followup_due=due,
        followup_overdue="Y" if due is not None and open_case and due < period.last else "N",
    )


def _full_id(value: str | None) -> str:
    """The full 13-digit number (only where the configuration names a basis for it); "" otherwise."""
    return value if value is not None and len(value) == 13 and value.isascii() and value.isdigit() else ""


def _area(forms: list[Any], lao: dict[str, str]) -> tuple[str, str | None, str | None]:
    """Province, district and subdistrict codes of the child's address: the most precise well-formed
    code given (a subdistrict code carries its district and province), else the LAO's own."""
    for attribute, digits in (("subdistrict_code", 6), ("district_code", 4), ("province_code", 2)):
        for row in reversed(forms):
            code = (getattr(row, attribute) or "").strip()
            if len(code) == digits and code.isascii() and code.isdigit():
                return code[:2], code[:4] if digits >= 4 else None, code if digits == 6 else None
    return lao["province_code"], lao["district_code"] or None, None


def _current_plan(interventions: list[Any], plan_id: str | None) -> tuple[list[str], bool]:
    """The intervention types of the plan in force (its latest version on or before the period end)
    and whether the fund pays for any of them."""
    if not interventions:
        return [], False
    candidates = [i for i in interventions if plan_id is None or i.plan_id == plan_id] or interventions
    latest = max((i.plan_version or 0, i.plan_date, i.submission_id) for i in candidates)
    chosen = sorted((i for i in candidates if (i.plan_version or 0, i.plan_date, i.submission_id) == latest),
                    key=lambda i: i.position)
    types: list[str] = []
    for i in chosen:
        if i.intv_type and i.intv_type not in types:
            types.append(i.intv_type)
    return types, any(i.funding == EEF_FUNDING for i in chosen)


# --- selection, sorting --------------------------------------------------------------------------------


class _Spill:
    """Rows sorted in chunks; chunks past the first go to temporary files, merged back in order."""

    def __init__(self, chunk_rows: int, folder: Path) -> None:
        self.chunk_rows, self.folder = chunk_rows, folder
        self.buffer: list[tuple[Any, ...]] = []  # each row's values in FIELDS order
        self.files: list[Path] = []

    def add(self, row: ReportRow) -> None:
        self.buffer.append(_ROW_VALUES(row))
        if len(self.buffer) >= self.chunk_rows:
            self._flush()

    def _flush(self) -> None:
        self.buffer.sort(key=_ORDER)
        path = self.folder / f"chunk{len(self.files):05d}.pickle"
        with path.open("wb") as f:
            for start in range(0, len(self.buffer), SPILL_BLOCK):  # each block its own pickle
                pickle.dump(self.buffer[start:start + SPILL_BLOCK], f, protocol=pickle.HIGHEST_PROTOCOL)
        self.files.append(path)
        self.buffer = []

    def merged(self) -> Iterator[tuple[Any, ...]]:
        if not self.files:
            self.buffer.sort(key=_ORDER)
            yield from self.buffer
            return
        if self.buffer:
            self._flush()
        handles = [path.open("rb") for path in self.files]
        try:
            yield from heapq.merge(*(_read(h) for h in handles), key=_ORDER)
        finally:
            for handle in handles:
                handle.close()


def _read(handle: IO[bytes]) -> Iterator[tuple[Any, ...]]:
    while True:
        try:
            block = pickle.load(handle)
        except EOFError:
            return
        yield from block


@dataclass
class ReportSelection:
    """The period's rows (read once, in order), its exceptions (in order) and its summary."""

    period: Period
    summary: ReportSummary
    exceptions: list[ReportException]
    _spill: _Spill

    @property
    def row_count(self) -> int:
        return self.summary.row_count

    def rows(self) -> Iterator[ReportRow]:
        for values in self._spill.merged():
            yield ReportRow.model_construct(**dict(zip(FIELDS, values, strict=True)))

    def values(self) -> Iterator[tuple[Any, ...]]:
        """The same rows as `rows`, each as the tuple of its (validated) values in FIELDS order: what the
        writers take without a model built again for every row."""
        return self._spill.merged()


@contextmanager
def select_report(session: Session, period: Period | str, secret: str | bytes, *,
                  chunk_rows: int = CHUNK_ROWS, key_purpose: str = "child",
                  disclosure: Disclosure | None = None) -> Iterator[ReportSelection]:
    """Select the period's rows and exceptions; rows are read from the selection inside the block.

    `key_purpose` separates child_key spaces (pseudonym.child_key): the fund's report uses "child";
    a partner given its own purpose gets keys that cannot be joined with the fund's. `disclosure` is
    the basis the rows go to the fund on (default: the report configuration's)."""
    if disclosure is None:
        disclosure = load_config().disclosure
    period = Period.parse(period) if isinstance(period, str) else period
    key = check_secret(secret)
    erased = erased_child_ids(session)
    summary = ReportSummary()
    exceptions: list[ReportException] = []
    with tempfile.TemporaryDirectory(prefix="odksync-report-") as folder:
        spill = _Spill(chunk_rows, Path(folder))
        for sources in iter_children(session, period.last):
            built = build_child(sources, period, key, erased, key_purpose=key_purpose, disclosure=disclosure)
            if built is None:
                continue
            summary.children_seen += 1
            if built.row is not None:
                spill.add(built.row)
                summary.rows[(built.lao, built.row.plan_status_code)] += 1
                summary.pseudonymised += built.pseudonymised
            elif built.exception is not None:
                exceptions.append(built.exception)
                summary.exceptions[built.lao] += 1
                if built.exception.reason == NO_CONSENT:
                    summary.no_consent[built.lao] += 1
            elif built.count == "closed_before":
                summary.closed_before += 1
            elif built.count is not None:
                summary.others[(built.lao, built.count)] += 1
        exceptions.sort(key=lambda x: (x.lao_code, x.child_key))
        yield ReportSelection(period=period, summary=summary, exceptions=exceptions, _spill=spill)


def iter_report_rows(session: Session, period: Period | str, secret: str | bytes, *,
                     key_purpose: str = "child", disclosure: Disclosure | None = None) -> Iterator[ReportRow]:
    """Every row of the period, validated, ordered by (lao_code, child_key)."""
    with select_report(session, period, secret, key_purpose=key_purpose, disclosure=disclosure) as selection:
        yield from selection.rows()

