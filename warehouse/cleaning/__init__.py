"""Pure cleaning functions for raw form answers: no I/O, never raise, each keeps what was entered.

The normalisers call these field by field; every result is a frozen value carrying the input
as entered, the cleaned value and flags (stable English codes) saying what was fixed or doubted.
"""

from warehouse.cleaning.codes import check_dopa_code, check_lao_code
from warehouse.cleaning.dates import age_at, be_year_to_ce, clean_date
from warehouse.cleaning.free_text import scan_free_text
from warehouse.cleaning.house import clean_house_number
from warehouse.cleaning.names import clean_name
from warehouse.cleaning.person_id import clean_person_id
from warehouse.cleaning.phones import clean_phone
from warehouse.cleaning.results import (
    CleanDate,
    DopaCheck,
    Finding,
    LaoCheck,
    PersonId,
    PersonName,
    Phone,
    YearResult,
)
from warehouse.cleaning.select import split_select_multiple

__all__ = [
    "CleanDate",
    "DopaCheck",
    "Finding",
    "LaoCheck",
    "PersonId",
    "PersonName",
    "Phone",
    "YearResult",
    "age_at",
    "be_year_to_ce",
    "check_dopa_code",
    "check_lao_code",
    "clean_date",
    "clean_house_number",
    "clean_name",
    "clean_person_id",
    "clean_phone",
    "scan_free_text",
    "split_select_multiple",
]
