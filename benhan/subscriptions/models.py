"""Bookkeeping of FHIR Subscriptions: the resource itself lives in the FHIR store; this row is what
matching and delivery read on every write (type, criteria, status, channel) and who the subscriber is."""

from __future__ import annotations

from django.db import models


class Registration(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested"
        ACTIVE = "active"
        ERROR = "error"
        OFF = "off"

    class Payload(models.TextChoices):
        EMPTY = "empty"
        ID_ONLY = "id-only"
        FULL = "full-resource"

    subscription_id = models.CharField(max_length=64, unique=True)
    tenant = models.CharField(max_length=16, blank=True)  # the facility the Subscription was created for
    resource_type = models.CharField(max_length=64)
    criteria = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices)
    endpoint = models.URLField(max_length=1000)
    payload = models.CharField(max_length=16, choices=Payload.choices)
    headers = models.JSONField(default=list)
    handshake = models.BooleanField(default=False)
    failures = models.PositiveIntegerField(default=0)  # consecutive failed deliveries
    error = models.TextField(blank=True)
    end = models.DateTimeField(null=True)  # Subscription.end: no notifications after it
    # Who created it (from the audit trail): notifications never disclose more than they may read.
    owner_kind = models.CharField(max_length=16, blank=True)
    owner_id = models.CharField(max_length=150, blank=True)
    owner_display = models.CharField(max_length=255, blank=True)
    owner_scopes = models.TextField(blank=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["status", "resource_type"], name="subscriptions_active_type")]
