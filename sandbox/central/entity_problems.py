"""Central's entity and dataset error codes (lib/util/problem.js), worded as Central words them."""

from __future__ import annotations

from typing import Any

from sandbox.central.problems import Problem


def invalid_entity_form(reason: str) -> Problem:
    return Problem(400.25, f"The entity definition within the form is invalid. {reason}",
                   {"reason": reason})


def dataset_link_not_allowed() -> Problem:
    return Problem(400.26, 'Dataset can only be linked to attachments with "Data File" type.')


def invalid_data_type(field: str, expected: str) -> Problem:
    return Problem(400.11, f"Invalid input data type: expected ({field}) to be ({expected})",
                   {"field": field, "expected": expected})


def invalid_entity(reason: str) -> Problem:
    return Problem(400.28, f"The entity is invalid. {reason}", {"reason": reason})


def pending_submissions(count: int) -> Problem:
    return Problem(400.29, f"There are {count} pending submissions", {"count": count})


def unexpected_attributes(expected: list[str], actual: list[str]) -> Problem:
    return Problem(400.31, f"Expected parameters: ({', '.join(expected)}). Got "
                   f"({', '.join(actual)}).", {"expected": expected, "actual": actual})


def no_conflict() -> Problem:
    return Problem(400.32, "The Entity doesn't have any conflict")


def action_not_permitted(action: str, permitted: list[str]) -> Problem:
    return Problem(403.2, f"The submission attempts an entity {action}, but the form does not "
                   f"permit that action. The form permits the following actions: "
                   f"{', '.join(permitted)}.", {"action": action, "permitted": permitted})


def dataset_not_found(name: str) -> Problem:
    return Problem(404.7, f"The dataset ({name}) specified in the submission does not exist.",
                   {"datasetName": name})


def entity_not_found(uuid: str, dataset: str) -> Problem:
    return Problem(404.8, f"The entity with UUID ({uuid}) specified in the submission does not "
                   f"exist in the dataset ({dataset}).", {"entityUuid": uuid,
                                                          "datasetName": dataset})


def version_not_found(base: Any, uuid: str, dataset: str) -> Problem:
    return Problem(404.9, f"Base version ({base}) does not exist for entity UUID ({uuid}) in "
                   f"dataset ({dataset}).", {"baseVersion": base, "entityUuid": uuid,
                                             "datasetName": dataset})


def entity_deleted(uuid: str) -> Problem:
    return Problem(404.11, f"The entity with UUID ({uuid}) has been deleted.",
                   {"entityUuid": uuid})


def version_conflict(current: str, provided: str | None) -> Problem:
    # Central's template prints a missing baseVersion as 'undefined', and JSON drops the key.
    details: dict[str, Any] = {"current": current}
    if provided is not None:
        details["provided"] = provided
    shown = "undefined" if provided is None else provided
    return Problem(409.15, f"Current version of the Entity is '{current}' and you provided "
                   f"'{shown}'. Please correct the version number or pass '?force=true' in the "
                   "URL to forcefully update the Entity.", details)


def uuid_of_deleted(uuids: list[str]) -> Problem:
    return Problem(409.19, "The following UUID(s) cannot be used because they are associated "
                   f"with deleted Entities: ({', '.join(uuids)}).", {"entityUuids": uuids})
