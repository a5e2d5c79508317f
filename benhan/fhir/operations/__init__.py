"""Registry of FHIR operations (`$everything`, `$export`, `$validate`, ...): one module per operation.

An operation module registers its handler with `@operation(...)`; the REST router finds it by name
and level. Handlers get an OperationCall and return an HttpResponse.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from django.http import HttpRequest, HttpResponse

from ..repository import Repository

# Modules imported when the registry is first used; each registers its operations.
OPERATION_MODULES = [
    "benhan.fhir.operations.validate",
    "benhan.fhir.operations.everything",
    "benhan.fhir.operations.export",
    "benhan.exchange.pix",
]


@dataclass
class OperationCall:
    request: HttpRequest
    repo: Repository
    name: str
    level: str  # system, type, instance
    resource_type: str | None = None
    resource_id: str | None = None
    params: list[tuple[str, str]] = field(default_factory=list)  # query string and Parameters body
    body: Any = None  # parsed JSON body, if any


Handler = Callable[[OperationCall], HttpResponse]


@dataclass(frozen=True)
class Registration:
    name: str
    handler: Handler
    levels: frozenset[str]
    types: frozenset[str] | None  # None: any type
    methods: frozenset[str]


_registry: dict[str, list[Registration]] = {}
_loaded = False


def operation(
    name: str, *, levels: set[str], types: set[str] | None = None, methods: set[str] | None = None
) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        _registry.setdefault(name, []).append(
            Registration(name, handler, frozenset(levels), None if types is None else frozenset(types),
                         frozenset(methods or {"GET", "POST"}))
        )
        return handler

    return register


def _load() -> None:
    global _loaded
    if not _loaded:
        for module in OPERATION_MODULES:
            try:
                import_module(module)
            except ModuleNotFoundError as exc:
                if exc.name != module:
                    raise
        _loaded = True


def find(name: str, level: str, resource_type: str | None) -> Registration | None:
    _load()
    for reg in _registry.get(name, []):
        if level in reg.levels and (reg.types is None or resource_type is None or resource_type in reg.types):
            return reg
    return None


def all_registrations() -> list[Registration]:
    """For the CapabilityStatement."""
    _load()
    return [r for regs in _registry.values() for r in regs]
