"""Feedback is not clinical data and is not stored as FHIR. An anonymous one has no account, no patient and no
address of the sender (a CHECK constraint keeps it so)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Feedback(models.Model):
    class Category(models.TextChoices):
        SERVICE = "service", _("Chất lượng khám chữa bệnh")
        ATTITUDE = "attitude", _("Thái độ nhân viên")
        WAITING = "waiting", _("Thời gian chờ")
        FACILITIES = "facilities", _("Cơ sở vật chất, vệ sinh")
        COST = "cost", _("Viện phí, BHYT")
        OTHER = "other", _("Khác")

    class Status(models.TextChoices):
        NEW = "new", _("Mới")
        TRIAGED = "triaged", _("Đang xử lý")
        RESPONDED = "responded", _("Đã phản hồi")
        CLOSED = "closed", _("Đã đóng")

    facility = models.CharField(max_length=16)
    category = models.CharField(max_length=16, choices=Category.choices)
    rating = models.PositiveSmallIntegerField()
    text = models.TextField(max_length=4000)
    anonymous = models.BooleanField(default=False)
    account = models.ForeignKey("portal.Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    patient_id = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW)
    assigned_to = models.CharField(_("giao cho"), max_length=200, blank=True)
    response = models.TextField(blank=True)
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    created = models.DateTimeField(default=timezone.now)
    responded_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.CheckConstraint(condition=Q(rating__gte=1) & Q(rating__lte=5), name="feedback_rating_1_5"),
            models.CheckConstraint(condition=Q(anonymous=False) | (Q(account__isnull=True) & Q(patient_id="")),
                                   name="feedback_anonymous_unlinked"),
        ]
        indexes = [models.Index(fields=["facility", "status", "created"], name="feedback_queue")]
