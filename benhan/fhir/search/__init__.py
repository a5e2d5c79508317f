"""FHIR R4 search: typed index tables filled at write time, and a search API over them.

The REST layer calls exactly these (all policy checks, tenancy, patient compartments and the audit
row happen inside; nothing here needs an HTTP request):

    from benhan.fhir.search import search, conditional_matches

    result = search(repo, "Observation", [("subject", "Patient/1"), ("_sort", "-date")],
                    base_url="https://host/fhir", compartment=None, lenient=False)
    body: bytes = result.to_bytes(pretty=False)   # a searchset Bundle

- `resource_type` is None for a search across all types (GET /fhir?_id=…, only _id, _lastUpdated,
  _tag, _profile, _security, _source apply), `compartment=("Patient", "123")` for
  GET /fhir/Patient/123/Observation?…, `lenient=True` under `Prefer: handling=lenient` (unknown
  parameters are then ignored and reported in an OperationOutcome entry, search.mode = outcome).
- POST /fhir/T/_search: merge the form body's pairs and the URL's pairs into `params`.
- `params` keeps repeats and order: a list of (name, value) pairs as decoded from the query string.
- Errors are raised as benhan.fhir.errors.FhirError: 400 for an unknown, unsupported or malformed
  parameter (its name is in issue.expression), 403 for scopes, 404 for an unknown type.
- The `next`/`previous` links carry a signed `_page` token; pass it back as an ordinary parameter.
- `result.entries` (matches first, then includes), `result.total`, `result.matches`; each entry's
  `.stored()` gives a benhan.fhir.store.Stored.

    stored_list = conditional_matches(repo, "Patient", [("identifier", "sys|123")], limit=2)

returns up to `limit` matching current resources (as Stored) for conditional create, update and
delete: 0 → create, 1 → that one, 2 → 412 Precondition Failed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from benhan.fhir.repository import Repository
    from benhan.fhir.store import Stored

    from .engine import SearchResult

# This package is also a Django app, imported before models are ready: load the engine lazily.


def __getattr__(name: str) -> Any:
    if name == "SearchResult":
        from .engine import SearchResult

        return SearchResult
    raise AttributeError(name)

__all__ = ["SearchResult", "conditional_matches", "search"]


def search(repo: Repository, resource_type: str | None, params: list[tuple[str, str]], *, base_url: str,
           compartment: tuple[str, str] | None = None, lenient: bool = False) -> SearchResult:
    """Run a FHIR search for the repository's actor; see the module documentation."""
    from .engine import run_search

    return run_search(repo, resource_type, params, base_url=base_url, compartment=compartment, lenient=lenient)


def conditional_matches(repo: Repository, resource_type: str, params: list[tuple[str, str]], *,
                        limit: int = 2) -> list[Stored]:
    """Resources matching a conditional create/update/delete's criteria (at most `limit`)."""
    from .engine import run_search

    controls = {"_count", "_sort", "_include", "_revinclude", "_summary", "_elements", "_total", "_page"}
    criteria = [(k, v) for k, v in params if k.split(":")[0] not in controls]
    result = run_search(repo, resource_type, [*criteria, ("_count", str(limit)), ("_total", "none")],
                        base_url="")
    return [e.stored() for e in result.matches]
