"""Claim bookkeeping: one row per episode (MA_LK) with its status through checking, signing and sending.

The clinical content stays in FHIR; this table only tracks what was generated and what the portal
answered, so a rejected claim can be corrected and sent again.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Claim(models.Model):
    class Status(models.TextChoices):
        INCOMPLETE = "incomplete", _("Thiếu dữ liệu")
        INVALID = "invalid", _("Không đạt kiểm tra")
        READY = "ready", _("Sẵn sàng gửi")
        SUBMITTED = "submitted", _("Đã gửi")
        ACCEPTED = "accepted", _("Cổng đã tiếp nhận")
        REJECTED = "rejected", _("Cổng từ chối")

    ma_lk = models.CharField(_("mã liên kết"), max_length=100, unique=True)
    facility = models.CharField(_("mã cơ sở KCB"), max_length=16, db_index=True)
    encounter_id = models.CharField(max_length=64)
    patient_id = models.CharField(max_length=64)
    period_end = models.DateTimeField(_("ngày ra"), db_index=True)
    status = models.CharField(max_length=16, choices=Status.choices, db_index=True)
    version = models.CharField(_("phiên bản chuẩn XML"), max_length=8)
    tables = models.JSONField(default=dict)  # LOAIHOSO → rows, as generated
    problems = models.JSONField(default=list)  # Vietnamese messages: what is missing or wrong
    total_cost = models.DecimalField(max_digits=14, decimal_places=0, default=0)
    insurance_pays = models.DecimalField(max_digits=14, decimal_places=0, default=0)
    attempts = models.PositiveIntegerField(default=0)
    transaction_id = models.CharField(_("mã giao dịch"), max_length=64, blank=True)
    portal_message = models.TextField(blank=True)
    generated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-period_end"]
        verbose_name = _("hồ sơ thanh toán BHYT")

    def __str__(self) -> str:
        return f"{self.ma_lk} ({self.get_status_display()})"
