"""The parameters R4 types `special` or leaves without an expression: `_text`, `_content` and
Location `near`. Their index rows (built here, called from indexer.rows_for, the one place that
defines index rows) and their SQL conditions.

- `_text` holds the words of the narrative (`text.div` without its markup), `_content` the words of
  every human-readable string of the resource (narrative included; ids, references, systems and
  URLs left out). Each is one row of distinct folded words, each preceded by a space. A search
  term matches a word by accent- and case-insensitive prefix (`_content=nguyen` finds "Nguyễn
  Văn"); the terms of one value must all match (AND), commas are OR. Phrases are not matched as
  phrases. The condition is a LIKE over the type's text rows: a scan of that type, not an index
  range, which is what "cheap" buys.
- `near=lat|long|distance|units` keeps Locations whose `position` lies within the distance on the
  WGS84 mean sphere (great-circle). Positions are stored with their point on the unit sphere, so
  the test is the chord length, plain arithmetic on SQLite and PostgreSQL alike, after a latitude
  band the (resource_type, param, lat) index serves. Units: km (default), m, [mi_i] (UCUM);
  without a distance, 10 km.
"""

from __future__ import annotations

import html
import math
import re
from typing import Any

from .errors import SearchParamError, malformed
from .matchers import like_escape
from .params import unescape
from .values import fold

TEXT_PARAMS = ("_text", "_content")
NEAR = "near"
EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius
DEFAULT_NEAR_KM = 10.0
UNITS_KM = {"km": 1.0, "m": 0.001, "[mi_i]": 1.609344, "mi": 1.609344}
# Keys whose strings are identifiers of things, not text a person would search for.
_NOT_TEXT = frozenset({"id", "reference", "system", "url", "fullUrl", "div", "status", "resourceType", "profile",
                       "versionId", "lastUpdated", "source"})
_TAG = re.compile(r"<[^>]*>")
_WORD = re.compile(r"\w[\w-]*\w|\w")  # hyphenated codes and ids stay one word (8867-4)

Rows = dict[str, list[tuple[Any, ...]]]


def words(texts: list[str]) -> str:
    """Distinct folded words, in order of first appearance, each after a space."""
    # One regex pass over all texts: a newline is neither a word character nor a hyphen, so no
    # word spans two texts, and each text is still folded on its own (fold is memoised per string).
    seen = dict.fromkeys(_WORD.findall("\n".join(map(fold, texts))))
    return " " + " ".join(seen) if seen else ""


def narrative(resource: dict[str, Any]) -> str:
    text = resource.get("text")
    div = text.get("div") if isinstance(text, dict) else None
    return html.unescape(_TAG.sub(" ", div)) if isinstance(div, str) else ""


def _strings(value: Any, out: list[str]) -> None:
    """Every text string under `value`, in document order, appended to `out`."""
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict):
        _dict_strings(value, out)
    elif isinstance(value, list):
        _list_strings(value, out)


# Whether a key's value is searchable text, by key: JSON keys are few and repeat on every resource.
_TEXT_KEYS: dict[str, bool] = {}


# _strings split by container, with exact-type tests first and strings appended without a call:
# parsed JSON is plain dicts, lists and strs, and this walk visits every element of every
# imported resource (a third of the indexer's time before). Other types fall back to _strings.
def _dict_strings(node: dict[str, Any], out: list[str]) -> None:
    for key, item in node.items():
        text = _TEXT_KEYS.get(key)
        if text is None:
            text = key not in _NOT_TEXT and not key.startswith("_")
            if len(_TEXT_KEYS) < 4096:  # R4 has fewer element names; stay bounded whatever arrives
                _TEXT_KEYS[key] = text
        if not text:
            continue
        kind = type(item)
        if kind is str:
            out.append(item)
        elif kind is dict:
            _dict_strings(item, out)
        elif kind is list:
            _list_strings(item, out)
        elif kind is not bool and kind is not int and kind is not float:
            _strings(item, out)


