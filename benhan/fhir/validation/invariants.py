"""Hand-written checks for the common R4 invariants (constraint keys in the diagnostics).

The structural walker checks ele-1 itself and the resource-level dom-2..dom-5 and ref-1 rules need
the whole resource (see walker.py). Those here look at one JSON object of a known type; each is
attached to the Node it constrains. Evaluating every FHIRPath constraint instead would cost far
more than the rest of validation (see docs/decisions/0003-validation.md).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..errors import Issue

if TYPE_CHECKING:
    from .tables import Tables

Check = Callable[[dict[str, Any], str, list[Issue]], None]


def _fail(issues: list[Issue], key: str, text: str, path: str) -> None:
    issues.append(Issue("invariant", f"{key}: {text}", (path,)))


def ext_1(obj: dict[str, Any], path: str, issues: list[Issue]) -> None:
    has_value = any(k.startswith("value") or k.startswith("_value") for k in obj)
    if ("extension" in obj) == has_value:
        _fail(issues, "ext-1", "an extension must have either nested extensions or a value[x], not both", path)


def _instant(value: Any) -> datetime | None:
    """A dateTime with a time zone as a comparable instant, else None (partial dates compare loosely)."""
    if type(value) is not str or len(value) < 20:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def per_1(obj: dict[str, Any], path: str, issues: list[Issue]) -> None:
    start, end = obj.get("start"), obj.get("end")
    if type(start) is not str or type(end) is not str:
        return
    start_at, end_at = _instant(start), _instant(end)
    if start_at is not None and end_at is not None:
        later = start_at > end_at
    else:
        # Partial dates: compare the common prefix, so 2020-05 ends no earlier than 2020-05-10 starts.
        size = min(len(start), len(end), 10)
        later = start[:size] > end[:size]
    if later:
        _fail(issues, "per-1", f"the period starts ({start}) after it ends ({end})", path)


def qty_3(obj: dict[str, Any], path: str, issues: list[Issue]) -> None:
    if "code" in obj and "system" not in obj:
        _fail(issues, "qty-3", "a quantity with a unit code must also give the unit system", path)


def obs_6(obj: dict[str, Any], path: str, issues: list[Issue]) -> None:
    if "dataAbsentReason" in obj and any(k.startswith("value") for k in obj):
        _fail(issues, "obs-6", "dataAbsentReason is only allowed when there is no value[x]", path)


def pat_1(obj: dict[str, Any], path: str, issues: list[Issue]) -> None:
    if not any(k in obj for k in ("name", "telecom", "address", "organization")):
        _fail(issues, "pat-1", "a contact needs a name, telecom, address or organization", path)


_ENTRY_REQUEST = {"batch", "transaction", "history"}
_ENTRY_RESPONSE = {"batch-response", "transaction-response", "history"}


def bundle_rules(obj: dict[str, Any], path: str, issues: list[Issue]) -> None:
    kind = obj.get("type")
    entries = obj.get("entry")
    if "total" in obj and kind not in ("searchset", "history"):
        _fail(issues, "bdl-1", "total is only allowed in a searchset or history bundle", f"{path}.total")
    if type(entries) is not list:
        return
    for i, entry in enumerate(entries):
        if type(entry) is not dict:
            continue
        at = f"{path}.entry[{i}]"
        if "search" in entry and kind != "searchset":
            _fail(issues, "bdl-2", "entry.search is only allowed in a searchset bundle", at)
        if ("request" in entry) != (kind in _ENTRY_REQUEST):
            _fail(issues, "bdl-3", "entry.request is required in batch, transaction and history bundles "
                  "and not allowed in others", at)
        if ("response" in entry) != (kind in _ENTRY_RESPONSE):
            _fail(issues, "bdl-4", "entry.response is required in batch-response, transaction-response "
                  "and history bundles and not allowed in others", at)
        if not any(k in entry for k in ("resource", "request", "response")):
            _fail(issues, "bdl-5", "an entry must have a resource, a request or a response", at)
        url = entry.get("fullUrl")
        if type(url) is str and "/_history/" in url:
            _fail(issues, "bdl-8", "fullUrl cannot be a version-specific reference", f"{at}.fullUrl")
    first = entries[0].get("resource") if entries and type(entries[0]) is dict else None
    first_type = first.get("resourceType") if type(first) is dict else None
    if kind == "document" and first_type != "Composition":
        _fail(issues, "bdl-11", "a document must start with a Composition", f"{path}.entry[0]")
    if kind == "message" and first_type != "MessageHeader":
        _fail(issues, "bdl-12", "a message must start with a MessageHeader", f"{path}.entry[0]")


CHECKS: dict[str, tuple[Check, ...]] = {
    "Extension": (ext_1,),
    "Period": (per_1,),
    "Quantity": (qty_3,),
    "Age": (qty_3,),
    "Count": (qty_3,),
    "Distance": (qty_3,),
    "Duration": (qty_3,),
    "Observation": (obs_6,),
    "Patient.contact": (pat_1,),
    "Bundle": (bundle_rules,),
}


def attach(tables: Tables) -> None:
    for name, checks in CHECKS.items():
        node = tables.node_at(name)
        if node is None:
            raise LookupError(f"invariant for {name}, which the tables do not define")
        node.checks = checks
