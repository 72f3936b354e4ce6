"""The agencies file: the shipped sample loads; anything that could send more than an agency may receive,
or send it somewhere unverified, is refused with the agency and the field named."""

from __future__ import annotations

import copy
import tomllib
from typing import Any

import pytest

from warehouse.exports.agencies import DEFAULT_CONFIG, ConfigurationRefused, load_agencies, parse_agencies

SAMPLE: dict[str, Any] = tomllib.loads(DEFAULT_CONFIG.read_text(encoding="utf-8"))
SECRET_LOOKING = "hunter2-this-is-the-password"


def test_the_shipped_agencies_load_and_deliver_to_folders_for_the_offline_demo() -> None:
    agencies = load_agencies()
    assert len(agencies) >= 2 and len({a.id for a in agencies}) == len(agencies)
    assert any(a.scope.laos for a in agencies) and any(a.scope.provinces for a in agencies)
    assert {a.destination.type for a in agencies} == {"folder"}
    assert {a.format for a in agencies} == {"xlsx", "csv", "json"}
    assert all(e.legal_basis and e.reference for a in agencies for e in a.extra_fields)


def _with(change: Any) -> dict[str, Any]:
    data = copy.deepcopy(SAMPLE)
    change(data["agency"][0])
    return data


def _no_basis(agency: dict[str, Any]) -> None:
    del agency["extra_fields"][1]["legal_basis"]


def _made_up_basis(agency: dict[str, Any]) -> None:
    agency["extra_fields"][0]["legal_basis"] = "because-we-can"


def _extra_as_column(agency: dict[str, Any]) -> None:
    agency["columns"] = [*agency["columns"], "national_id"]


def _unpinned_sftp(agency: dict[str, Any]) -> None:
    agency["destination"] = {"type": "sftp", "host": "sftp.example.go.th", "user": "u", "path": "/in",
                             "password_env": "ODKSYNC_SFTP_PASSWORD"}


def _secret_inline(agency: dict[str, Any]) -> None:
    agency["destination"] = {"type": "https", "url": "https://example.go.th/in", "token_env": SECRET_LOOKING}


CASES = [
    (_no_basis, "extra_fields.national_id.legal_basis"),
    (_made_up_basis, "extra_fields.child_name.legal_basis"),
    (lambda a: a["extra_fields"][0].update(reference=""), "extra_fields.child_name.reference"),
    (lambda a: a["extra_fields"].append({"field": "photo", "legal_basis": "consent",
                                         "reference": "แบบฟอร์มยินยอม"}), "extra_fields.photo.field"),
    (lambda a: a["extra_fields"][0].update(precision="exact"), "precision ใช้ได้กับ home_gps เท่านั้น"),
    (_extra_as_column, "คอลัมน์ national_id ไม่อยู่ในรายงาน"),
    (lambda a: a.update(columns=[]), "ช่อง columns"),
    (lambda a: a.update(consent_scope="everything"), "ช่อง consent_scope"),
    (lambda a: a.pop("consent_scope"), "ช่อง consent_scope: ต้องระบุ"),
    (lambda a: a.update(scope={"laos": ["9999999"]}), "9999999"),
    (lambda a: a.update(scope={}), "scope needs LAOs or provinces"),
    (lambda a: a.update(name="Suphanburi education office"), "ภาษาไทย"),
    (lambda a: a.update(schedule="every monday"), "five-field cron"),
    (lambda a: a.update(schedule="0 25 * * *"), "five-field cron"),
    (lambda a: a.update(format="pdf"), "ช่อง format"),
    (lambda a: a.update(surprise="field"), "ช่อง surprise"),
    (_unpinned_sftp, "must pin the server's host key"),
    (lambda a: a.update(destination={"type": "https", "url": "http://example.go.th/in",
                                     "token_env": "ODKSYNC_TOKEN"}), "https://"),
    (_secret_inline, "environment variable NAME"),
    (lambda a: a.update(child_key="fund"), 'ช่อง child_key_reason: child_key = "fund" ต้องมี child_key_reason'),
    (lambda a: a.update(child_key="fund", child_key_reason="  ตรวจ  "), "child_key_reason saying why"),
    (lambda a: a.update(child_key_reason="กระทบยอดกับรายงานกองทุน"), 'applies to child_key = "fund" only'),
    (lambda a: a.update(child_key="shared"), "ช่อง child_key"),
]


@pytest.mark.parametrize(("change", "expected"), CASES)
def test_a_bad_entry_is_refused_naming_the_agency_and_the_field(change: Any, expected: str) -> None:
    with pytest.raises(ConfigurationRefused) as refused:
        parse_agencies(_with(change))
    message = str(refused.value)
    assert "moe-suphanburi" in message and expected in message
    assert SECRET_LOOKING not in message  # a secret pasted where a variable name belongs is never echoed


def test_duplicate_ids_and_unreadable_files_are_refused(tmp_path: Any) -> None:
    data = copy.deepcopy(SAMPLE)
    data["agency"].append(copy.deepcopy(data["agency"][0]))
    with pytest.raises(ConfigurationRefused, match="moe-suphanburi"):
        parse_agencies(data)
    broken = tmp_path / "agencies.toml"
    broken.write_text("[[agency]\nid = ", encoding="utf-8")
    with pytest.raises(ConfigurationRefused, match="invalid TOML"):
        load_agencies(broken)
    with pytest.raises(ConfigurationRefused, match="cannot read"):
        load_agencies(tmp_path / "missing.toml")


def test_each_agency_has_its_own_key_space_unless_it_says_why_it_needs_the_funds() -> None:
    assert {a.child_key for a in load_agencies()} == {"own"}  # the default, for every shipped agency
    reason = "กระทบยอดจำนวนเด็กกับรายงานกองทุนรายเดือน ตามบันทึกข้อตกลงฯ ข้อ 6"
    (fund, *_) = parse_agencies(_with(lambda a: a.update(child_key="fund", child_key_reason=reason)))
    assert (fund.child_key, fund.child_key_reason) == ("fund", reason)
    assert fund.child_key_purpose == "agency:moe-suphanburi"
