"""Who wants which notices where, the browsers subscribed to web push, and the notification outbox.

The outbox holds the finished text (content-free: a neutral notice and a link), never clinical data."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from benhan.portal.models import Account, Profile


class Channel(models.TextChoices):
    WEBPUSH = "webpush", _("Thông báo trên điện thoại (web push)")
    SMS = "sms", _("Tin nhắn SMS")
    ZNS = "zns", _("Zalo")
    EMAIL = "email", _("Thư điện tử")


class Preference(models.Model):
    """One phone's choice of channels for one profile it can open (own, a child's, a relative's)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="notification_preferences")
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="notification_preferences")
    channels = models.JSONField(default=list)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "profile"], name="notifications_pref_uniq")]


class Contact(models.Model):
    """Where an account gets e-mail (the phone itself is the account's key)."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="notification_contact")
    email = models.EmailField(blank=True)


class PushSubscription(models.Model):
    """A browser's Push API subscription: the push service's endpoint and the keys to encrypt for it."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="push_subscriptions")
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    user_agent = models.CharField(max_length=200, blank=True)
    created = models.DateTimeField(auto_now_add=True)


class Notification(models.Model):
    """One notice to one address on one channel, written in the transaction of the event."""

    class Status(models.TextChoices):
        PENDING = "pending"
        SENT = "sent"
        DEAD = "dead"  # refused for good, or attempts spent: an operator looks

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="notifications")
    profile = models.ForeignKey(Profile, null=True, on_delete=models.SET_NULL)
    kind = models.CharField(max_length=32)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    address = models.CharField(max_length=1000)  # phone, e-mail, or the push subscription's id
    text = models.CharField(max_length=500)
    link = models.CharField(max_length=500)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    lease_until = models.DateTimeField(null=True)
    last_error = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="notifications_due")]
