"""Validation of resources against the official R4 StructureDefinitions (being built: see issue 2)."""

from __future__ import annotations

from typing import Any

from ..errors import Issue


def validate_resource(resource: dict[str, Any]) -> list[Issue]:
    return []
