"""Parsing a query string into search criteria and result controls, with FHIR's escaping.

`a=1,2` is an OR of two values and `a=1&a=2` an AND of two criteria; `\\,` `\\|` `\\$` and `\\\\`
stand for the characters themselves. A parameter name carries an optional modifier
(`name:exact`), a chain (`subject:Patient.name`) or a reverse chain (`_has:Observation:patient:code`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .errors import SearchParamError

CONTROL = frozenset({
    "_count", "_sort", "_include", "_revinclude", "_summary", "_elements", "_total", "_page",
    "_contained", "_containedType", "_type",
})
IGNORED = frozenset({"_format", "_pretty"})  # the REST layer acts on these


def split_unescaped(text: str, sep: str) -> list[str]:
    """Split on `sep` where it is not escaped by a backslash; escapes are kept for the next split."""
    parts, cur, i = [], [], 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            cur.append(text[i : i + 2])
            i += 2
            continue
        if c == sep:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(c)
        i += 1
    parts.append("".join(cur))
    return parts


_UNESCAPE_RE = re.compile(r"\\([\\,|$])")


def unescape(text: str) -> str:
    return _UNESCAPE_RE.sub(r"\1", text)


@dataclass
class Criterion:
    """One `name[:modifier][.chain]=v1,v2` parameter: the values are ORed."""

    raw: str  # the name as given, for error messages
    code: str
    modifier: str = ""
    chain: str = ""  # the rest of the name after the first '.', e.g. "name" or "organization.name"
    values: list[str] = field(default_factory=list)  # still escaped for '|' and '$'
    # _has:Type:ref:rest  → has = (Type, ref), and the rest is parsed into `inner`.
    has: tuple[str, str] | None = None
    inner: Criterion | None = None


def parse_name(raw: str, values: str) -> Criterion:
    if raw.startswith("_has:"):
        pieces = raw.split(":", 3)
        if len(pieces) < 4 or not all(pieces[1:]):
            raise SearchParamError(raw, f"'{raw}' is not a valid _has parameter (_has:Type:reference:parameter)")
        inner = parse_name(pieces[3], values)
        return Criterion(raw, "_has", has=(pieces[1], pieces[2]), inner=inner, values=inner.values)
    head, dot, chain = raw.partition(".")
    code, colon, modifier = head.partition(":")
    if not code:
        raise SearchParamError(raw, f"'{raw}' is not a valid parameter name")
    return Criterion(raw, code, modifier, chain if dot else "", split_unescaped(values, ","))


@dataclass
class ParsedQuery:
    criteria: list[Criterion]
    controls: list[tuple[str, str]]


def parse_query(params: list[tuple[str, str]]) -> ParsedQuery:
    criteria: list[Criterion] = []
    controls: list[tuple[str, str]] = []
    for name, value in params:
        base = name.split(":")[0]
        if base in IGNORED:
            continue
        if base in CONTROL:
            controls.append((name, value))
            continue
        criteria.append(parse_name(name, value))
    return ParsedQuery(criteria, controls)
