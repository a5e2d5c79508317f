"""Checks for the FHIR primitive types: JSON kind, the definition's regex, and what a regex cannot say.

Each check takes the JSON value and returns None when it is valid, or a plain-English reason.
"""

from __future__ import annotations

import binascii
import math
import re
from collections.abc import Callable
from typing import Any

from .narrative import check_div

PrimitiveCheck = Callable[[Any], "str | None"]

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
# What a person reading the diagnostics needs to fix a value, per type.
FORMAT_HINTS = {
    "date": "YYYY, YYYY-MM or YYYY-MM-DD",
    "dateTime": "YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss+zz:zz",
    "instant": "YYYY-MM-DDThh:mm:ss.sss+zz:zz, with a time zone",
    "time": "hh:mm:ss",
    "id": "1 to 64 letters, digits, '-' or '.'",
    "code": "no leading, trailing or double whitespace",
    "oid": "urn:oid:1.2.3",
    "uuid": "urn:uuid: and a lower-case UUID",
    "uri": "no whitespace",
    "url": "no whitespace",
    "canonical": "no whitespace",
    "string": "at least one character",
    "markdown": "at least one character",
}
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}", re.ASCII)
_WHITESPACE = re.compile(r"\s+", re.ASCII)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_real_day(value: str) -> bool:
    """The regexes accept 2023-02-30; the spec says dates SHALL be valid dates."""
    if len(value) < 10:
        return True
    year, month, day = int(value[0:4]), int(value[5:7]), int(value[8:10])
    if month == 2 and day == 29:
        return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    return day <= _DAYS_IN_MONTH[month - 1]


def _string_check(type_name: str, regex: str | None) -> PrimitiveCheck:
    # re.ASCII: the definitions' \s and \S follow XML Schema (ASCII whitespace); Python's Unicode \s
    # would reject Vietnamese text containing a no-break space.
    match = re.compile(regex, re.ASCII).fullmatch if regex else None
    hint = FORMAT_HINTS.get(type_name, f"the {type_name} format")
    dated = type_name in ("date", "dateTime", "instant")

    def check(value: Any) -> str | None:
        if type(value) is not str:
            return f"{_show(value)} must be a JSON string ({type_name})"
        if match is not None and match(value) is None:
            if not value:
                return f"an empty string is not a valid {type_name}: leave the element out instead"
            return f"{_show(value)} is not a valid {type_name} (expected {hint})"
        if dated and not _is_real_day(value):
            return f"{_show(value)} is not a real calendar date"
        return None

    return check


def _boolean(value: Any) -> str | None:
    if type(value) is not bool:
        return f"{_show(value)} must be a JSON true or false (boolean)"
    return None


def _integer_check(type_name: str, low: int) -> PrimitiveCheck:
    def check(value: Any) -> str | None:
        if type(value) is not int:
            return f"{_show(value)} must be a JSON number without a fraction ({type_name})"
        if value < low or value > INT32_MAX:
            return f"{value} is out of range for {type_name} ({low} to {INT32_MAX})"
        return None

    return check


def _decimal(value: Any) -> str | None:
    kind = type(value)
    if kind is int:
        return None
    if kind is not float:
        return f"{_show(value)} must be a JSON number (decimal)"
    if not math.isfinite(value):
        return f"{value} is not a finite decimal"
    return None


def _base64(value: Any) -> str | None:
    # The definition's regex backtracks badly on large attachments; this is linear.
    if type(value) is not str:
        return f"{_show(value)} must be a JSON string (base64Binary)"
    compact = _WHITESPACE.sub("", value) if " " in value or "\n" in value or "\r" in value else value
    if len(compact) % 4 or _BASE64.fullmatch(compact) is None:
        return f"{_show(value)} is not valid base64"
    try:
        binascii.a2b_base64(compact, strict_mode=True)
    except binascii.Error:
        return f"{_show(value)} is not valid base64"
    return None


def _text_check(type_name: str) -> PrimitiveCheck:
    """string and markdown: the regex [ \\r\\n\\t\\S]+ only rules out "" and \\f, \\v; say so directly.

    Strings are most of the primitives in a resource, and two ``in`` scans cost a fraction of a
    regex match.
    """

    def check(value: Any) -> str | None:
        if type(value) is not str:
            return f"{_show(value)} must be a JSON string ({type_name})"
        if not value:
            return f"an empty string is not a valid {type_name}: leave the element out instead"
        if "\x0b" in value or "\x0c" in value:
            return f"{_show(value)} contains a vertical tab or form feed, which {type_name} does not allow"
        return None

    return check


def build_checks(primitives: dict[str, dict[str, Any]]) -> dict[str, PrimitiveCheck]:
    """One check per primitive type, from the generated ``primitives`` table."""
    checks: dict[str, PrimitiveCheck] = {}
    for name, spec in primitives.items():
        if name == "boolean":
            checks[name] = _boolean
        elif name == "decimal":
            checks[name] = _decimal
        elif spec["json"] == "integer":
            checks[name] = _integer_check(name, {"positiveInt": 1, "unsignedInt": 0}.get(name, INT32_MIN))
        elif name == "base64Binary":
            checks[name] = _base64
        elif name == "xhtml":
            checks[name] = check_div
        elif name in ("string", "markdown") and spec.get("regex") == r"[ \r\n\t\S]+":
            checks[name] = _text_check(name)
        else:
            checks[name] = _string_check(name, spec.get("regex"))
    return checks
