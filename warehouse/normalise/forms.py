"""Which normaliser reads which form and version; one raw payload in, rows or quarantine out (pure)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from warehouse.normalise import assistance_plan, child_registration, home_visit, plan_followup
from warehouse.normalise.common import Output, Problem, Quarantined, short


@dataclass(frozen=True)
class Normaliser:
    """A form's normaliser and the form versions it knows (older versions still normalise)."""

    versions: tuple[str, ...]
    normalise: Callable[..., Output]


NORMALISERS: dict[str, Normaliser] = {
    module.FORM_ID: Normaliser(module.VERSIONS, module.normalise)
    for module in (child_registration, home_visit, assistance_plan, plan_followup)
}


def form_data(payload: Any) -> Mapping[str, Any]:
    """The form's answers from a stored payload: Central's nested object, or Kobo's flat
    `group/field` keys nested the same way (Kobo's own `_` keys left out)."""
    if not isinstance(payload, Mapping):
        raise Quarantined([Problem("not_a_submission", found=short(payload), expected="object")])
    if not any("/" in key for key in payload):
        return payload
    return _nested(payload)


def _nested(flat: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in flat.items():
        if key.startswith("_") or key in ("formhub/uuid",):
            continue
        parts = key.split("/")
        node = out
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                break
            node = child
        else:
            if isinstance(value, list):
                value = [_strip_repeat(parts[-1], v) if isinstance(v, Mapping) else v for v in value]
            node[parts[-1]] = value
    return out


def _strip_repeat(name: str, row: Mapping[str, Any]) -> dict[str, Any]:
    """A Kobo repeat row's keys are full paths (`goals/goal_text`): keep the field names."""
    return {key.rsplit("/", 1)[-1]: value for key, value in row.items() if not key.startswith("_")}


def normalise_payload(
    form_id: str, form_version: str | None, payload: Any, *, source: str = "central"
) -> Output:
    """The rows of one raw submission, or Quarantined with the reasons; never anything else.

    Kobo names a deployment (`__version__`, a uid), not the XLSForm's version, so its submissions
    are read with the newest known version of their form.
    """
    if source == "kobo":
        form_version = None
    normaliser = NORMALISERS.get(form_id)
    if normaliser is None:
        raise Quarantined([Problem("no_normaliser", found=form_id, expected=", ".join(NORMALISERS))])
    data = form_data(payload)
    version = form_version
    if version is not None and version not in normaliser.versions:
        raise Quarantined(
            [
                Problem(
                    "unknown_form_version",
                    field="version",
                    found=short(version),
                    expected=", ".join(normaliser.versions),
                )
            ]
        )
    meta = data.get("meta")
    if not isinstance(meta, Mapping) or not meta.get("instanceID"):
        raise Quarantined([Problem("missing_instance_id", field="meta/instanceID")])
    try:
        out = normaliser.normalise(data, form_version=version or normaliser.versions[-1])
    except Quarantined:
        raise
    except Exception as e:  # a bug must not stop the batch: the submission waits for a fix and replay
        raise Quarantined([Problem("normaliser_error", found=short(f"{type(e).__name__}: {e}", 200))]) from e
    if version is None and source != "kobo":
        out.flag("version", "form_version_missing")
    return out
