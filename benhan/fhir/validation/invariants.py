"""Hand-written checks for the common R4 invariants (constraint keys in the diagnostics).

The structural walker checks ele-1 itself, and the resource-level dom-2..dom-5 and ref-1 rules
need the whole resource (see walker.py). Those here, for data types and Bundle, and those of
resource_invariants.py each look at one JSON object of a known type and are attached to the Node
it constrains. Evaluating every FHIRPath constraint instead would cost far
more than the rest of validation (see docs/decisions/0003-validation.md).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..errors import Issue
from .extensions import extension_check
from .resource_invariants import RESOURCE_CHECKS, fail

if TYPE_CHECKING:
    from .tables import Tables

Check = Callable[[dict[str, Any], str, list[Issue]], None]


def ext_1(obj: dict[str, Any], path: str, issues: list[Issue]) -> None:
    has_value = any(k.startswith("value") or k.startswith("_value") for k in obj)
    if ("extension" in obj) == has_value:
        fail(issues, "ext-1", "an extension must have either nested extensions or a value[x], not both", path)


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
        fail(issues, "per-1", f"the period starts ({start}) after it ends ({end})", path)


def qty_3(obj: dict[str, Any], path: str, issues: list[Issue]) -> None:
    if "code" in obj and "system" not in obj:
        fail(issues, "qty-3", "a quantity with a unit code must also give the unit system", path)


def cpt_2(obj: dict[str, Any], path: str, issues: list[Issue]) -> None:
    if "value" in obj and "system" not in obj:
        fail(issues, "cpt-2", "a contact point with a value must say its system (phone, email, ...)", path)


def att_1(obj: dict[str, Any], path: str, issues: list[Issue]) -> None:
    if "data" in obj and "contentType" not in obj:
        fail(issues, "att-1", "an attachment with data must give its contentType", path)


def _number(value: Any) -> float | None:
    return value if type(value) in (int, float) else None


def rng_2(obj: dict[str, Any], path: str, issues: list[Issue]) -> None:
    low, high = obj.get("low"), obj.get("high")
    if type(low) is not dict or type(high) is not dict or low.get("code") != high.get("code"):
        return  # quantities in different units do not compare without UCUM conversion
    low_value, high_value = _number(low.get("value")), _number(high.get("value"))
    if low_value is not None and high_value is not None and low_value > high_value:
        fail(issues, "rng-2", f"the range's low ({low_value}) is above its high ({high_value})", path)


def rat_1(obj: dict[str, Any], path: str, issues: list[Issue]) -> None:
    if ("numerator" in obj) != ("denominator" in obj) or not ("numerator" in obj or "extension" in obj):
        fail(issues, "rat-1", "a ratio needs both numerator and denominator, or neither and an extension", path)


_TIMING_PAIRS = (
    ("tim-1", "duration", "durationUnit", "a duration needs a durationUnit"),
    ("tim-2", "period", "periodUnit", "a period needs a periodUnit"),
    ("tim-6", "periodMax", "period", "periodMax needs a period"),
    ("tim-7", "durationMax", "duration", "durationMax needs a duration"),
    ("tim-8", "countMax", "count", "countMax needs a count"),
)
_MEAL_EVENTS = {"C", "CM", "CD", "CV"}


def timing_repeat(obj: dict[str, Any], path: str, issues: list[Issue]) -> None:
    for key, present, needed, text in _TIMING_PAIRS:
        if present in obj and needed not in obj:
            fail(issues, key, text, path)
    for key, name in (("tim-4", "duration"), ("tim-5", "period")):
        value = _number(obj.get(name))
        if value is not None and value < 0:
            fail(issues, key, f"{name} cannot be negative", f"{path}.{name}")
    if "offset" in obj:
        when = obj.get("when")
        if type(when) is not list or not when or any(type(w) is str and w in _MEAL_EVENTS for w in when):
            fail(issues, "tim-9", "an offset needs a when that is not a meal (C, CM, CD, CV)", path)
    if "timeOfDay" in obj and "when" in obj:
        fail(issues, "tim-10", "give timeOfDay or when, not both", path)


_ENTRY_REQUEST = {"batch", "transaction", "history"}
_ENTRY_RESPONSE = {"batch-response", "transaction-response", "history"}


def bundle_rules(obj: dict[str, Any], path: str, issues: list[Issue]) -> None:
    # A malformed type (a list, a number) is reported by the type checks; here it is just "no type".
    kind = obj.get("type") if isinstance(obj.get("type"), str) else None
    entries = obj.get("entry")
    if "total" in obj and kind not in ("searchset", "history"):
        fail(issues, "bdl-1", "total is only allowed in a searchset or history bundle", f"{path}.total")
    if type(entries) is not list:
        return
    for i, entry in enumerate(entries):
        if type(entry) is not dict:
            continue
        at = f"{path}.entry[{i}]"
        if "search" in entry and kind != "searchset":
            fail(issues, "bdl-2", "entry.search is only allowed in a searchset bundle", at)
        if ("request" in entry) != (kind in _ENTRY_REQUEST):
            fail(issues, "bdl-3", "entry.request is required in batch, transaction and history bundles "
                  "and not allowed in others", at)
        if ("response" in entry) != (kind in _ENTRY_RESPONSE):
            fail(issues, "bdl-4", "entry.response is required in batch-response, transaction-response "
                  "and history bundles and not allowed in others", at)
        if not any(k in entry for k in ("resource", "request", "response")):
            fail(issues, "bdl-5", "an entry must have a resource, a request or a response", at)
        url = entry.get("fullUrl")
        if type(url) is str and "/_history/" in url:
            fail(issues, "bdl-8", "fullUrl cannot be a version-specific reference", f"{at}.fullUrl")
    if kind != "history":
        seen: set[tuple[str, Any]] = set()
        for i, entry in enumerate(entries):
            url = entry.get("fullUrl") if type(entry) is dict else None
            if type(url) is str:
                res, version = entry.get("resource"), None
                if type(res) is dict and type(res.get("meta")) is dict:
                    version = res["meta"].get("versionId")
                key = (url, version if type(version) is str else None)
                if key in seen:
                    fail(issues, "bdl-7", f"fullUrl {url} appears twice in the bundle", f"{path}.entry[{i}].fullUrl")
                seen.add(key)
    if kind == "document":
        identifier = obj.get("identifier")
        if type(identifier) is not dict or "system" not in identifier or "value" not in identifier:
            fail(issues, "bdl-9", "a document needs an identifier with a system and a value", path)
        if "timestamp" not in obj:
            fail(issues, "bdl-10", "a document needs a timestamp", path)
    first = entries[0].get("resource") if entries and type(entries[0]) is dict else None
    first_type = first.get("resourceType") if type(first) is dict else None
    if kind == "document" and first_type != "Composition":
        fail(issues, "bdl-11", "a document must start with a Composition", f"{path}.entry[0]")
    if kind == "message" and first_type != "MessageHeader":
        fail(issues, "bdl-12", "a message must start with a MessageHeader", f"{path}.entry[0]")


CHECKS: dict[str, tuple[Check, ...]] = {
    "Extension": (ext_1,),
    "Period": (per_1,),
    "Quantity": (qty_3,),
    "Age": (qty_3,),
    "Count": (qty_3,),
    "Distance": (qty_3,),
    "Duration": (qty_3,),
    "ContactPoint": (cpt_2,),
    "Attachment": (att_1,),
    "Range": (rng_2,),
    "Ratio": (rat_1,),
    "Timing.repeat": (timing_repeat,),
    "Bundle": (bundle_rules,),
    **RESOURCE_CHECKS,
}


def attach(tables: Tables) -> None:
    for name, checks in CHECKS.items():
        node = tables.node_at(name)
        if node is None:
            raise LookupError(f"invariant for {name}, which the tables do not define")
        node.checks = checks
    extension = tables.types["Extension"]
    steps = {key: elem.name for key, elem in extension.elems.items()}
    extension.checks = (*extension.checks, extension_check(tables.extensions, steps))
