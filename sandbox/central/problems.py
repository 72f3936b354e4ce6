"""Central's error vocabulary: a Problem carries a numeric code like 404.1 and renders as JSON."""

from __future__ import annotations

import json
from typing import Any


class Problem(Exception):
    """An error answered the way ODK Central answers it: `{message, code, details}`."""

    def __init__(self, code: float, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details

    @property
    def status(self) -> int:
        return int(self.code)

    def body(self) -> dict[str, Any]:
        # Central builds the object with `details: undefined` when there are none, which
        # JSON.stringify drops, so the key is absent rather than null.
        out: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.details is not None:
            out["details"] = self.details
        return out

    def json_bytes(self) -> bytes:
        return json.dumps(self.body(), ensure_ascii=False).encode("utf-8")


def _js_list(value: Any) -> str:
    """Render a value the way a JS template literal does (arrays joined by commas)."""
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def unparseable(fmt: str, raw_length: int) -> Problem:
    return Problem(400.1, f"Could not parse the given data ({raw_length} chars) as {fmt}.",
                   {"format": fmt, "rawLength": raw_length})


def missing_parameter(field: str) -> Problem:
    return Problem(400.2, f"Required parameter {field} missing.", {"field": field})


def missing_parameters(expected: list[str], got: dict[str, Any]) -> Problem:
    pairs = ", ".join(f"{k}: {v if v is not None else 'undefined'}" for k, v in got.items())
    return Problem(400.3, f"Required parameters missing. Expected ({', '.join(expected)}), "
                   f"got ({pairs}).", {"expected": expected, "got": got})


def invalid_header(field: str, value: str | None) -> Problem:
    shown = "[nothing]" if value is None else value
    return Problem(400.6, f"An expected header field ({field}) did not match the expected "
                   f"format (got: {shown}).", {"field": field, "value": value})


def missing_multipart_field(field: str) -> Problem:
    return Problem(400.7, f"Required multipart POST field {field} missing.", {"field": field})


def unexpected_value(field: str, value: str, reason: str) -> Problem:
    return Problem(400.8, f"Unexpected {field} value {value}; {reason}",
                   {"field": field, "value": value, "reason": reason})


def xlsform_not_valid(error: str, warnings: list[str]) -> Problem:
    return Problem(400.15, "The given XLSForm file was not valid. Please see the error details "
                   "for more information.", {"error": error, "warnings": warnings})


def form_warnings(warnings: list[str]) -> Problem:
    return Problem(400.16, "The Form is valid, but with warnings. Please check the warnings and "
                   "if they are acceptable resubmit with ?ignoreWarnings=true",
                   {"warnings": {"xlsFormWarnings": warnings}})


def unparseable_odata(reason: str) -> Problem:
    return Problem(400.18, f"The OData filter expression you provided could not be parsed: "
                   f"{reason}", {"reason": reason})


def property_not_found(prop: str) -> Problem:
    return Problem(400.23, f"Could not find a property named '{prop}'", {"property": prop})


def unsupported_select_field(prop: str) -> Problem:
    return Problem(400.24, f"The given OData select property '{prop}' uses features not "
                   "supported by this server.", {"property": prop})


def invalid_skiptoken() -> Problem:
    return Problem(400.35, "Invalid $skiptoken")


def multipart_failed() -> Problem:
    return Problem(400.39, "Multipart form content failed to parse.")


def authentication_failed() -> Problem:
    return Problem(401.2, "Could not authenticate with the provided credentials.")


def https_only() -> Problem:
    return Problem(401.3, "This authentication method is only available over HTTPS")


def insufficient_rights() -> Problem:
    return Problem(403.1, "The authentication you provided does not have rights to perform "
                   "that action.")


def not_found() -> Problem:
    return Problem(404.1, "Could not find the resource you were looking for.")


def missing_api_version() -> Problem:
    return Problem(404.2, "Expected an API version (eg /v1) at the start of the request URL.")


def form_version_not_found(version: str) -> Problem:
    return Problem(404.6, f"The form version specified in this submission '{version}' does not "
                   "exist.", {"formVersion": version})


def unacceptable_format(allowed: list[str], got: str) -> Problem:
    return Problem(406.1, f"Requested format not acceptable; this resource allows: "
                   f"{','.join(allowed)}.", {"allowed": allowed, "got": got})


def xml_conflict() -> Problem:
    return Problem(409.1, "A submission already exists with this ID, but with different XML. "
                   "Resubmissions to attach additional multimedia must resubmit an identical "
                   "xml_submission_file.")


def not_accepting_submissions() -> Problem:
    return Problem(409.2, "This form is not currently accepting submissions. Please talk to "
                   "your program staff if this is unexpected.")


def uniqueness_violation(fields: Any, values: Any, table: str | None = None) -> Problem:
    details: dict[str, Any] = {"fields": fields, "values": values}
    if table is not None:
        details["table"] = table
    return Problem(409.3, f"A resource already exists with {_js_list(fields)} value(s) of "
                   f"{_js_list(values)}.", details)


def version_uniqueness(xml_form_id: str, version: str) -> Problem:
    return Problem(409.6, f"You tried to publish the form '{xml_form_id}' with version "
                   f"'{version}', but a published form has already existed in this project "
                   "with those identifiers.", {"xmlFormId": xml_form_id, "version": version})


def no_published_version() -> Problem:
    return Problem(409.7, "Could not delete draft, because the form has not been published. "
                   "Either delete the whole form, or replace the draft.")


def duplicate_submission() -> Problem:
    return Problem(409.18, "This submission has been deleted. You may not resubmit it.")


def not_implemented(feature: str) -> Problem:
    return Problem(501.1, f"The requested feature {feature} is not supported by this server.",
                   {"feature": feature})


def unsupported_odata_expression(at: int, node_type: str, text: str) -> Problem:
    return Problem(501.4, f"The given OData filter expression uses features not supported by "
                   f'this server: {node_type} at {at} ("{text}")',
                   {"at": at, "type": node_type, "text": text})


def unsupported_odata_field(text: str, at: int | None) -> Problem:
    where = f" at {at}" if at is not None else ""
    details: dict[str, Any] = {"text": text}
    if at is not None:
        details["at"] = at
    return Problem(501.5, "The given OData filter expression references fields not supported "
                   f"by this server: {text}{where}", details)


def unsupported_expand(text: str) -> Problem:
    return Problem(501.6, f'The given OData expand expression is not supported by this server: '
                   f'"{text}". Currently, only "$expand=*" is supported.', {"text": text})


def unsupported_select_expand() -> Problem:
    return Problem(501.11, "This server doesn't support $select query parameter with $expand.")


def deprecating_old_submission(deprecated_id: str, key: str = "deprecatedId") -> Problem:
    # Central's resubmission check passes `instanceId`, so its message reads "(undefined)".
    shown = deprecated_id if key == "deprecatedId" else "undefined"
    return Problem(409.9, f"You tried to update a submission, but the copy you were editing "
                   f"({shown}) is now out of date. Please get the new version that has "
                   "been submitted, and make your edits again.", {key: deprecated_id})


def deprecated_id_not_found(deprecated_id: str) -> Problem:
    return Problem(404.5, "You tried to update an existing submission, but we can't find that "
                   f"submission to update ({deprecated_id})", {"deprecatedId": deprecated_id})


def expected_deprecation() -> Problem:
    return Problem(400.19, "This PUT endpoint expects a deprecatedID metadata tag pointing at "
                   "the current version instanceID. I cannot find that tag in your request.")
