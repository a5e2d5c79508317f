"""Which interaction a FHIR URL path names, by its shape (type, id, _history, version, $operation)."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import FhirError, Issue
from .resource_types import is_resource_type


@dataclass(frozen=True)
class Route:
    # system, metadata, type, search (POST _search), instance, history, version, operation, compartment
    kind: str
    resource_type: str | None = None
    resource_id: str | None = None
    version_id: int | None = None
    operation: str | None = None
    compartment: tuple[str, str] | None = None  # ("Patient", "123") for /Patient/123/Observation

    @property
    def level(self) -> str:
        if self.resource_id:
            return "instance"
        return "type" if self.resource_type else "system"


def _unknown(path: str, why: str) -> FhirError:
    return FhirError(404, [Issue("not-supported", f"'{path}': {why}")])


def parse_path(path: str) -> Route:
    """`path` is the part after the FHIR base, e.g. `Patient/1/_history/2` (leading/trailing / ignored)."""
    parts = [p for p in path.split("/") if p]
    n = len(parts)
    if n == 0:
        return Route("system")
    head = parts[0]
    if parts == [".well-known", "smart-configuration"]:
        return Route("smart-configuration")
    if n == 1:
        if head == "metadata":
            return Route("metadata")
        if head == "_history":
            return Route("history")
        if head == "_search":
            return Route("search")
        if head.startswith("$"):
            return Route("operation", operation=head[1:])
    if not is_resource_type(head):
        raise _unknown(path, f"'{head}' is not a FHIR R4 resource type")
    if n == 1:
        return Route("type", head)
    second = parts[1]
    if n == 2:
        if second == "_history":
            return Route("history", head)
        if second == "_search":
            return Route("search", head)
        if second.startswith("$"):
            return Route("operation", head, operation=second[1:])
        return Route("instance", head, second)
    if n == 3 and parts[2] == "_history":
        return Route("history", head, second)
    if n == 3 and parts[2].startswith("$"):
        return Route("operation", head, second, operation=parts[2][1:])
    if n in (3, 4) and (parts[2] == "*" or is_resource_type(parts[2])) and (n == 3 or parts[3] == "_search"):
        # A compartment search: /Patient/123/Observation (or /Patient/123/* for every type).
        return Route("compartment", None if parts[2] == "*" else parts[2], compartment=(head, second))
    if n == 4 and parts[2] == "_history":
        if not parts[3].isdigit():
            raise FhirError(400, [Issue("invalid", f"'{parts[3]}' is not a version id")])
        return Route("version", head, second, int(parts[3]))
    raise _unknown(path, "no FHIR interaction has this shape")
