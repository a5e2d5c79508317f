"""SQL conditions on one index row (`{a}` is the row's alias) for one search value of each type.

Each function takes the modifier and one value (already split on commas, still escaped for `|`
and `$`) and returns (sql, params). They raise SearchParamError naming the parameter when the value
is malformed. The semantics follow the R4 search page: strings by accent- and case-insensitive
prefix, tokens by system|code, dates and numbers with prefixes over the range the value's
precision implies.
"""

from __future__ import annotations

import re
import time
from decimal import Decimal, InvalidOperation
from typing import Any

from benhan.vn.text import fold

from .dates import parse_range
from .errors import SearchParamError, malformed, unsupported
from .params import split_unescaped, unescape

PREFIXES = ("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap")
_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")

Sql = tuple[str, list[Any]]


def like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def prefix_match(column: str, text: str, vendor: str) -> Sql:
    """`column` starts with `text`: LIKE on PostgreSQL (served by a pattern_ops index), and on SQLite
    the same LIKE plus a range the ordinary index can serve (SQLite's LIKE cannot use it)."""
    sql = f"{column} LIKE %s ESCAPE '\\'"
    params: list[Any] = [like_escape(text) + "%"]
    if vendor == "sqlite" and text:
        sql = f"{column} >= %s AND {column} < %s AND " + sql
        params = [text, text[:-1] + chr(ord(text[-1]) + 1), *params]
    return sql, params


def split_prefix(param: str, value: str) -> tuple[str, str]:
    if len(value) > 2 and value[:2] in PREFIXES:
        return value[:2], value[2:]
    if len(value) >= 2 and value[:2].isalpha():
        raise malformed(param, value, f"'{value[:2]}' is not a search prefix ({', '.join(PREFIXES)})")
    return "eq", value


def string_match(param: str, a: str, modifier: str, value: str, vendor: str) -> Sql:
    text = unescape(value)
    if modifier == "exact":
        return f"{a}.exact = %s", [text]
    folded = fold(text)
    if modifier == "contains":
        return f"{a}.value LIKE %s ESCAPE '\\'", ["%" + like_escape(folded) + "%"]
    if modifier == "":
        return prefix_match(f"{a}.value", folded, vendor)
    raise unsupported(param, f"the modifier ':{modifier}' does not apply to string parameters")


def token_match(param: str, a: str, modifier: str, value: str, vendor: str) -> Sql:
    if modifier == "text":
        folded = fold(unescape(value))
        sql, params = prefix_match(f"{a}.text", folded, vendor)
        return f"(({sql}) OR {a}.text LIKE %s ESCAPE '\\')", [*params, "% " + like_escape(folded) + "%"]
    parts = split_unescaped(value, "|")
    if modifier == "of-type":
        if len(parts) != 3:
            raise malformed(param, value, "':of-type' takes system|code|value")
        system, code, ident = (unescape(p) for p in parts)
        return f"{a}.system = %s AND {a}.code = %s", [system, f"{code}|{ident}"]
    if len(parts) == 1:
        return f"{a}.code = %s", [unescape(parts[0])]
    if len(parts) != 2:
        raise malformed(param, value, "a token is code, system|code, |code or system|")
    system, code = unescape(parts[0]), unescape(parts[1])
    if code == "":
        return f"{a}.system = %s", [system]
    return f"{a}.code = %s AND {a}.system = %s", [code, system]


def date_match(param: str, a: str, value: str, now_ms: int | None = None) -> Sql:
    prefix, text = split_prefix(param, value)
    rng = parse_range(text)
    if rng is None:
        raise malformed(param, value, "expected a date such as 1970, 1970-05, 1970-05-12 or 1970-05-12T10:00:00+07:00")
    return date_range_match(a + ".low", a + ".high", prefix, rng, now_ms)


