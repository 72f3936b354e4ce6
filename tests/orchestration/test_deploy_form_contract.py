"""The warehouse's form contract: which form changes break the fields it reads (pure table tests)."""

from __future__ import annotations

import pytest

from warehouse.form_contract import (
    CHILD_REGISTRATION,
    FORM_CONTRACTS,
    BreakingChange,
    breaking_changes,
    refusal_message,
)

CONTRACT = {"reg": {"child/first_name": "string", "child/birth_date": "date", "address/moo": "int"}}
PUBLISHED = [
    ("child/first_name", "string"),
    ("child/birth_date", "date"),
    ("address/moo", "int"),
    ("child/note", "string"),
    ("meta/instanceID", "string"),
]


def without(fields: list[tuple[str, str]], path: str) -> list[tuple[str, str]]:
    return [f for f in fields if f[0] != path]


def summary(changes: list[BreakingChange]) -> list[tuple[str, str, str | None, str | None]]:
    return [(c.path, c.kind, c.new_path, c.new_type) for c in changes]


@pytest.mark.parametrize(
    ("new", "published", "expected"),
    [
        # unchanged, or only additions and changes to fields the warehouse does not read
        (PUBLISHED, PUBLISHED, []),
        ([*PUBLISHED, ("child/school", "string")], PUBLISHED, []),
        (without(PUBLISHED, "child/note"), PUBLISHED, []),
        ([*without(PUBLISHED, "child/note"), ("child/note", "int")], PUBLISHED, []),
        # removed
        (without(PUBLISHED, "child/first_name"), PUBLISHED, [("child/first_name", "removed", None, None)]),
        # removed while a field is added elsewhere, of another type, or with a rival: not a rename
        ([*without(PUBLISHED, "address/moo"), ("child/siblings", "int")], PUBLISHED,
         [("address/moo", "removed", None, None)]),
        ([*without(PUBLISHED, "address/moo"), ("address/village_no", "string")], PUBLISHED,
         [("address/moo", "removed", None, None)]),
        ([*without(PUBLISHED, "address/moo"), ("address/village_no", "int"), ("address/rooms", "int")],
         PUBLISHED, [("address/moo", "removed", None, None)]),
        # renamed: the one field removed and the one added of its type in the same group
        ([*without(PUBLISHED, "address/moo"), ("address/village_no", "int")], PUBLISHED,
         [("address/moo", "renamed", "address/village_no", "int")]),
        ([*without(PUBLISHED, "child/first_name"), ("child/given_name", "string")], PUBLISHED,
         [("child/first_name", "renamed", "child/given_name", "string")]),
        # renamed: a similar new name of the same type
        ([*without(PUBLISHED, "child/first_name"), ("child/firstname", "string")], PUBLISHED,
         [("child/first_name", "renamed", "child/firstname", "string")]),
        # renamed: the same name moved to another group
        ([*without(PUBLISHED, "child/birth_date"), ("person/birth_date", "date")], PUBLISHED,
         [("child/birth_date", "renamed", "person/birth_date", "date")]),
        # a similar name of another type is no rename: removed
        ([*without(PUBLISHED, "child/birth_date"), ("child/birthdate", "string")], PUBLISHED,
         [("child/birth_date", "removed", None, None)]),
        # retyped
        ([*without(PUBLISHED, "child/birth_date"), ("child/birth_date", "string")], PUBLISHED,
         [("child/birth_date", "retyped", None, "string")]),
        ([*without(PUBLISHED, "address/moo"), ("address/moo", "decimal")], PUBLISHED,
         [("address/moo", "retyped", None, "decimal")]),
        # several at once, reported in path order
        ([("child/birth_date", "dateTime"), ("meta/instanceID", "string")], PUBLISHED,
         [("address/moo", "removed", None, None), ("child/birth_date", "retyped", None, "dateTime"),
          ("child/first_name", "removed", None, None)]),
        # a contract field the published version never had is not this deploy's doing
        (without(PUBLISHED, "address/moo"), without(PUBLISHED, "address/moo"), []),
        # a first deploy is checked against the whole contract
        (without(PUBLISHED, "address/moo"), None, [("address/moo", "removed", None, None)]),
        (PUBLISHED, None, []),
    ],
)
def test_breaking_changes(
    new: list[tuple[str, str]],
    published: list[tuple[str, str]] | None,
    expected: list[tuple[str, str, str | None, str | None]],
) -> None:
    assert summary(breaking_changes("reg", new, published_fields=published, contracts=CONTRACT)) == expected


def test_a_form_without_a_contract_never_breaks() -> None:
    assert breaking_changes("other", [], published_fields=PUBLISHED, contracts=CONTRACT) == []


def test_one_new_field_replaces_at_most_one_old_one() -> None:
    contract = {"f": {"a/first_name_th": "string", "a/first_name_en": "string"}}
    published = [("a/first_name_th", "string"), ("a/first_name_en", "string")]
    new = [("a/first_name", "string")]
    changes = breaking_changes("f", new, published_fields=published, contracts=contract)
    assert sorted(c.kind for c in changes) == ["removed", "renamed"]


def test_the_refusal_names_form_field_change_and_the_way_out() -> None:
    changes = breaking_changes("reg", without(PUBLISHED, "child/first_name"), published_fields=PUBLISHED,
                               contracts=CONTRACT)
    message = refusal_message("reg.xlsx", changes)
    assert "reg.xlsx" in message and "child/first_name" in message and "is removed" in message
    assert "rerun with --force if the warehouse has been changed to match" in message
    assert "\n" not in message


def test_the_registration_contract_is_documented_in_the_forms_readme() -> None:
    from forms.paths import FORMS_DIR

    readme = (FORMS_DIR / "README.md").read_text(encoding="utf-8")
    assert set(FORM_CONTRACTS) <= {p.stem for p in FORMS_DIR.glob("*.xlsx")}
    undocumented = [path for path in CHILD_REGISTRATION if f"`{path}`" not in readme
                    and f"`{path.rsplit('/', 1)[-1]}`" not in readme]
    assert undocumented == []


def test_the_registration_form_satisfies_its_contract() -> None:
    from connectors.xlsform import convert, field_schema
    from forms.paths import FORMS_DIR

    xml = convert(FORMS_DIR / "child_registration.xlsx").xml
    assert breaking_changes("child_registration", field_schema(xml)) == []
