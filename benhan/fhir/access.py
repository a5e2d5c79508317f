"""Who is acting, and what they may do: SMART-style scopes, facility tenancy and patient compartments."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .errors import forbidden

READ = "read"
WRITE = "write"

# SMART v1 (`patient/Observation.read`, `system/*.write`, `user/*.*`) and v2 (`.rs`, `.cruds`) scopes.
_SCOPE_RE = re.compile(r"^(patient|user|system)/(\*|[A-Z][A-Za-z]+)\.(read|write|\*|[cruds]+)$")


@dataclass(frozen=True)
class Scope:
    context: str  # patient, user, system
    resource_type: str  # a type or "*"
    read: bool
    write: bool

    @classmethod
    def parse(cls, text: str) -> Scope | None:
        m = _SCOPE_RE.match(text)
        if not m:
            return None
        context, rtype, perm = m.groups()
        if perm == "*":
            return cls(context, rtype, True, True)
        if perm in ("read", "write"):
            return cls(context, rtype, perm == "read", perm == "write")
        return cls(context, rtype, bool(set(perm) & set("rs")), bool(set(perm) & set("cud")))

    def allows(self, resource_type: str, action: str) -> bool:
        if self.resource_type not in ("*", resource_type):
            return False
        return self.read if action == READ else self.write


def parse_scopes(scopes: Iterable[str]) -> tuple[Scope, ...]:
    return tuple(s for s in (Scope.parse(t) for t in scopes) if s is not None)


@dataclass(frozen=True)
class Actor:
    """The person or system on whose behalf a request runs."""

    kind: str  # user (staff), client (system), patient, node (another benhan), system (internal jobs)
    id: str
    display: str = ""
    scopes: tuple[Scope, ...] = ()
    # Facilities whose records this actor may reach; None means every facility on this server.
    facilities: frozenset[str] | None = frozenset()
    # For patient-context access: the patients whose compartments are open to this actor.
    patient_ids: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()
    extra: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @classmethod
    def system(cls, reason: str = "benhan") -> Actor:
        """Internal work (jobs, demo loading, migrations): every scope, every facility, still audited."""
        return cls("system", reason, reason, parse_scopes(["system/*.*"]), None)

    @property
    def patient_context_only(self) -> bool:
        return bool(self.scopes) and all(s.context == "patient" for s in self.scopes)


class AccessPolicy:
    """The rules every repository call is checked against.

    Staff and system clients are bounded by their scopes and their facilities; patients and their
    proxies by their scopes and the compartments of the patients they may act for.
    """

    def check_type(self, actor: Actor, resource_type: str, action: str) -> None:
        if not any(s.allows(resource_type, action) for s in actor.scopes):
            raise forbidden(f"the token's scopes do not allow {action} of {resource_type}")

    def tenant_visible(self, actor: Actor, tenant: str) -> bool:
        return actor.facilities is None or tenant in actor.facilities or tenant == ""

    def check_tenant(self, actor: Actor, tenant: str, reference: str) -> None:
        if not self.tenant_visible(actor, tenant):
            raise forbidden(f"{reference} belongs to another facility")

    def check_compartment(self, actor: Actor, resource_type: str, resource: dict[str, Any], reference: str) -> None:
        """A patient-context actor reaches only resources in the compartments of their patients."""
        if not actor.patient_context_only:
            return
        from .compartment import patient_ids_of

        ids = patient_ids_of(resource)
        if resource_type == "Binary":
            # Not in the R4 Patient compartment: a Binary is governed by its securityContext (FHIR R4 Binary).
            ref = (resource.get("securityContext") or {}).get("reference", "")
            ids = {ref[len("Patient/"):]} if isinstance(ref, str) and ref.startswith("Patient/") else set()
        if not (ids & actor.patient_ids):
            raise forbidden(f"{reference} is outside the patient's record")
        from .holds import is_held

        if is_held(resource_type, str(resource.get("id", ""))):
            raise forbidden(f"{reference} is not yet released to the patient")

    def tenants(self, actor: Actor) -> frozenset[str] | None:
        """Tenants a search may return, or None for all."""
        return None if actor.facilities is None else frozenset(actor.facilities | {""})


DEFAULT_POLICY = AccessPolicy()
