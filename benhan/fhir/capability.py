"""GET /fhir/metadata: the CapabilityStatement, built from what this server really does.

Resource types come from the generated R4 type list, operations from the operation registry, search
parameters from the search engine's definitions (when it is installed). The statement is built once
per base URL and served as bytes.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from importlib import import_module
from typing import Any

import orjson

from . import operations

SOFTWARE_VERSION = "0.1.0"

TYPE_INTERACTIONS = ["read", "vread", "update", "patch", "delete", "history-instance", "history-type", "create",
                     "search-type"]
SYSTEM_INTERACTIONS = ["transaction", "batch", "search-system", "history-system"]


def _resource_types() -> list[str]:
    from .rest.resource_types import resource_types

    return sorted(resource_types())


def _search_params(resource_type: str) -> list[dict[str, str]]:
    try:
        definitions = import_module("benhan.fhir.search.definitions")
    except ImportError:
        return []
    unsupported = getattr(definitions, "UNSUPPORTED", {})
    out = [{"name": code, "type": param.type}
           for code, param in sorted(definitions.params_for(resource_type).items()) if code not in unsupported]
    names = {p["name"] for p in out}
    for code, kind in getattr(definitions, "ROW_PARAMS", {}).items():
        if code not in names:
            out.append({"name": code, "type": kind})
    return out


def _search_available() -> bool:
    try:
        return hasattr(import_module("benhan.fhir.search"), "search")
    except ImportError:
        return False


def _operation(reg: operations.Registration, resource_type: str | None) -> dict[str, str]:
    prefix = f"{resource_type}-" if resource_type and reg.types is not None else ""
    return {"name": reg.name, "definition": f"http://hl7.org/fhir/OperationDefinition/{prefix}{reg.name}"}


def capability_statement(base: str) -> dict[str, Any]:
    from benhan.smart.discovery import oauth_uris_extension

    registrations = operations.all_registrations()
    searchable = _search_available()
    resources = []
    for rtype in _resource_types():
        entry: dict[str, Any] = {
            "type": rtype,
            "profile": f"http://hl7.org/fhir/StructureDefinition/{rtype}",
            "interaction": [{"code": c} for c in TYPE_INTERACTIONS if searchable or c != "search-type"],
            "versioning": "versioned-update",
            "readHistory": True,
            "updateCreate": True,
            "conditionalCreate": searchable,
            "conditionalRead": "not-supported",
            "conditionalUpdate": searchable,
            "conditionalDelete": "single" if searchable else "not-supported",
        }
        if searchable and (params := _search_params(rtype)):
            entry["searchParam"] = params
        ops = [_operation(r, rtype) for r in registrations
               if ({"type", "instance"} & r.levels) and (r.types is None or rtype in r.types)]
        if ops:
            entry["operation"] = ops
        resources.append(entry)
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": date.today().isoformat(),
        "publisher": "benhan",
        "kind": "instance",
        "software": {"name": "benhan", "version": SOFTWARE_VERSION},
        "implementation": {"description": "benhan FHIR R4 server", "url": base},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "patchFormat": ["application/json-patch+json"],
        "rest": [{
            "mode": "server",
            "security": {
                "cors": False,
                "service": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                         "code": "SMART-on-FHIR"}]}],
                "extension": [oauth_uris_extension(base.rsplit("/fhir", 1)[0])],
                "description": "OAuth2 client credentials (SMART system scopes), SMART standalone patient launch (authorization code + PKCE), or a staff session",
            },
            "resource": resources,
            "interaction": [{"code": c} for c in SYSTEM_INTERACTIONS if searchable or c != "search-system"],
            "operation": [_operation(r, None) for r in registrations if "system" in r.levels],
        }],
    }


@cache
def capability_bytes(base: str) -> bytes:
    return orjson.dumps(capability_statement(base))


@cache
def smart_configuration_bytes(base: str) -> bytes:
    """/.well-known/smart-configuration: where SMART clients find the token endpoint and what we grant."""
    from benhan.smart.discovery import smart_configuration

    return orjson.dumps(smart_configuration(base.rsplit("/fhir", 1)[0]))
