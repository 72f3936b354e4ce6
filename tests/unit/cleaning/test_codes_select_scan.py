"""Table tests of LAO and DOPA code checks, select-multiple splitting and free-text scanning."""

import pytest

from warehouse.cleaning import check_dopa_code, check_lao_code, scan_free_text, split_select_multiple
from warehouse.cleaning.codes import laos

# as entered → (code, known, lao_type, name, province, district, flags); DOMAIN §2.3 examples
Opt = str | None
LAOS: list[tuple[object, tuple[Opt, bool, Opt, Opt, Opt, Opt, tuple[str, ...]]]] = [
    ("2810101", ("2810101", True, "provincial_admin_org", "กระบี่", "81", None, ())),
    ("4810102", ("4810102", True, "town_municipality", "กระบี่", "81", "8101", ())),
    ("5810109", ("5810109", True, "subdistrict_municipality", "กระบี่น้อย", "81", "8101", ())),
    ("6810104", ("6810104", True, "subdistrict_admin_org", "อ่าวนาง", "81", "8101", ())),
    ("3400102", ("3400102", True, "city_municipality", "ขอนแก่น", "40", "4001", ())),
    ("3200408", ("3200408", True, "special_admin_area", "เมืองพัทยา", "20", "2004", ())),
    ("๖๘๑๐๑๐๔", ("6810104", True, "subdistrict_admin_org", "อ่าวนาง", "81", "8101", ())),
    (" 681-0104 ", ("6810104", True, "subdistrict_admin_org", "อ่าวนาง", "81", "8101", ())),
    ("อบต.อ่าวนาง (6810104)", ("6810104", True, "subdistrict_admin_org", "อ่าวนาง", "81", "8101", ())),
    (6810104, ("6810104", True, "subdistrict_admin_org", "อ่าวนาง", "81", "8101", ())),
    ("6810199", ("6810199", False, None, None, None, None, ("unknown",))),
    ("6990101", ("6990101", False, None, None, None, None, ("unknown", "unknown_province"))),
    ("68101", ("68101", False, None, None, None, None, ("format",))),
    ("68101045", ("68101045", False, None, None, None, None, ("format",))),
    ("abc", ("abc", False, None, None, None, None, ("format",))),
    ("", (None, False, None, None, None, None, ("missing",))),
    (None, (None, False, None, None, None, None, ("missing",))),
]


@pytest.mark.parametrize(("raw", "expected"), LAOS)
def test_lao_codes(raw: object, expected: tuple[object, ...]) -> None:
    r = check_lao_code(raw)
    assert (r.code, r.known, r.lao_type, r.name_th, r.province_code, r.district_code, r.flags) == expected


def test_the_lao_list_is_the_vendored_one_and_read_once() -> None:
    assert len(laos()) == 7849
    assert laos() is laos()
    # two municipalities still carry 6… codes: the type comes from the list, not the digit
    sixes = {row["lao_type"] for code, row in laos().items() if code.startswith("6")}
    assert sixes == {"subdistrict_admin_org", "subdistrict_municipality"}


# as entered → (code, level, known, name, flags, successors)
DOPA: list[tuple[object, tuple[Opt, Opt, bool, Opt, tuple[str, ...], tuple[str, ...]]]] = [
    ("84", ("84", "province", True, "สุราษฎร์ธานี", (), ())),
    ("8405", ("8405", "district", True, "เกาะพะงัน", (), ())),
    ("840503", ("840503", "subdistrict", True, "เกาะเต่า", (), ())),
    ("๘๔๐๕", ("8405", "district", True, "เกาะพะงัน", (), ())),
    (8405, ("8405", "district", True, "เกาะพะงัน", (), ())),
    ("8405.0", ("8405", "district", True, "เกาะพะงัน", (), ())),
    ("100100", ("1001", "district", True, "เขตพระนคร", ("parent_padding",), ())),
    ("840000", ("84", "province", True, "สุราษฎร์ธานี", ("parent_padding",), ())),
    ("100205", ("100205", "subdistrict", False, "บางซื่อ", ("abolished",), ("102901",))),
    ("99", ("99", "province", False, None, ("unknown",), ())),
    ("8499", ("8499", "district", False, None, ("unknown",), ())),
    ("840599", ("840599", "subdistrict", False, None, ("unknown",), ())),
    ("845", ("845", None, False, None, ("format",), ())),
    ("84050312", ("84050312", None, False, None, ("format",), ())),
    ("", (None, None, False, None, ("missing",), ())),
    (None, (None, None, False, None, ("missing",), ())),
]


@pytest.mark.parametrize(("raw", "expected"), DOPA)
def test_dopa_codes(raw: object, expected: tuple[object, ...]) -> None:
    r = check_dopa_code(raw)
    assert (r.code, r.level, r.known, r.name_th, r.flags, r.successors) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("POVERTY FAMILY", ("POVERTY", "FAMILY")),
    ("POVERTY  FAMILY ", ("POVERTY", "FAMILY")),
    ("FAMILY POVERTY FAMILY", ("FAMILY", "POVERTY")),
    ("POVERTY\nFAMILY\tWORK", ("POVERTY", "FAMILY", "WORK")),
    ("NONE", ("NONE",)),
    ("", ()),
    ("   ", ()),
    (None, ()),
    (["POVERTY", "FAMILY"], ("['POVERTY',", "'FAMILY']")),  # not ODK's shape: kept as text, never lost
])
def test_select_multiple(raw: object, expected: tuple[str, ...]) -> None:
    assert split_select_multiple(raw) == expected


# text → [(kind, matched text)]
SCANS: list[tuple[str, list[tuple[str, str]]]] = [
    ("เด็กชื่อต้น เลข 1101700230708 โทร 081-234-5678",
     [("citizen_id", "1101700230708"), ("phone", "081-234-5678")]),
    ("บัตร 1-1017-00230-70-8 ครับ", [("citizen_id", "1-1017-00230-70-8")]),
    ("บัตร 1 1017 00230 70 8", [("citizen_id", "1 1017 00230 70 8")]),
    ("๑๑๐๑๗๐๐๒๓๐๗๐๘", [("citizen_id", "๑๑๐๑๗๐๐๒๓๐๗๐๘")]),
    ("1101700230703 ผิดหลักสุดท้ายก็ยังเป็นข้อมูลส่วนบุคคล", [("citizen_id", "1101700230703")]),
    ("รหัส G123456789012", [("g_code", "G123456789012")]),
    ("โทร +66 81 234 5678 หรือ 02-123-4567", [("phone", "+66 81 234 5678"), ("phone", "02-123-4567")]),
    ("0812345678 0899999999", [("phone", "0812345678"), ("phone", "0899999999")]),
    ("1101700230708 0812345678", [("citizen_id", "1101700230708"), ("phone", "0812345678")]),
    ("(02) 123 4567", [("phone", "(02) 123 4567")]),
    ("๐๘๑-๒๓๔-๕๖๗๘", [("phone", "๐๘๑-๒๓๔-๕๖๗๘")]),
    # not personal numbers
    ("ปี 2564 เด็ก 12 คน บ้านเลขที่ 9/9", []),
    ("11017002307081234", []),  # 17 digits: no ID inside a longer number
    ("ราคา 1,000,000 บาท", []),
    ("081-234-5678-9", []),
    ("", []),
]


@pytest.mark.parametrize(("text", "expected"), SCANS)
def test_scan_free_text(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(f.kind, text[f.start:f.end]) for f in scan_free_text(text)] == expected


def test_scan_takes_only_text() -> None:
    assert scan_free_text(None) == ()
    assert scan_free_text(1101700230708) == ()
