"""A FHIR interaction request and its result, independent of HTTP.

The HTTP view and the batch/transaction processor both build FhirRequests and render FhirResults, so
one interaction behaves the same whether it arrives alone or as a Bundle entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import FhirError, Issue
from ..store import Stored
from .routing import Route

RETURN_MINIMAL = "minimal"
RETURN_REPRESENTATION = "representation"
RETURN_OUTCOME = "OperationOutcome"


@dataclass
class FhirRequest:
    method: str
    route: Route
    params: list[tuple[str, str]] = field(default_factory=list)
    body: Any = None  # parsed JSON, or None
    if_match: int | None = None
    if_none_exist: str | None = None
    if_none_match: int | None = None  # a conditional read: 304 when the current version is this one
    prefer_return: str = ""  # "" when the client sent no Prefer: return=...
    lenient: bool = False  # Prefer: handling=lenient (search ignores unknown parameters)
    base: str = ""


@dataclass
class FhirResult:
    status: int
    stored: Stored | None = None  # the resource version the result is about
    body: bytes | None = None  # a rendered body (Bundle, OperationOutcome) instead of the resource
    issues: list[Issue] = field(default_factory=list)  # informational outcome for return=OperationOutcome
    location: bool = False  # send Location (create) rather than only Content-Location
    headers: dict[str, str] = field(default_factory=dict)


def parse_etag(value: str | None, header: str = "If-Match") -> int | None:
    """`W/"3"` (or `"3"`, or `3`) to 3."""
    if value is None or value == "":
        return None
    text = value.strip()
    if text.startswith("W/"):
        text = text[2:]
    text = text.strip('"')
    if not text.isdigit():
        raise FhirError(400, [Issue("invalid", f"{header} '{value}' is not a version ETag such as W/\"3\"")])
    return int(text)


def parse_prefer(value: str | None) -> str:
    if not value:
        return ""
    for part in value.split(";"):
        for token in part.split(","):
            name, _, v = token.strip().partition("=")
            if name.strip().lower() == "return":
                v = v.strip().strip('"')
                if v in (RETURN_MINIMAL, RETURN_REPRESENTATION, RETURN_OUTCOME):
                    return v
    return ""


def prefers_lenient(value: str | None) -> bool:
    return bool(value) and "handling=lenient" in str(value).replace(" ", "").lower()
