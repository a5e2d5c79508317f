"""Tables of the bulk-access capability: Patient-compartment membership and bulk export requests."""

from __future__ import annotations

import uuid

from django.db import models


class CompartmentMember(models.Model):
    """One resource's membership of one patient's compartment (a resource may sit in several).

    Filled at write time by a store write listener, so compartment reads ($everything, compartment
    search, patient-context tokens) are one indexed join instead of parsing every resource.
    Keyed by (resource_type, resource_id), the natural key of `fhir_resource`, so the listener needs
    no extra query to learn row ids. `date_start`/`date_end` hold the resource's main clinical date
    (see clinical_dates.py) for the `start`/`end` window of $everything; null when it has none.
    """

    resource_type = models.CharField(max_length=64)
    resource_id = models.CharField(max_length=64)
    patient_id = models.CharField(max_length=64)
    tenant = models.CharField(max_length=32)
    date_start = models.DateTimeField(null=True)
    date_end = models.DateTimeField(null=True)

    class Meta:
        db_table = "fhir_compartment"
        constraints = [
            models.UniqueConstraint(
                fields=["resource_type", "resource_id", "patient_id"], name="fhir_compartment_member_uniq"
            ),
        ]
        indexes = [models.Index(fields=["patient_id", "resource_type"], name="fhir_compartment_patient")]


class ExportRequest(models.Model):
    """A Bulk Data `$export` request: what was asked, by whom, and where its files are."""

    class Status(models.TextChoices):
        ACCEPTED = "accepted"  # queued or running
        COMPLETED = "completed"
        FAILED = "failed"
        CANCELLED = "cancelled"
        EXPIRED = "expired"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # The caller, so only the client that started an export can poll it and fetch its files.
    owner_kind = models.CharField(max_length=16)
    owner_id = models.CharField(max_length=128)
    # Facilities the caller may reach (null: every facility), frozen at kick-off.
    facilities = models.JSONField(null=True)
    level = models.CharField(max_length=16)  # system, patient, group
    group_id = models.CharField(max_length=64, blank=True)
    types = models.JSONField()  # resource types asked for with _type (empty: every type the caller may read)
    # Types the caller's scopes allow reading (null: every type), frozen at kick-off.
    scope_types = models.JSONField(null=True)
    since = models.DateTimeField(null=True)
    # Patients whose compartments are exported (null: no compartment restriction).
    patient_ids = models.JSONField(null=True)
    request_url = models.TextField()
    transaction_time = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACCEPTED)
    job = models.ForeignKey("jobs.Job", null=True, on_delete=models.SET_NULL, related_name="+")
    # Checkpoint: {"cursor": last row id written, "files": [{"type", "name", "count", "bytes"}]};
    # lets a re-claimed job resume where the last recorded position left off (ndjson_files.py).
    output = models.JSONField(default=dict)
    errors = models.JSONField(default=list)  # [{"type": "OperationOutcome", "file": name, "count": n}]
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True)
    expires_at = models.DateTimeField(null=True)

    class Meta:
        db_table = "fhir_bulk_export"
        indexes = [models.Index(fields=["status", "expires_at"], name="fhir_bulk_export_expiry")]
