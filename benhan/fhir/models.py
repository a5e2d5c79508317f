"""Storage of FHIR resources: the current version of each resource, and every version ever stored.

The JSON is kept as the bytes we serve (the received JSON plus the `meta` we set), so reads never
re-serialise. `tenant` is the owning facility's code: every row knows whose record it is.
"""

from __future__ import annotations

from django.db import models


class ResourceRow(models.Model):
    """The current version of one resource (deleted ones stay, flagged, so history survives)."""

    resource_type = models.CharField(max_length=64)
    resource_id = models.CharField(max_length=64)
    version_id = models.PositiveIntegerField()
    last_updated = models.DateTimeField()
    deleted = models.BooleanField(default=False)
    tenant = models.CharField(max_length=32)
    content = models.TextField()

    class Meta:
        db_table = "fhir_resource"
        constraints = [
            models.UniqueConstraint(fields=["resource_type", "resource_id"], name="fhir_resource_type_id_uniq"),
        ]
        indexes = [
            models.Index(fields=["resource_type", "last_updated"], name="fhir_resource_type_lu"),
            # A type's rows in row order: the default search order, walked by broad searches.
            models.Index(fields=["resource_type", "id"], name="fhir_resource_type_row"),
            # Declared here rather than by db_index, which on PostgreSQL also builds a LIKE-pattern
            # twin that no query uses: one B-tree fewer on every resource write.
            models.Index(fields=["tenant"], name="fhir_resource_tenant"),
        ]


class ResourceVersionRow(models.Model):
    """Every version of every resource, in write order; the history interactions read this."""

    row = models.ForeignKey(ResourceRow, on_delete=models.PROTECT, related_name="versions", db_index=False)
    resource_type = models.CharField(max_length=64)
    resource_id = models.CharField(max_length=64)
    version_id = models.PositiveIntegerField()
    last_updated = models.DateTimeField(db_index=True)
    method = models.CharField(max_length=8)  # POST, PUT, PATCH, DELETE
    deleted = models.BooleanField(default=False)
    tenant = models.CharField(max_length=32)
    # NULL: the same bytes as the resource row's content, which holds them once (store._BODY).
    content = models.TextField(null=True)

    class Meta:
        db_table = "fhir_resource_version"
        constraints = [
            models.UniqueConstraint(
                fields=["row", "version_id"], name="fhir_version_row_vid_uniq"
            ),
        ]
        indexes = [models.Index(fields=["resource_type", "last_updated"], name="fhir_version_type_lu")]


class AuditRow(models.Model):
    """Append-only audit trail (exposed as FHIR AuditEvent). Database triggers refuse UPDATE and DELETE."""

    recorded = models.DateTimeField(db_index=True)
    actor_kind = models.CharField(max_length=16)  # user, client, patient, node, system, anonymous
    actor_id = models.CharField(max_length=128)
    actor_display = models.CharField(max_length=255, blank=True)
    facility = models.CharField(max_length=32, blank=True)
    action = models.CharField(max_length=1)  # C R U D E (FHIR AuditEvent.action)
    interaction = models.CharField(max_length=32)  # read, vread, search-type, create, update, ...
    resource_type = models.CharField(max_length=64, blank=True)
    resource_id = models.CharField(max_length=64, blank=True)
    version_id = models.CharField(max_length=16, blank=True)
    patient_id = models.CharField(max_length=64, blank=True)
    outcome = models.CharField(max_length=2, default="0")  # 0 success, 4 minor (denied), 8 serious
    purpose = models.CharField(max_length=64, blank=True)  # e.g. TREAT, ETREAT (emergency), PATRQT
    reason = models.TextField(blank=True)
    source_ip = models.CharField(max_length=64, blank=True)
    query = models.TextField(blank=True)

    class Meta:
        db_table = "fhir_audit"
        indexes = [
            models.Index(fields=["resource_type", "resource_id"], name="fhir_audit_res"),
            # "Who opened this record", newest first (chart access log, the patient app). It replaces a
            # plain patient_id index and the LIKE-pattern twin Django adds to it on PostgreSQL, which
            # no query used: one B-tree fewer on every audited call.
            models.Index(fields=["patient_id", "recorded"], name="fhir_audit_patient"),
        ]
