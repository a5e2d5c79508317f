"""Inside a facility: departments (khoa), rooms (phòng) and beds (giường)."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from benhan.accounts.models import Facility

# QĐ 130/3176 XML3 MA_GIUONG: a letter for the bed kind (H: kế hoạch, T: tạm/ghép, C: cấp cứu, K: khác) + 3 digits.
BED_CODE = RegexValidator(r"^[HTCK]\d{3}$", _("Mã giường gồm 1 chữ H, T, C hoặc K và 3 chữ số, ví dụ H001."))
SHORT_CODE = RegexValidator(r"^[A-Za-z0-9._-]{1,20}$", _("Mã chỉ gồm chữ không dấu, số và các ký tự . _ -"))


class Department(models.Model):
    class Kind(models.TextChoices):
        CLINICAL = "clinical", _("Lâm sàng")
        PARACLINICAL = "paraclinical", _("Cận lâm sàng")
        PHARMACY = "pharmacy", _("Dược")
        ADMINISTRATIVE = "administrative", _("Hành chính")

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="departments",
                                 verbose_name=_("cơ sở"))
    code = models.CharField(_("mã khoa"), max_length=20, validators=[SHORT_CODE])
    name = models.CharField(_("tên khoa"), max_length=200)
    kind = models.CharField(_("loại khoa"), max_length=20, choices=Kind.choices, default=Kind.CLINICAL)
    # The department code in the BHYT claim (MA_KHOA, QĐ 5937 appendix 5), e.g. K01 Khoa Khám bệnh.
    bhyt_code = models.CharField(_("mã khoa BHYT"), max_length=20, blank=True)
    inpatient = models.BooleanField(_("có điều trị nội trú"), default=False)
    active = models.BooleanField(_("đang hoạt động"), default=True)

    class Meta:
        ordering = ["facility__code", "code"]
        constraints = [models.UniqueConstraint(fields=["facility", "code"], name="department_code_per_facility")]
        verbose_name = _("khoa")

    def __str__(self) -> str:
        return self.name


class Room(models.Model):
    class Kind(models.TextChoices):
        EXAM = "exam", _("Phòng khám")
        WARD = "ward", _("Buồng bệnh")
        LAB = "lab", _("Phòng xét nghiệm")
        IMAGING = "imaging", _("Phòng chẩn đoán hình ảnh")
        PROCEDURE = "procedure", _("Phòng thủ thuật")
        PHARMACY = "pharmacy", _("Quầy thuốc")
        RECEPTION = "reception", _("Quầy tiếp đón")
        OTHER = "other", _("Khác")

    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="rooms", verbose_name=_("khoa"))
    code = models.CharField(_("mã phòng"), max_length=20, validators=[SHORT_CODE])
    name = models.CharField(_("tên phòng"), max_length=200)
    kind = models.CharField(_("loại phòng"), max_length=20, choices=Kind.choices, default=Kind.EXAM)
    active = models.BooleanField(_("đang hoạt động"), default=True)

    class Meta:
        ordering = ["department__code", "code"]
        constraints = [models.UniqueConstraint(fields=["department", "code"], name="room_code_per_department")]
        verbose_name = _("phòng")

    def __str__(self) -> str:
        return self.name


class Bed(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="beds", verbose_name=_("phòng"))
    code = models.CharField(_("mã giường"), max_length=4, validators=[BED_CODE])
    active = models.BooleanField(_("đang sử dụng"), default=True)

    class Meta:
        ordering = ["room__code", "code"]
        constraints = [models.UniqueConstraint(fields=["room", "code"], name="bed_code_per_room")]
        verbose_name = _("giường")

    def __str__(self) -> str:
        return self.code
