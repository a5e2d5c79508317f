"""The per-request repository: the one door to clinical data.

Built for each request (or job) with the acting person or system, the facility it acts for and the
access policy. Every read and write goes through it; it checks the policy, calls the store, and
writes the audit entry. Code that reads or writes FHIR resources any other way is a defect.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

from django.db import transaction

from . import audit, store
from .access import DEFAULT_POLICY, READ, WRITE, AccessPolicy, Actor
from .compartment import patient_ids_of
from .errors import FhirError, Issue
from .store import Stored

T = TypeVar("T")

# Validation is pluggable so the store does not import the (large) definition tables at start-up.
Validator = Callable[[dict[str, Any]], list[Issue]]
_validator: Validator | None = None


def set_validator(validator: Validator | None) -> None:
    global _validator
    _validator = validator


def validate(resource: Any) -> list[Issue]:
    """Issues found in a resource; the structural minimum is checked even before definitions load."""
    if not isinstance(resource, dict):
        return [Issue("structure", "a resource must be a JSON object")]
    if not isinstance(resource.get("resourceType"), str) or not resource.get("resourceType"):
        return [Issue("required", "resourceType is missing", ("resourceType",))]
    if _validator is None:
        from .validation import validate_resource

        set_validator(validate_resource)
    assert _validator is not None
    return _validator(resource)


class Repository:
    def __init__(
        self,
        actor: Actor,
        facility: str = "",
        *,
        policy: AccessPolicy = DEFAULT_POLICY,
        source_ip: str = "",
        purpose: str = "",
        reason: str = "",
    ) -> None:
        self.actor = actor
        self.policy = policy
        self.source_ip = source_ip
        self.purpose = purpose
        self.reason = reason
        if not facility and actor.facilities is not None and len(actor.facilities) == 1:
            facility = next(iter(actor.facilities))
        self.facility = facility

    # --- audit -----------------------------------------------------------------------------------
    def _audit(self, interaction: str, *, outcome: str = "0", **kw: Any) -> None:
        audit.record(
            self.actor,
            interaction,
            facility=self.facility,
            outcome=outcome,
            purpose=self.purpose,
            reason=kw.pop("reason", self.reason),
            source_ip=self.source_ip,
            **kw,
        )

    @contextmanager
    def _audited_denial(self, interaction: str, resource_type: str, resource_id: str = "") -> Iterator[None]:
        try:
            yield
        except FhirError as exc:
            if exc.status == 403:
                self._audit(interaction, outcome="4", resource_type=resource_type, resource_id=resource_id, reason=str(exc))
            raise

    @staticmethod
    def _patient_of(resource: dict[str, Any]) -> str:
        ids = patient_ids_of(resource)
        return min(ids) if ids else ""

    def audit_event(self, interaction: str, **kw: Any) -> None:
        """Record an access made through a workflow (print, chart opening, emergency override...)."""
        self._audit(interaction, **kw)

    # --- checks ----------------------------------------------------------------------------------
    def _check_visible(self, stored: Stored, resource: dict[str, Any] | None = None) -> None:
        self.policy.check_tenant(self.actor, stored.tenant, stored.reference)
        if self.actor.patient_context_only:
            self.policy.check_compartment(self.actor, stored.resource_type, resource or stored.json(), stored.reference)

    def _check_valid(self, resource: Any) -> None:
        issues = validate(resource)
        errors = [i for i in issues if i.severity in ("error", "fatal")]
        if errors:
            status = 400 if any(i.code in ("structure", "required") and not i.expression for i in errors) else 422
            raise FhirError(status, issues)

    # --- reads -----------------------------------------------------------------------------------
    def read(self, resource_type: str, resource_id: str) -> Stored:
        with self._audited_denial("read", resource_type, resource_id):
            self.policy.check_type(self.actor, resource_type, READ)
            stored = store.read(resource_type, resource_id)
            resource = stored.json()
            self._check_visible(stored, resource)
        self._audit("read", resource_type=resource_type, resource_id=resource_id, version_id=stored.version_id,
                    patient_id=self._patient_of(resource))
        return stored

    def read_many(self, resource_type: str, resource_ids: list[str]) -> list[Stored]:
        """Several resources of one type in one query, in the order asked; missing or deleted ones are left out."""
        return self.read_refs([(resource_type, i) for i in resource_ids])

    def read_refs(self, refs: list[tuple[str, str]]) -> list[Stored]:
        """Resources of any types, (type, id) each, in one query and in the order asked; missing or
        deleted ones are left out. Each is audited as a read would be, the rows inserted in one
        statement; a resource this actor may not see refuses the whole batch.
        """
        if not refs:
            return []
        for rtype in dict.fromkeys(t for t, _ in refs):
            with self._audited_denial("read", rtype):
                self.policy.check_type(self.actor, rtype, READ)
        found = {(s.resource_type, s.id): s for s in store.read_refs(refs)}
        ordered = [found[r] for r in dict.fromkeys(refs) if r in found]
        entries: list[tuple[str, str, int | str | None, str, str]] = []
        for stored in ordered:
            resource = stored.json()
            with self._audited_denial("read", stored.resource_type, stored.id):
                self._check_visible(stored, resource)
            entries.append((stored.resource_type, stored.id, stored.version_id, self._patient_of(resource), "read"))
        if entries:
            audit.record_many(self.actor, entries, facility=self.facility, purpose=self.purpose, reason=self.reason,
                              source_ip=self.source_ip)
        return ordered

    def vread(self, resource_type: str, resource_id: str, version_id: int) -> Stored:
        with self._audited_denial("vread", resource_type, resource_id):
            self.policy.check_type(self.actor, resource_type, READ)
            stored = store.vread(resource_type, resource_id, version_id)
            resource = stored.json()
            self._check_visible(stored, resource)
        self._audit("vread", resource_type=resource_type, resource_id=resource_id, version_id=version_id,
                    patient_id=self._patient_of(resource))
        return stored

    def history(
        self,
        resource_type: str | None = None,
        resource_id: str | None = None,
        *,
        since: datetime | None = None,
        before: datetime | None = None,
        count: int = 50,
        offset: int = 0,
    ) -> tuple[list[Stored], int]:
        with self._audited_denial("history", resource_type or "", resource_id or ""):
            if resource_type:
                self.policy.check_type(self.actor, resource_type, READ)
            elif not any(s.resource_type == "*" and s.read for s in self.actor.scopes):
                raise FhirError(403, [Issue("forbidden", "system history needs a read scope on every type")])
            if resource_id and resource_type:
                head = store.current(resource_type, resource_id)
                if head is None:
                    raise store.not_found(resource_type, resource_id)
                self.policy.check_tenant(self.actor, head.tenant, head.reference)
            if self.actor.patient_context_only and not resource_id:
                raise FhirError(403, [Issue("forbidden", "type and system history are not open to patient-context tokens")])
            entries, total = store.history(
                resource_type, resource_id, since=since, before=before,
                tenants=self.policy.tenants(self.actor), count=count, offset=offset,
            )
            if self.actor.patient_context_only:
                for e in entries:
                    if not e.deleted:
                        self._check_visible(e)
        self._audit("history", resource_type=resource_type or "", resource_id=resource_id or "")
        return entries, total

    # --- writes ----------------------------------------------------------------------------------
    def _check_write(self, resource: dict[str, Any], interaction: str) -> None:
        self.policy.check_type(self.actor, resource["resourceType"], WRITE)
        if self.actor.patient_context_only:
            self.policy.check_compartment(self.actor, resource["resourceType"], resource,
                                          f"{resource['resourceType']}/{resource.get('id', '')}")

    def create(self, resource: Any, *, resource_id: str | None = None, validated: bool = False) -> Stored:
        if not validated:
            self._check_valid(resource)
        rtype = resource["resourceType"]
        with self._audited_denial("create", rtype):
            self._check_write(resource, "create")
        with transaction.atomic():
            stored = store.create(resource, self.facility, resource_id)
            self._audit("create", resource_type=rtype, resource_id=stored.id, version_id=1,
                        patient_id=self._patient_of(resource))
        return stored

    def create_many(
        self, resources: list[Any], *, ids: list[str | None] | None = None, validated: bool = False,
        upsert: bool = False, savepoint: bool = True,
    ) -> list[Stored]:
        """Create many resources in one transaction through the bulk write path (imports, transactions).

        Same checks and one audit row per resource, as create() would write, but inserted in bulk:
        all are stored or none. With `upsert`, a given id that exists gets a new version instead.
        `savepoint=False` is for a caller whose own atomic block is rolled back whole on any error
        (a transaction Bundle): inside it, a failure here cannot be caught and the block carried
        on, so the savepoints (two round trips each) would never be rolled back to.
        """
        if not validated:
            for resource in resources:
                self._check_valid(resource)
        for rtype in {r["resourceType"] for r in resources}:
            with self._audited_denial("create", rtype):
                self.policy.check_type(self.actor, rtype, WRITE)
        if self.actor.patient_context_only:
            for resource in resources:
                with self._audited_denial("create", resource["resourceType"]):
                    self._check_write(resource, "create")
        with transaction.atomic(savepoint=savepoint):
            if upsert:
                self._check_upsert_targets(resources, ids)
            stored = store.write_many(resources, self.facility, ids, upsert=upsert, savepoint=savepoint)
            audit.record_many(
                self.actor,
                [(s.resource_type, s.id, s.version_id, self._patient_of(r), "create" if s.version_id == 1 else "update")
                 for s, r in zip(stored, resources, strict=True)],
                facility=self.facility, purpose=self.purpose, reason=self.reason, source_ip=self.source_ip,
            )
        return stored

    def _check_upsert_targets(self, resources: list[Any], ids: list[str | None] | None) -> None:
        """An upsert may only add versions to records this actor can see (not another facility's)."""
        keys = [(r["resourceType"], rid) for r, rid in zip(resources, ids or [None] * len(resources), strict=True) if rid]
        for head in store.current_many(keys, for_update=True).values():
            with self._audited_denial("update", head.resource_type, head.id):
                self._check_visible(head)

    def update(
        self, resource: Any, resource_id: str, *, if_match: int | None = None, validated: bool = False,
        method: str = "PUT",
    ) -> tuple[Stored, bool]:
        if not validated:
            self._check_valid(resource)
        rtype = resource["resourceType"]
        if resource.get("id") not in (None, resource_id):
            raise FhirError(400, [Issue("invalid", f"the resource id '{resource.get('id')}' differs from the URL id '{resource_id}'", ("id",))])
        with self._audited_denial("update", rtype, resource_id):
            self._check_write(resource, "update")
        with transaction.atomic():
            head = store.current(rtype, resource_id, for_update=True)
            if head is not None:
                with self._audited_denial("update", rtype, resource_id):
                    self._check_visible(head)
            stored, created = store.update(resource, self.facility if head is None else head.tenant, resource_id,
                                           if_match=if_match, method=method)
            self._audit("create" if created else ("patch" if method == "PATCH" else "update"),
                        resource_type=rtype, resource_id=resource_id,
                        version_id=stored.version_id, patient_id=self._patient_of(resource))
        return stored, created

    def delete(self, resource_type: str, resource_id: str, *, if_match: int | None = None) -> Stored | None:
        with self._audited_denial("delete", resource_type, resource_id):
            self.policy.check_type(self.actor, resource_type, WRITE)
        with transaction.atomic():
            head = store.current(resource_type, resource_id, for_update=True)
            if head is None or head.deleted:
                self._audit("delete", resource_type=resource_type, resource_id=resource_id)
                return None
            resource = head.json()
            with self._audited_denial("delete", resource_type, resource_id):
                self._check_visible(head, resource)
            stored = store.delete(resource_type, resource_id, if_match=if_match)
            self._audit("delete", resource_type=resource_type, resource_id=resource_id,
                        version_id=stored.version_id if stored else None, patient_id=self._patient_of(resource))
        return stored

    def atomic(self) -> Any:
        """A transaction spanning several repository calls (a FHIR transaction Bundle, a workflow step)."""
        return transaction.atomic()
