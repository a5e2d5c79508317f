"""Search errors: each names the offending parameter, as a 400 OperationOutcome."""

from __future__ import annotations

from benhan.fhir.errors import FhirError, Issue


class SearchParamError(FhirError):
    """A parameter that is unknown, unsupported or malformed; `param` is its name as given."""

    def __init__(self, param: str, diagnostics: str, *, code: str = "invalid") -> None:
        super().__init__(400, [Issue(code, diagnostics, (param,) if param else ())])
        self.param = param


def unknown(param: str, resource_type: str | None) -> SearchParamError:
    where = f"for {resource_type}" if resource_type else "for a search across all types"
    return SearchParamError(param, f"unknown search parameter '{param}' {where}", code="not-supported")


def unsupported(param: str, why: str) -> SearchParamError:
    return SearchParamError(param, f"search parameter '{param}': {why}", code="not-supported")


def malformed(param: str, value: str, why: str) -> SearchParamError:
    return SearchParamError(param, f"search parameter '{param}': '{value}' is not valid: {why}", code="value")