def _list_strings(node: list[Any], out: list[str]) -> None:
    for item in node:
        kind = type(item)
        if kind is str:
            out.append(item)
        elif kind is dict:
            _dict_strings(item, out)
        elif kind is list:
            _list_strings(item, out)
        elif kind is not bool and kind is not int and kind is not float:
            _strings(item, out)


def _position(resource: dict[str, Any]) -> tuple[float, float] | None:
    pos = resource.get("position")
    if not isinstance(pos, dict):
        return None
    lat, long = pos.get("latitude"), pos.get("longitude")
    if isinstance(lat, bool) or isinstance(long, bool) or not isinstance(lat, (int, float)) \
            or not isinstance(long, (int, float)):
        return None
    return float(lat), float(long)


def unit_point(lat: float, long: float) -> tuple[float, float, float]:
    phi, lam = math.radians(lat), math.radians(long)
    return math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi)


def add_rows(rows: Rows, resource: dict[str, Any], rid: str, tenant: str) -> None:
    """The `_text`, `_content` and `near` rows of one resource."""
    rtype = resource["resourceType"]
    story = narrative(resource)
    if story.strip():
        rows["text"].append((rtype, rid, "_text", tenant, 0, words([story])))
    texts: list[str] = [story] if story else []
    _strings(resource, texts)
    content = words(texts)
    if content:
        rows["text"].append((rtype, rid, "_content", tenant, 0, content))
    if rtype == "Location":
        point = _position(resource)
        if point is not None:
            rows["position"].append((rtype, rid, NEAR, tenant, 0, *point, *unit_point(*point)))


def text_match(raw: str, a: str, modifier: str, value: str) -> tuple[str, list[Any]]:
    """One value of `_text`/`_content` on the text row `a`: every term a word prefix."""
    if modifier:
        raise SearchParamError(raw, f"the modifier ':{modifier}' is not supported on {raw.split(':')[0]}")
    terms = _WORD.findall(fold(unescape(value)))
    if not terms:
        raise malformed(raw, value, "expected at least one word")
    return " AND ".join(f"{a}.value LIKE %s ESCAPE '\\'" for _ in terms), ["% " + like_escape(t) + "%" for t in terms]


def near_match(raw: str, a: str, modifier: str, value: str) -> tuple[str, list[Any]]:
    """One value of `near` on the position row `a`."""
    if modifier:
        raise SearchParamError(raw, f"the modifier ':{modifier}' is not supported on near")
    parts = [unescape(p) for p in value.split("|")]
    if len(parts) < 2 or len(parts) > 4:
        raise malformed(raw, value, "expected latitude|longitude|distance|units")
    try:
        lat, long = float(parts[0]), float(parts[1])
        distance = float(parts[2]) if len(parts) > 2 and parts[2] else None
    except ValueError as exc:
        raise malformed(raw, value, "latitude, longitude and distance must be numbers") from exc
    if not (-90 <= lat <= 90 and -180 <= long <= 180) or (distance is not None and distance < 0):
        raise malformed(raw, value, "latitude must be within ±90, longitude ±180, the distance not negative")
    unit = parts[3] if len(parts) > 3 and parts[3] else "km"
    if unit not in UNITS_KM:
        raise malformed(raw, value, f"unknown unit '{unit}' (use km, m or [mi_i])")
    km = DEFAULT_NEAR_KM if distance is None else distance * UNITS_KM[unit]
    angle = min(km / EARTH_RADIUS_KM, math.pi)  # central angle, radians
    chord2 = (2 * math.sin(angle / 2)) ** 2
    band = math.degrees(angle)
    x, y, z = unit_point(lat, long)
    # A tiny tolerance so points exactly at the distance are not lost to rounding.
    sql = (f"{a}.lat >= %s AND {a}.lat <= %s AND ({a}.x - %s) * ({a}.x - %s) + ({a}.y - %s) * ({a}.y - %s)"
           f" + ({a}.z - %s) * ({a}.z - %s) <= %s")
    return sql, [lat - band, lat + band, x, x, y, y, z, z, chord2 * (1 + 1e-12) + 1e-15]


def distance_km(lat1: float, long1: float, lat2: float, long2: float) -> float:
    """Great-circle distance on the mean sphere (haversine), for tests and in-memory checks."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(long2 - long1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