def date_range_match(low: str, high: str, prefix: str, rng: tuple[int, int], now_ms: int | None = None) -> Sql:
    """A stored range [low, high] against the query range, by prefix (R4 search, 'date')."""
    ql, qh = rng
    if prefix == "eq":
        # `low <= qh` follows from the others (low <= high); it bounds the (low, ...) index range,
        # which otherwise runs from ql to the end of time and made PostgreSQL scan the table.
        return f"{low} >= %s AND {low} <= %s AND {high} <= %s", [ql, qh, qh]
    if prefix == "ne":
        return f"({low} < %s OR {high} > %s)", [ql, qh]
    if prefix == "gt":
        return f"{high} > %s", [qh]
    if prefix == "lt":
        return f"{low} < %s", [ql]
    if prefix == "ge":
        return f"{high} >= %s", [ql]
    if prefix == "le":
        return f"{low} <= %s", [qh]
    if prefix == "sa":
        return f"{low} > %s", [qh]
    if prefix == "eb":
        return f"{high} < %s", [ql]
    # ap: overlaps the value widened by 10% of its distance from now (at least its own precision).
    now = int(time.time() * 1000) if now_ms is None else now_ms
    slack = max(abs(now - ql) // 10, qh - ql + 1)
    return f"{low} <= %s AND {high} >= %s", [qh + slack, ql - slack]


def parse_number(param: str, value: str, text: str) -> Decimal:
    if not _NUMBER_RE.match(text):
        raise malformed(param, value, "expected a number")
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise malformed(param, value, "expected a number") from exc


def number_bounds(number: Decimal) -> tuple[float, float]:
    """The implicit range of a number's precision: 100 → [99.5, 100.5), 1.50 → [1.495, 1.505)."""
    exponent = number.as_tuple().exponent
    half = Decimal(5).scaleb(int(exponent) - 1) if isinstance(exponent, int) else Decimal(0)
    return float(number - half), float(number + half)


def number_match(param: str, column: str, value: str) -> Sql:
    prefix, text = split_prefix(param, value)
    number = parse_number(param, value, text)
    lo, hi = number_bounds(number)
    v = float(number)
    if prefix == "eq":
        return f"{column} >= %s AND {column} < %s", [lo, hi]
    if prefix == "ne":
        return f"({column} < %s OR {column} >= %s)", [lo, hi]
    if prefix in ("gt", "sa"):
        return f"{column} > %s", [v]
    if prefix in ("lt", "eb"):
        return f"{column} < %s", [v]
    if prefix == "ge":
        return f"{column} >= %s", [v]
    if prefix == "le":
        return f"{column} <= %s", [v]
    slack = abs(v) / 10
    return f"{column} >= %s AND {column} <= %s", [v - slack, v + slack]


def quantity_match(param: str, a: str, value: str) -> Sql:
    parts = split_unescaped(value, "|")
    if len(parts) not in (1, 3):
        raise malformed(param, value, "a quantity is [prefix]number or [prefix]number|system|code")
    sql, params = number_match(param, f"{a}.value", parts[0])
    if len(parts) == 3:
        system, code = unescape(parts[1]), unescape(parts[2])
        if system:
            sql += f" AND {a}.system = %s AND {a}.code = %s"
            params += [system, code]
        elif code:
            sql += f" AND ({a}.code = %s OR {a}.unit = %s)"
            params += [code, code]
    return sql, params


def uri_match(param: str, a: str, modifier: str, value: str, vendor: str) -> Sql:
    text = unescape(value)
    if modifier == "":
        return f"{a}.value = %s", [text]
    if modifier == "below":
        return prefix_match(f"{a}.value", text, vendor)
    if modifier == "above":
        pieces = text.split("/")
        candidates = ["/".join(pieces[:i]) for i in range(1, len(pieces) + 1)]
        return f"{a}.value IN ({', '.join(['%s'] * len(candidates))})", list(candidates)
    raise SearchParamError(param, f"the modifier ':{modifier}' does not apply to uri parameters")
