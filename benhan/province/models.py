"""The facility's EMR self-assessment (kept at the node) and what the hub has been told by each facility.

The hub keeps one current report per facility and one status per facility and month, so the number
of facilities live can be drawn over time without re-reading every message.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class EmrStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Chưa triển khai")
    IN_PROGRESS = "in_progress", _("Đang triển khai")
    LIVE = "live", _("Đã triển khai BAĐT")


class SelfAssessment(models.Model):
    """A facility admin's answers to the TT 13/2025 and TT 54/2017 checklist (node side)."""

    facility = models.CharField(_("mã cơ sở KCB"), max_length=16, unique=True)
    answers = models.JSONField(default=dict)  # criterion code → true/false
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.CharField(max_length=150, blank=True)


class FacilityReport(models.Model):
    """The latest figures and self-assessment a facility reported to the hub (hub side)."""

    facility = models.CharField(_("mã cơ sở KCB"), max_length=16, unique=True)
    name = models.CharField(max_length=255)
    province = models.CharField(_("mã tỉnh"), max_length=8, db_index=True)
    status = models.CharField(max_length=16, choices=EmrStatus.choices)
    answers = models.JSONField(default=dict)
    figures = models.JSONField(default=list)  # [{key, title, columns, rows, chart_column}]
    as_of = models.DateTimeField()  # when the node computed it: an older report never replaces a newer one
    received_at = models.DateTimeField(auto_now=True)
    message_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["province", "facility"]


class StatusMonth(models.Model):
    """A facility's EMR status as last reported in a calendar month (hub side)."""

    facility = models.CharField(max_length=16)
    province = models.CharField(max_length=8)
    month = models.CharField(max_length=7)  # YYYY-MM
    status = models.CharField(max_length=16, choices=EmrStatus.choices)
    as_of = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["facility", "month"], name="province_status_month_unique")]
