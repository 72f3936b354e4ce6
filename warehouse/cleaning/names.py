"""Thai names: title, given name, family name and nickname, with invisible characters removed."""

from __future__ import annotations

from warehouse.cleaning.results import PersonName
from warehouse.cleaning.text import as_text


def clean_name(
    first: str | None,
    last: str | None,
    *,
    title: str | None = None,
    nickname: str | None = None,
    nickname_field_is_first: bool = False,
) -> PersonName:
    """Split and clean one person's name as entered."""
    parts = [p for p in (as_text(title), as_text(first), as_text(last), as_text(nickname)) if p]
    return PersonName(
        as_entered=" ".join(parts) or None,
        title=as_text(title),
        first=None if nickname_field_is_first else as_text(first),
        last=as_text(last),
        nickname=as_text(first) if nickname_field_is_first else as_text(nickname),
    )
