"""Content negotiation: benhan speaks FHIR JSON only.

An Accept header or `_format` asking for anything else gets 406; a request body in another format
gets 415. Both answer with an OperationOutcome (in JSON, the one format we have).
"""

from __future__ import annotations

from ..errors import FhirError, Issue

FHIR_JSON = "application/fhir+json"
JSON_PATCH = "application/json-patch+json"
FORM = "application/x-www-form-urlencoded"

# Media types (and `_format` shorthands) that mean "FHIR JSON". `application/json+fhir` is the DSTU2
# name some clients still send.
_JSON_TYPES = frozenset({
    "application/fhir+json", "application/json", "application/json+fhir", "json", "fhir+json", "text/json",
})
_ANY = frozenset({"*/*", "application/*"})


def _media_type(value: str) -> str:
    return value.split(";", 1)[0].strip().lower()


def check_format_param(value: str | None) -> None:
    if value is None:
        return
    if _media_type(value) not in _JSON_TYPES:
        raise FhirError(406, [Issue("not-supported", f"_format={value} is not supported; this server speaks JSON only",
                                    ("_format",))])


def check_accept(header: str) -> None:
    """Refuse only when no listed media type can be served as JSON (q=0 entries do not count)."""
    if not header:
        return
    for part in header.split(","):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if any(p.replace(" ", "") in ("q=0", "q=0.0", "q=0.00", "q=0.000") for p in pieces[1:]):
            continue
        if media in _JSON_TYPES or media in _ANY or not media:
            return
    raise FhirError(406, [Issue("not-supported", f"cannot answer in '{header}'; this server speaks application/fhir+json only")])


def check_body_type(content_type: str, *, allowed: frozenset[str]) -> None:
    media = _media_type(content_type)
    if media and media not in allowed:
        raise FhirError(415, [Issue("not-supported", f"a body in '{media}' is not accepted here; send {' or '.join(sorted(allowed))}")])


RESOURCE_BODY = _JSON_TYPES
PATCH_BODY = frozenset({JSON_PATCH})
SEARCH_BODY = frozenset({FORM})
