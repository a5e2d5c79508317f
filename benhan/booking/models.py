"""Booking state: schedule templates, closed days, slots with a seat counter, bookings and reminders.

Slots are made on demand from the templates (`slots.ensure_slots`); each slot row carries `booked`,
raised only by a conditional UPDATE (`booked < capacity`), so concurrent bookings never exceed
capacity. The FHIR Appointment is the clinical record of a booking; this table is its bookkeeping.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from benhan.accounts.models import Facility
from benhan.facilities.models import Department, Room


class ScheduleTemplate(models.Model):
    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Thứ Hai")
        TUESDAY = 1, _("Thứ Ba")
        WEDNESDAY = 2, _("Thứ Tư")
        THURSDAY = 3, _("Thứ Năm")
        FRIDAY = 4, _("Thứ Sáu")
        SATURDAY = 5, _("Thứ Bảy")
        SUNDAY = 6, _("Chủ nhật")

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="schedule_templates",
                                 verbose_name=_("cơ sở"))
    department = models.ForeignKey(Department, on_delete=models.CASCADE, verbose_name=_("khoa"))
    room = models.ForeignKey(Room, on_delete=models.CASCADE, verbose_name=_("phòng"))
    doctor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               verbose_name=_("bác sĩ"))
    weekday = models.PositiveSmallIntegerField(_("thứ"), choices=Weekday.choices)
    start = models.TimeField(_("giờ bắt đầu"))
    end = models.TimeField(_("giờ kết thúc"))
    slot_minutes = models.PositiveSmallIntegerField(_("số phút mỗi khung"), default=15)
    capacity = models.PositiveSmallIntegerField(_("số chỗ mỗi khung"), default=1)
    active = models.BooleanField(_("đang áp dụng"), default=True)

    class Meta:
        ordering = ["weekday", "start"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="booking_template_end_after_start"),
            models.CheckConstraint(condition=Q(slot_minutes__gt=0) & Q(capacity__gt=0),
                                   name="booking_template_positive"),
        ]
        verbose_name = _("mẫu lịch khám")


class Holiday(models.Model):
    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="holidays", verbose_name=_("cơ sở"))
    day = models.DateField(_("ngày nghỉ"))
    name = models.CharField(_("lý do"), max_length=200, blank=True)

    class Meta:
        ordering = ["day"]
        constraints = [models.UniqueConstraint(fields=["facility", "day"], name="booking_holiday_per_facility")]
        verbose_name = _("ngày nghỉ")


class Slot(models.Model):
    """One bookable time of one template; `booked` never exceeds `capacity` (conditional UPDATE + CHECK)."""

    template = models.ForeignKey(ScheduleTemplate, on_delete=models.CASCADE, related_name="slots")
    facility = models.CharField(max_length=16)  # BHYT facility code, for tenant filtering
    department = models.ForeignKey(Department, on_delete=models.CASCADE)
    room = models.ForeignKey(Room, on_delete=models.CASCADE)
    doctor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    start = models.DateTimeField()
    end = models.DateTimeField()
    capacity = models.PositiveSmallIntegerField()
    booked = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["start"]
        constraints = [
            models.UniqueConstraint(fields=["template", "start"], name="booking_slot_per_template_start"),
            models.CheckConstraint(condition=Q(booked__lte=F("capacity")), name="booking_slot_within_capacity"),
        ]
        indexes = [models.Index(fields=["facility", "department", "start"], name="booking_slot_search")]

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.booked)


class Booking(models.Model):
    class Channel(models.TextChoices):
        ONLINE = "online", _("Trực tuyến")
        WALK_IN = "walk-in", _("Trực tiếp")
        PHONE = "phone", _("Điện thoại")

    class Status(models.TextChoices):
        BOOKED = "booked", _("Đã đặt")
        CHECKED_IN = "checked-in", _("Đã tiếp đón")
        CANCELLED = "cancelled", _("Đã huỷ")

    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="bookings")
    facility = models.CharField(max_length=16)
    patient_id = models.CharField(max_length=64)
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.ONLINE)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.BOOKED)
    appointment_id = models.CharField(max_length=64, blank=True)
    encounter_id = models.CharField(max_length=64, blank=True)
    queue_number = models.PositiveIntegerField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["slot__start", "pk"]
        constraints = [
            # One live booking per patient per slot (a double tap books once).
            models.UniqueConstraint(fields=["slot", "patient_id"], condition=Q(status="booked"),
                                    name="booking_one_live_per_patient_slot"),
        ]
        indexes = [
            models.Index(fields=["facility", "status", "checked_in_at"], name="booking_checked_in"),
            models.Index(fields=["patient_id", "status"], name="booking_patient"),
        ]


class Reminder(models.Model):
    """A reminder that fell due; sending it (SMS, Zalo, app push) is a later issue, so it waits here as 'due'."""

    class Status(models.TextChoices):
        DUE = "due", _("Đến hạn")
        SENT = "sent", _("Đã gửi")

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="reminders")
    appointment_start = models.DateTimeField()
    message = models.TextField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DUE)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["booking", "appointment_start"],
                                               name="booking_one_reminder_per_start")]
