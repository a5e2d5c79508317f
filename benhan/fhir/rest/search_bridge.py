"""The REST API's door to the search engine (benhan.fhir.search, owned by the search module).

Search requests are answered with the engine's Bundle bytes; conditional interactions and
conditional references ask the same engine which resources match, so there is one search, not two.
"""

from __future__ import annotations

from ..repository import Repository
from ..store import Stored


def search(
    repo: Repository, resource_type: str | None, params: list[tuple[str, str]], base: str, *,
    compartment: tuple[str, str] | None = None, lenient: bool = False,
) -> bytes:
    from benhan.fhir.search import search as run_search

    result = run_search(repo, resource_type, params, base_url=base, compartment=compartment, lenient=lenient)
    return result.to_bytes(pretty=False)


def matches(repo: Repository, resource_type: str, params: list[tuple[str, str]]) -> list[Stored]:
    """Resources of `resource_type` matching the criteria; two are enough to know it is not one."""
    from benhan.fhir.search import conditional_matches

    return conditional_matches(repo, resource_type, params, limit=2)
