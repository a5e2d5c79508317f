"""From the elements a search parameter selects to the typed values its index table stores.

The element's shape tells its FHIR type (a dict with `coding` is a CodeableConcept, one with
`reference` a Reference, one with `start`/`end` a Period...), which spares a type-resolution pass
over the StructureDefinitions on every write. Each function returns tuples in the column order of
its table in models.py.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from benhan.vn.text import fold as _fold

from .dates import NEG_INF, POS_INF, parse_range

_NAME_PARTS = ("family", "given", "prefix", "suffix", "text")
_ADDRESS_PARTS = ("line", "city", "district", "state", "postalCode", "country", "text")
MAX_LEN = 255


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """benhan.vn.text.fold, remembered: displays and names repeat across resources."""
    return _fold(text)


def _clip(text: str) -> str:
    return text[:MAX_LEN]


def string_values(value: Any) -> list[tuple[str, str]]:
    """(folded, exact) for every string part: each part of a HumanName or Address on its own."""
    texts: list[str] = []
    if isinstance(value, str):
        texts.append(value)
    elif isinstance(value, dict):
        keys = _NAME_PARTS if ("family" in value or "given" in value) else _ADDRESS_PARTS
        found = False
        for key in keys:
            part = value.get(key)
            if isinstance(part, str):
                texts.append(part)
                found = True
            elif isinstance(part, list):
                texts.extend(p for p in part if isinstance(p, str))
                found = True
        if not found:
            texts.extend(v for v in value.values() if isinstance(v, str))
        # A full name also matches as written in Vietnamese order: "Nguyễn Văn An".
        if "family" in value and isinstance(value.get("given"), list):
            given = " ".join(g for g in value["given"] if isinstance(g, str))
            if isinstance(value["family"], str) and given and "text" not in value:
                texts.append(f"{value['family']} {given}")
    return [(_clip(fold(t)), _clip(t)) for t in texts if t]


def token_values(value: Any) -> list[tuple[str, str, str]]:
    """(system, code, folded text) rows: a Coding per row; an Identifier or ContactPoint's value as code."""
    if isinstance(value, bool):
        return [("", "true" if value else "false", "")]
    if isinstance(value, str | int | float):
        return [("", _clip(str(value)), "")]
    if not isinstance(value, dict):
        return []
    if "coding" in value or ("text" in value and "value" not in value and "code" not in value):
        text = fold(value["text"]) if isinstance(value.get("text"), str) else ""
        rows = []
        for coding in value.get("coding") or ():
            if isinstance(coding, dict):
                display = coding.get("display")
                rows.append((
                    _clip(str(coding.get("system") or "")), _clip(str(coding.get("code") or "")),
                    _clip(text or (fold(display) if isinstance(display, str) else "")),
                ))
        if not rows and text:
            rows.append(("", "", _clip(text)))
        return rows
    if "code" in value and "value" not in value:  # Coding
        display = value.get("display")
        return [(_clip(str(value.get("system") or "")), _clip(str(value["code"])),
                 _clip(fold(display) if isinstance(display, str) else ""))]
    if "value" in value:  # Identifier, ContactPoint
        type_text = ""
        typ = value.get("type")
        if isinstance(typ, dict) and isinstance(typ.get("text"), str):
            type_text = fold(typ["text"])
        return [(_clip(str(value.get("system") or "")), _clip(str(value["value"])), _clip(type_text))]
    return []


def identifier_type_values(value: Any) -> list[tuple[str, str, str]]:
    """Rows for `identifier:of-type=system|code|value`: the type's coding system, and code|value."""
    if not isinstance(value, dict) or "value" not in value or not isinstance(value.get("type"), dict):
        return []
    return [
        (_clip(str(c.get("system") or "")), _clip(f"{c.get('code') or ''}|{value['value']}"), "")
        for c in value["type"].get("coding") or () if isinstance(c, dict)
    ]


# References repeat across resources (every entry of a record names the same patient and encounter).
@lru_cache(maxsize=65536)
def split_reference(ref: str) -> tuple[str, str, str]:
    """(type, id, url) of a reference string: relative `Patient/1`, absolute URL, or canonical."""
    if ref.startswith("#") or ref.startswith("urn:"):
        return "", "", _clip(ref)
    base = ref.split("|")[0].split("/_history")[0]
    parts = base.rstrip("/").split("/")
    # A FHIR type and id fit their 64-character columns; anything longer is kept only as a URL.
    if len(parts) >= 2 and parts[-2][:1].isupper() and "://" not in parts[-2] and len(parts[-2]) <= 64 \
            and 0 < len(parts[-1]) <= 64:
        is_absolute = "://" in base
        return parts[-2], parts[-1], _clip(base) if is_absolute else ""
    return "", "", _clip(base)


def reference_values(value: Any) -> list[tuple[str, str, str]]:
    if isinstance(value, str):  # canonical or uri
        return [split_reference(value)]
    if isinstance(value, dict) and isinstance(value.get("reference"), str):
        return [split_reference(value["reference"])]
    return []


def reference_identifier_values(value: Any) -> list[tuple[str, str, str]]:
    """Token rows for `param:identifier`, from Reference.identifier."""
    if isinstance(value, dict) and isinstance(value.get("identifier"), dict):
        return token_values(value["identifier"])
    return []


def date_values(value: Any) -> list[tuple[int, int]]:
    if isinstance(value, str):
        rng = parse_range(value)
        return [rng] if rng else []
    if not isinstance(value, dict):
        return []
    if "start" in value or "end" in value:  # Period: an open end is unbounded
        low = parse_range(value["start"]) if isinstance(value.get("start"), str) else None
        high = parse_range(value["end"]) if isinstance(value.get("end"), str) else None
        if low is None and high is None:
            return []
        return [(low[0] if low else NEG_INF, high[1] if high else POS_INF)]
    if "event" in value or "repeat" in value:  # Timing
        rows = [r for e in value.get("event") or () for r in date_values(e)]
        bounds = (value.get("repeat") or {}).get("boundsPeriod")
        if bounds:
            rows.extend(date_values(bounds))
        return rows
    return []


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    return None


def number_values(value: Any) -> list[tuple[float]]:
    n = _number(value)
    if n is None and isinstance(value, dict):
        n = _number(value.get("value"))
    return [(n,)] if n is not None else []


def quantity_values(value: Any) -> list[tuple[float, str, str, str]]:
    if not isinstance(value, dict):
        n = _number(value)
        return [(n, "", "", "")] if n is not None else []
    n = _number(value.get("value"))
    if n is None:
        return []
    if "currency" in value:  # Money
        return [(n, "urn:iso:std:iso:4217", _clip(str(value["currency"])), _clip(str(value["currency"])))]
    return [(n, _clip(str(value.get("system") or "")), _clip(str(value.get("code") or "")),
             _clip(str(value.get("unit") or "")))]


def uri_values(value: Any) -> list[tuple[str]]:
    if isinstance(value, str):
        return [(_clip(value),)]
    return []


EXTRACTORS: dict[str, Callable[[Any], list[tuple[Any, ...]]]] = {
    "string": string_values,
    "token": token_values,
    "reference": reference_values,
    "date": date_values,
    "number": number_values,
    "quantity": quantity_values,
    "uri": uri_values,
}
