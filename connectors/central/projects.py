"""Projects at Central: find one by name or create it."""

from typing import Any

from connectors.central.service import Service


class ProjectService(Service):
    """One Central resource, as in pyodk: projects."""

    def ensure(self, name: str) -> int:
        """The id of the project with this name, created if there is none (oldest wins on ties)."""
        projects: Any = self.session.call("GET", self.urls.projects).json()
        matching = (
            sorted(
                (
                    p
                    for p in projects
                    if isinstance(p, dict)
                    and p.get("name") == name
                    and isinstance(p.get("id"), int)
                    and not p.get("archived")
                ),
                key=lambda p: p["id"],
            )
            if isinstance(projects, list)
            else []
        )
        if matching:
            return int(matching[0]["id"])
        created = self.session.call("POST", self.urls.projects, json={"name": name}).json()
        return int(created["id"])
