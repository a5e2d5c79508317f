"""`_summary` and `_elements`: the subset of each resource a client asked for.

Only these re-parse stored JSON; a plain search serves the stored bytes untouched. A subsetted
resource is marked with the SUBSETTED tag, as the specification requires.
"""

from __future__ import annotations

from typing import Any

import orjson

from .definitions import mandatory_elements, summary_elements
from .errors import SearchParamError

SUBSETTED = {"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue", "code": "SUBSETTED"}
SUMMARY_MODES = ("true", "false", "text", "data", "count")


def _allowed(names: frozenset[str], key: str) -> bool:
    if key in names:
        return True
    # A choice element `value[x]` is stored as valueQuantity, valueString...
    return any(n.endswith("[x]") and key.startswith(n[:-3]) and key[len(n) - 3 : len(n) - 2].isupper() for n in names)


def _keep(resource: dict[str, Any], names: frozenset[str]) -> dict[str, Any]:
    out = {k: v for k, v in resource.items() if k in ("resourceType", "id", "meta") or _allowed(names, k)}
    meta = dict(out.get("meta") or {})
    meta["tag"] = [*(meta.get("tag") or []), SUBSETTED]
    out["meta"] = meta
    return out


class Shaper:
    """Turns stored JSON text into the bytes of the resource to serve."""

    def __init__(self, summary: str | None, elements: list[str] | None) -> None:
        if summary is not None and summary not in SUMMARY_MODES:
            raise SearchParamError("_summary", f"_summary must be one of {', '.join(SUMMARY_MODES)}, not '{summary}'")
        self.summary = None if summary == "false" else summary
        self.elements = elements

    @property
    def passthrough(self) -> bool:
        return self.summary is None and not self.elements

    def shape(self, content: str) -> bytes:
        if self.passthrough:
            return content.encode()
        resource = orjson.loads(content)
        rtype = resource.get("resourceType", "")
        if self.summary == "true":
            resource = _keep(resource, summary_elements(rtype))
        elif self.summary == "text":
            resource = _keep(resource, frozenset({"text"}) | mandatory_elements(rtype))
        elif self.summary == "data":
            resource.pop("text", None)
            resource = _keep(resource, frozenset(k for k in resource))
        elif self.elements:
            resource = _keep(resource, frozenset(self.elements) | mandatory_elements(rtype))
        return orjson.dumps(resource)
