"""`_sort` keys as SQL expressions, and keyset conditions that continue a sorted listing.

A parameter's sort key is the lowest of its values for ascending order and the highest for
descending (a date's low bound ascending, its high bound descending), read from the index table by
a correlated subquery. Resources without a value sort last either way (a sentinel replaces NULL,
which the two databases would otherwise place differently). On PostgreSQL strings compare with
COLLATE "C" so the order is byte order, as on SQLite, whatever the database's locale.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .dates import NEG_INF, POS_INF
from .definitions import params_for
from .errors import SearchParamError
from .indexer import TABLES

_COLUMN = {
    "string": "value", "token": "code", "reference": "target_id", "number": "value", "quantity": "value",
    "uri": "value",
}
_STRING_KINDS = {"string", "token", "reference", "uri"}
_HIGH_TEXT = "\uffff"
_HIGH_NUM, _LOW_NUM = 1e300, -1e300


@dataclass(frozen=True)
class SortKey:
    sql: str  # an expression over the resource alias `r`
    params: tuple[object, ...]
    desc: bool
    kind: str  # text, number, instant


def collate(sql: str, vendor: str) -> str:
    return f'({sql}) COLLATE "C"' if vendor == "postgresql" else sql


def sort_key(rtype: str | None, spec: str, vendor: str) -> SortKey:
    desc = spec.startswith("-")
    code = spec[1:] if desc else spec
    if code == "_id":
        return SortKey(collate("r.resource_id", vendor), (), desc, "text")
    if code == "_lastUpdated":
        return SortKey("r.last_updated", (), desc, "instant")
    if rtype is None:
        raise SearchParamError("_sort", f"'{code}' cannot sort a search across all types; use _id or _lastUpdated")
    param = params_for(rtype).get(code)
    if param is None:
        raise SearchParamError("_sort", f"unknown sort parameter '{code}' for {rtype}")
    kind = param.type
    if kind == "date":
        agg, col, missing = ("MAX", "high", NEG_INF) if desc else ("MIN", "low", POS_INF)
        sub = (f"(SELECT {agg}(s.{col}) FROM {TABLES['date']} s WHERE s.resource_type = r.resource_type"
               f" AND s.resource_id = r.resource_id AND s.param = %s)")
        return SortKey(f"COALESCE({sub}, %s)", (param.key, missing), desc, "number")
    if kind not in _COLUMN:
        raise SearchParamError("_sort", f"'{code}' is a {kind} parameter, which cannot be sorted on")
    agg = "MAX" if desc else "MIN"
    sub = (f"(SELECT {agg}(s.{_COLUMN[kind]}) FROM {TABLES[kind]} s WHERE s.resource_type = r.resource_type"
           f" AND s.resource_id = r.resource_id AND s.param = %s)")
    if kind in _STRING_KINDS:
        missing_text = "" if desc else _HIGH_TEXT
        return SortKey(collate(f"COALESCE({sub}, %s)", vendor), (param.key, missing_text), desc, "text")
    return SortKey(f"COALESCE({sub}, %s)", (param.key, _LOW_NUM if desc else _HIGH_NUM), desc, "number")


def order_by(keys: list[SortKey], reverse: bool = False) -> tuple[str, list[Any]]:
    parts: list[str] = []
    params: list[Any] = []
    for k in keys:
        desc = k.desc != reverse
        parts.append(f"{k.sql} {'DESC' if desc else 'ASC'}")
        params.extend(k.params)
    return ", ".join(parts), params


def after(keys: list[SortKey], values: list[Any], reverse: bool = False) -> tuple[str, list[Any]]:
    """Rows strictly after (or, reversed, before) the row whose keys had `values`, in key order."""
    ors, params = [], []
    for i, key in enumerate(keys):
        ands, p = [], []
        for prior, value in zip(keys[:i], values[:i], strict=True):
            ands.append(f"{prior.sql} = %s")
            p.extend([*prior.params, value])
        op = "<" if key.desc != reverse else ">"
        ands.append(f"{key.sql} {op} %s")
        p.extend([*key.params, values[i]])
        ors.append("(" + " AND ".join(ands) + ")")
        params.extend(p)
    return "(" + " OR ".join(ors) + ")", params


def encode_value(value: object) -> object:
    """A key value as JSON for the page token."""
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    return value


def decode_value(value: object) -> object:
    if isinstance(value, dict) and "dt" in value:
        return datetime.fromisoformat(str(value["dt"]))
    return value
