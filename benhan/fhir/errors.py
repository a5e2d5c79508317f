"""FHIR errors: each carries the HTTP status and the OperationOutcome issues that explain it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Issue:
    """One OperationOutcome.issue: what went wrong and, where known, the FHIRPath of the fault."""

    code: str  # IssueType: invalid, structure, required, value, code-invalid, not-found, conflict, ...
    diagnostics: str
    expression: tuple[str, ...] = ()
    severity: str = "error"

    def as_json(self) -> dict[str, Any]:
        issue: dict[str, Any] = {"severity": self.severity, "code": self.code, "diagnostics": self.diagnostics}
        if self.expression:
            issue["expression"] = list(self.expression)
        return issue


def operation_outcome(issues: list[Issue] | tuple[Issue, ...]) -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": [i.as_json() for i in issues]}


@dataclass
class FhirError(Exception):
    status: int
    issues: list[Issue] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return "; ".join(i.diagnostics for i in self.issues) or f"HTTP {self.status}"

    def outcome(self) -> dict[str, Any]:
        return operation_outcome(self.issues)


def error(status: int, code: str, diagnostics: str, *expression: str) -> FhirError:
    return FhirError(status, [Issue(code, diagnostics, tuple(expression))])


def not_found(resource_type: str, resource_id: str) -> FhirError:
    return error(404, "not-found", f"{resource_type}/{resource_id} is not known")


def gone(resource_type: str, resource_id: str, version_id: int) -> FhirError:
    exc = error(410, "deleted", f"{resource_type}/{resource_id} was deleted")
    exc.headers["ETag"] = f'W/"{version_id}"'
    return exc


def forbidden(diagnostics: str) -> FhirError:
    return error(403, "forbidden", diagnostics)


def invalid(diagnostics: str, *expression: str, status: int = 400) -> FhirError:
    return error(status, "invalid", diagnostics, *expression)
