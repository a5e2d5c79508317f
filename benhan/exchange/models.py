"""Exchange bookkeeping: the directory of nodes, the outbox of messages to send, the inbox of those applied."""

from __future__ import annotations

import uuid

from django.db import models


class Node(models.Model):
    """A facility's exchange endpoint and public key (the hub keeps the directory; nodes cache it)."""

    code = models.CharField(max_length=16, unique=True)  # the facility's BHYT code
    name = models.CharField(max_length=255, blank=True)
    base_url = models.URLField(blank=True)  # empty: hosted on this server (provincial cloud)
    public_jwk = models.JSONField()
    is_hub = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    updated = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class OutboxMessage(models.Model):
    """A message written in the same transaction as the change that caused it, delivered at least once."""

    class Status(models.TextChoices):
        PENDING = "pending"
        DELIVERED = "delivered"
        DEAD = "dead"  # refused for good by the receiver (bad signature, unknown kind): needs a person

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    sender = models.CharField(max_length=16)
    destination = models.CharField(max_length=64)  # a facility code, or "transport:address" (e.g. sub:<id>)
    kind = models.CharField(max_length=64)
    body = models.JSONField()
    created = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    lease_until = models.DateTimeField(null=True)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="exchange_outbox_due")]
        ordering = ["created"]


class InboxMessage(models.Model):
    """A message applied here; the unique id makes a repeated delivery a no-op (exactly-once effect)."""

    message_id = models.UUIDField(unique=True)
    sender = models.CharField(max_length=16)
    destination = models.CharField(max_length=16)
    kind = models.CharField(max_length=64)
    received_at = models.DateTimeField(auto_now_add=True)
    result = models.JSONField(default=dict)


class Person(models.Model):
    """At the hub: one person, whose records at different facilities are cross-referenced."""

    created = models.DateTimeField(auto_now_add=True)


class IndexedRecord(models.Model):
    """At the hub: one facility's patient record, with the demographics matching uses."""

    facility = models.CharField(max_length=16)
    patient_id = models.CharField(max_length=64)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="records")
    name = models.CharField(max_length=255)
    name_key = models.CharField(max_length=255, blank=True, db_index=True)  # folded: accent-insensitive PDQm search
    address = models.CharField(max_length=500, blank=True)
    address_key = models.CharField(max_length=500, blank=True)  # folded
    birth_date = models.DateField(null=True)
    sex = models.CharField(max_length=16, blank=True)
    commune = models.CharField(max_length=16, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    cccd = models.CharField(max_length=12, blank=True, db_index=True)
    bhyt = models.CharField(max_length=15, blank=True)
    bhxh_number = models.CharField(max_length=12, blank=True, db_index=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["facility", "patient_id"], name="exchange_record_uniq")]
        indexes = [models.Index(fields=["birth_date"], name="exchange_record_birth")]


class MatchReview(models.Model):
    """At the hub: a pair scored between the thresholds, waiting for a person to decide."""

    class Status(models.TextChoices):
        PENDING = "pending"
        LINKED = "linked"
        DISTINCT = "distinct"

    record = models.ForeignKey(IndexedRecord, on_delete=models.CASCADE, related_name="+")
    candidate = models.ForeignKey(IndexedRecord, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    reasons = models.JSONField(default=list)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    decided_by = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True)


class LinkEvent(models.Model):
    """At the hub: every link and unlink, automatic or by a person, append-only (reversible by a new event)."""

    at = models.DateTimeField(auto_now_add=True)
    action = models.CharField(max_length=16)  # link, unlink
    record = models.ForeignKey(IndexedRecord, on_delete=models.PROTECT, related_name="+")
    other = models.ForeignKey(IndexedRecord, on_delete=models.PROTECT, related_name="+", null=True)
    by = models.CharField(max_length=150)  # "auto" or the reviewer
    reason = models.TextField(blank=True)
