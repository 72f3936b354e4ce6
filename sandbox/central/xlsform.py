"""XLSForm to XForm conversion with pyxform, answering as Central's pyxform service does."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from pyxform.errors import PyXFormError
from pyxform.xls2xform import convert

from sandbox.central import problems

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLS = "application/vnd.ms-excel"


def is_excel(content_type: str) -> bool:
    return content_type in (XLSX, XLS)


def xlsform_to_xform(data: bytes, content_type: str, fallback_id: str | None,
                     ignore_warnings: bool) -> bytes:
    """Convert, then refuse with 400.16 on warnings unless `?ignoreWarnings=true` (as Central)."""
    warnings: list[str] = []
    # Central's pyxform service saves the upload under the fallback id, and pyxform takes a
    # form without a settings `form_id` to be named after its file.
    stem = re.sub(r"[^\w.-]", "_", fallback_id or "") or "form"
    suffix = ".xls" if content_type == XLS else ".xlsx"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{stem}{suffix}"
        path.write_bytes(data)
        try:
            result = convert(xlsform=str(path), warnings=warnings, validate=False,
                             pretty_print=True)
        except (PyXFormError, ValueError, KeyError, IndexError, OSError) as err:
            raise problems.xlsform_not_valid(str(err), warnings) from err
    all_warnings = list(result.warnings or warnings)
    if all_warnings and not ignore_warnings:
        raise problems.form_warnings(all_warnings)
    return result.xform.encode("utf-8")
