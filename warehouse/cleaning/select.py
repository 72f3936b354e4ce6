"""Select-multiple answers: ODK stores them as one space-separated string."""

from __future__ import annotations

from warehouse.cleaning.text import as_text


def split_select_multiple(raw: object) -> tuple[str, ...]:
    """The chosen choice names, de-duplicated, in the order entered; () for nothing chosen."""
    text = as_text(raw)
    if text is None:
        return ()
    return tuple(dict.fromkeys(text.split(" ")))
