"""The job queue: one row per unit of background work, claimed by workers with atomic updates."""

from __future__ import annotations

from django.db import models


class Job(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        CANCELLED = "cancelled"

    kind = models.CharField(max_length=64)  # the registered handler's name, e.g. "bulk.export"
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    priority = models.SmallIntegerField(default=0)  # lower runs first
    run_after = models.DateTimeField()  # not claimed before this (delayed jobs, retry backoff)
    attempts = models.PositiveIntegerField(default=0)  # claims so far, including ones whose worker died
    max_attempts = models.PositiveIntegerField(default=5)
    lease_owner = models.CharField(max_length=128, blank=True)
    lease_expires_at = models.DateTimeField(null=True)
    cancel_requested = models.BooleanField(default=False)
    progress = models.JSONField(default=dict)
    result = models.JSONField(null=True)
    last_error = models.TextField(blank=True)
    errors = models.JSONField(default=list)  # one line per failed attempt, for the operator
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True)
    finished_at = models.DateTimeField(null=True)

    class Meta:
        db_table = "jobs_job"
        indexes = [
            models.Index(fields=["status", "priority", "run_after"], name="jobs_job_claim"),
            models.Index(fields=["status", "lease_expires_at"], name="jobs_job_lease"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}#{self.pk} {self.status}"
