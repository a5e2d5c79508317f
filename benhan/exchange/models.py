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
    destination = models.CharField(max_length=16)
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
