"""Conditional interactions and references: which stored resources a search condition names.

`If-None-Exist: identifier=x`, `PUT Patient?identifier=x`, `DELETE Patient?identifier=x` and a
reference `Patient?identifier=x` inside a transaction all ask the search engine (through the
repository, so the actor's policy applies) for the resources matching the criteria.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from .errors import FhirError, Issue
from .repository import Repository
from .store import Stored


def parse_criteria(query: str | list[tuple[str, str]]) -> list[tuple[str, str]]:
    if isinstance(query, list):
        return query
    text = query[1:] if query.startswith("?") else query
    if "?" in text:  # "Patient?identifier=x": the type is given separately
        text = text.split("?", 1)[1]
    criteria = parse_qsl(text, keep_blank_values=True)
    if not criteria:
        raise FhirError(400, [Issue("invalid", f"'{query}' names no search criteria")])
    return criteria


def matches(repo: Repository, resource_type: str, query: str | list[tuple[str, str]]) -> list[Stored]:
    """Up to two matching resources (enough to tell none, one and several apart)."""
    from .rest.search_bridge import matches as search_matches

    return search_matches(repo, resource_type, parse_criteria(query))


def resolve_reference(repo: Repository, reference: str) -> str:
    """`Patient?identifier=x` to `Patient/<id>`; it must match exactly one resource."""
    resource_type, _, query = reference.partition("?")
    found = matches(repo, resource_type, query)
    if len(found) != 1:
        raise FhirError(
            412 if found else 404,
            [Issue("multiple-matches" if found else "not-found",
                   f"the conditional reference '{reference}' matches {'several resources' if found else 'no resource'}")],
        )
    return found[0].reference
