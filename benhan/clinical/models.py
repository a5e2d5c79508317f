"""App-only state of the clinical workflows (never clinical data itself).

- Queue numbers: reception bookkeeping, per facility, day and room.
- The chart index: a projection of the FHIR store kept by a write listener in the same transaction
  as each write. It answers "which resources belong to this patient, newest first" and "which
  patients carry this CCCD / this folded name and birth date" with one indexed query; the resources
  themselves are always read through the Repository (see docs/decisions/0009-clinical-workflows.md).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Counter(models.Model):
    """A per-scope sequence (queue numbers of one room on one day, a facility's record numbers).

    The row is locked while the next number is taken, so two receptionists never hand out the same one.
    """

    scope = models.CharField(max_length=160, unique=True)
    last_number = models.PositiveIntegerField(default=0)


class QueueTicket(models.Model):
    class Status(models.TextChoices):
        WAITING = "waiting", "Đang chờ"
        CALLED = "called", "Đã gọi"
        DONE = "done", "Đã khám xong"

    facility = models.CharField(max_length=32)
    day = models.DateField()
    room = models.CharField(max_length=64)
    number = models.PositiveIntegerField()
    patient_id = models.CharField(max_length=64)
    encounter_id = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.WAITING)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["facility", "day", "room", "number"], name="clinical_queue_ticket_uniq")
        ]
        indexes = [models.Index(fields=["facility", "day", "room", "status"], name="clinical_queue_room")]


class ChartEntry(models.Model):
    """One resource in one patient's record (a resource about two patients has two entries)."""

    tenant = models.CharField(max_length=32)
    patient_id = models.CharField(max_length=64)
    resource_type = models.CharField(max_length=64)
    resource_id = models.CharField(max_length=64)
    # The clinically meaningful moment (encounter start, observation time, authored on...), for ordering.
    sort_date = models.DateTimeField(null=True)
    # Extra keys the workflows select on: encounter reference, status, category.
    encounter_id = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=32, blank=True)
    category = models.CharField(max_length=64, blank=True)  # first category code (vital-signs, laboratory...)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["resource_type", "resource_id", "patient_id"], name="clinical_chart_entry_uniq")
        ]
        indexes = [
            models.Index(fields=["patient_id", "resource_type", "sort_date"], name="clinical_chart_section"),
            models.Index(fields=["encounter_id", "resource_type"], name="clinical_chart_encounter"),
            models.Index(fields=["tenant", "resource_type", "status"], name="clinical_chart_worklist"),
        ]


class PatientKey(models.Model):
    """A matching key of a Patient: cccd, bhyt, mrn, or name_dob (accent-folded name + birth date)."""

    tenant = models.CharField(max_length=32)
    patient_id = models.CharField(max_length=64)
    kind = models.CharField(max_length=16)
    value = models.CharField(max_length=255)
    active = models.BooleanField(default=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "value"], name="clinical_patient_key")]


class ResultRelease(models.Model):
    """When a signed lab report reaches the patient (decision 0024): the app-side index of its hold.

    One row per lab report signed since holds exist. The legal facts stay in FHIR (the report's
    release-after-review tag, the doctor's review as a Provenance); this row answers "may the
    patient see it now?" in one query and makes the `result_ready` notice fire exactly once.
    """

    report_id = models.CharField(primary_key=True, max_length=64)
    facility_code = models.CharField(max_length=16)
    patient_ref = models.CharField(max_length=80)
    signed_at = models.DateTimeField()
    review_required = models.BooleanField(default=False)
    hold_until = models.DateTimeField(null=True, blank=True)  # the delay's end, when review is required
    awaiting_signature = models.BooleanField(default=False)  # a remote CA has not returned the signature yet
    document_id = models.CharField(max_length=64, blank=True)  # the signed paper, once it exists
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    review_provenance_id = models.CharField(max_length=64, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"DiagnosticReport/{self.report_id}"
