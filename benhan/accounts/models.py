"""Facilities (the tenants of the FHIR store) and staff accounts."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Facility(models.Model):
    """A health facility. `code` is its 5-digit BHYT facility code and the tenant key of its records."""

    class Level(models.TextChoices):
        BAN_DAU = "ban_dau", _("Ban đầu")
        CO_BAN = "co_ban", _("Cơ bản")
        CHUYEN_SAU = "chuyen_sau", _("Chuyên sâu")

    class Kind(models.TextChoices):
        PROVINCIAL_HOSPITAL = "provincial_hospital", _("Bệnh viện tỉnh")
        REGIONAL_CENTER = "regional_center", _("Trung tâm y tế khu vực")
        COMMUNE_STATION = "commune_station", _("Trạm y tế xã")
        PRIVATE_HOSPITAL = "private_hospital", _("Bệnh viện tư nhân")
        OTHER = "other", _("Khác")

    code = models.CharField(_("mã cơ sở KCB"), max_length=16, unique=True)
    name = models.CharField(_("tên cơ sở"), max_length=255)
    kind = models.CharField(_("loại hình"), max_length=32, choices=Kind.choices, default=Kind.OTHER)
    level = models.CharField(_("cấp chuyên môn kỹ thuật"), max_length=16, choices=Level.choices, default=Level.CO_BAN)
    province_code = models.CharField(_("mã tỉnh"), max_length=8, blank=True)
    commune_code = models.CharField(_("mã xã"), max_length=8, blank=True)
    address = models.CharField(_("địa chỉ"), max_length=255, blank=True)
    phone = models.CharField(_("điện thoại"), max_length=32, blank=True)
    organization_id = models.CharField(max_length=64, blank=True, help_text="FHIR Organization id")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("cơ sở khám chữa bệnh")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class User(AbstractUser):
    """A staff member. Patients log in through the portal, not with these accounts."""

    class Role(models.TextChoices):
        RECEPTIONIST = "receptionist", _("Tiếp đón")
        NURSE = "nurse", _("Điều dưỡng")
        DOCTOR = "doctor", _("Bác sĩ")
        TECHNICIAN = "technician", _("Kỹ thuật viên xét nghiệm / CĐHA")
        PHARMACIST = "pharmacist", _("Dược sĩ")
        FACILITY_ADMIN = "facility_admin", _("Quản trị cơ sở")
        QUALITY = "quality", _("Quản lý chất lượng")
        INSURANCE = "insurance", _("Giám định BHYT")
        PROVINCE = "province", _("Sở Y tế")

    facility = models.ForeignKey(Facility, null=True, blank=True, on_delete=models.PROTECT, related_name="staff")
    extra_facilities = models.ManyToManyField(Facility, blank=True, related_name="granted_staff")
    role = models.CharField(_("vai trò"), max_length=32, choices=Role.choices, default=Role.DOCTOR)
    licence_number = models.CharField(_("số chứng chỉ hành nghề"), max_length=64, blank=True)
    practitioner_id = models.CharField(max_length=64, blank=True, help_text="FHIR Practitioner id")


# OAuth2 system clients live in their own module; imported here so Django registers the model.
from .clients import ClientProfile  # noqa: E402, F401
