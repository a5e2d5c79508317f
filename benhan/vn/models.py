"""National catalogs as Django models: ICD-10, drugs, technical services, lab tests.

Each row keeps a `search_text`: the folded (accent-free, lower-case) code and names, indexed, so
searches such as `tang huyet ap` or `paracetamol 500` are accent-insensitive on SQLite and
PostgreSQL alike. Rows are shared by every facility on the server (one provincial price list);
per-facility formularies are a later step (see docs/decisions/0007-staff-and-catalogs.md).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from .text import fold


class CatalogEntry(models.Model):
    code = models.CharField(_("mã"), max_length=32, db_index=True)
    name = models.CharField(_("tên"), max_length=500)
    search_text = models.TextField(editable=False, default="", db_index=True)
    active = models.BooleanField(_("đang dùng"), default=True)
    updated = models.DateTimeField(auto_now=True)

    objects: ClassVar[models.Manager[Any]]  # declared for type checkers; Django adds it to each concrete model

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.search_text = fold(" ".join(p for p in self.search_parts() if p))
        super().save(*args, **kwargs)

    def search_parts(self) -> list[str]:
        return [self.code, self.name]


class Icd10(CatalogEntry):
    """ICD-10 (QĐ 4469/QĐ-BYT): code with a dot (I10, E11.9), Vietnamese and English names."""

    name_en = models.CharField(_("tên tiếng Anh"), max_length=500, blank=True)
    chapter = models.CharField(_("chương"), max_length=8, blank=True)  # "Mã chương": I10 → "I00-I99"
    # The Ministry's list (QĐ 4469) also places each code in a chapter and a main group (nhóm chính).
    chapter_name = models.CharField(_("tên chương"), max_length=300, blank=True)
    group_code = models.CharField(_("mã nhóm chính"), max_length=16, blank=True)
    group_name = models.CharField(_("tên nhóm chính"), max_length=300, blank=True)

    class Meta(CatalogEntry.Meta):
        verbose_name = _("mã bệnh ICD-10")
        constraints = [models.UniqueConstraint(fields=["code"], name="icd10_code_unique")]

    def search_parts(self) -> list[str]:
        return [self.code, self.code.replace(".", ""), self.name, self.name_en]


class Drug(CatalogEntry):
    """A drug in the facility's formulary, with the fields BHYT XML2 needs."""

    active_ingredient = models.CharField(_("hoạt chất"), max_length=500)
    strength = models.CharField(_("hàm lượng"), max_length=200, blank=True)
    dosage_form = models.CharField(_("dạng bào chế"), max_length=200, blank=True)
    route = models.CharField(_("đường dùng"), max_length=100, blank=True)
    unit = models.CharField(_("đơn vị tính"), max_length=50)
    price = models.DecimalField(_("đơn giá (VNĐ)"), max_digits=14, decimal_places=2, default=0)
    registration_number = models.CharField(_("số đăng ký"), max_length=100, blank=True)
    bhyt_covered = models.BooleanField(_("BHYT chi trả"), default=True)
    bhyt_rate = models.PositiveSmallIntegerField(_("tỷ lệ thanh toán BHYT (%)"), default=100)
    bhyt_group = models.CharField(_("mã nhóm BHYT"), max_length=8, blank=True)  # MA_NHOM: 4 in-list drug, 5 ...
    bid_info = models.CharField(_("thông tin thầu"), max_length=100, blank=True)  # TT_THAU

    class Meta(CatalogEntry.Meta):
        verbose_name = _("thuốc")
        constraints = [models.UniqueConstraint(fields=["code"], name="drug_code_unique")]

    def search_parts(self) -> list[str]:
        return [self.code, self.name, self.active_ingredient, self.strength]


class TechnicalService(CatalogEntry):
    """A technical service (dịch vụ kỹ thuật): examination, procedure, imaging, lab panel, bed day."""

    group = models.CharField(_("nhóm dịch vụ"), max_length=200, blank=True)
    unit = models.CharField(_("đơn vị tính"), max_length=50, blank=True)
    price = models.DecimalField(_("đơn giá (VNĐ)"), max_digits=14, decimal_places=2, default=0)
    bhyt_price = models.DecimalField(_("giá BHYT (VNĐ)"), max_digits=14, decimal_places=2, null=True, blank=True)
    bhyt_group = models.CharField(_("mã nhóm BHYT"), max_length=8, blank=True)  # MA_NHOM: 13 khám, 8 PT, 18 TT…

    class Meta(CatalogEntry.Meta):
        verbose_name = _("dịch vụ kỹ thuật")
        constraints = [models.UniqueConstraint(fields=["code"], name="service_code_unique")]

    def search_parts(self) -> list[str]:
        return [self.code, self.name, self.group]


class LabTest(CatalogEntry):
    """A lab test (chỉ số xét nghiệm) with its unit and reference ranges by sex."""

    group = models.CharField(_("nhóm xét nghiệm"), max_length=200, blank=True)
    unit = models.CharField(_("đơn vị"), max_length=50, blank=True)
    loinc = models.CharField("LOINC", max_length=20, blank=True)
    low_male = models.DecimalField(_("giới hạn dưới (nam)"), max_digits=12, decimal_places=4, null=True, blank=True)
    high_male = models.DecimalField(_("giới hạn trên (nam)"), max_digits=12, decimal_places=4, null=True, blank=True)
    low_female = models.DecimalField(_("giới hạn dưới (nữ)"), max_digits=12, decimal_places=4, null=True, blank=True)
    high_female = models.DecimalField(_("giới hạn trên (nữ)"), max_digits=12, decimal_places=4, null=True, blank=True)
    service_code = models.CharField(_("mã dịch vụ kỹ thuật"), max_length=32, blank=True)
    # The patient app holds a report containing this test until a doctor has gone over it with the
    # patient, or a delay has passed (decision 0024).
    release_after_review = models.BooleanField(_("chỉ trả kết quả sau khi bác sĩ tư vấn"), default=False)

    class Meta(CatalogEntry.Meta):
        verbose_name = _("xét nghiệm")
        constraints = [models.UniqueConstraint(fields=["code"], name="labtest_code_unique")]

    def search_parts(self) -> list[str]:
        return [self.code, self.name, self.group, self.loinc]

    def reference_range(self, sex: str) -> tuple[Any, Any]:
        """(low, high) for `male`/`female` (FHIR gender); other sexes get the male range when only one is set."""
        if sex == "female" and (self.low_female is not None or self.high_female is not None):
            return self.low_female, self.high_female
        return self.low_male, self.high_male


class CatalogImport(models.Model):
    """An uploaded catalog file awaiting confirmation. The catalog itself is untouched until confirmed."""

    class Status(models.TextChoices):
        PREVIEW = "preview", _("Chờ xác nhận")
        CONFIRMED = "confirmed", _("Đã nhập")
        CANCELLED = "cancelled", _("Đã huỷ")

    kind = models.CharField(max_length=20)
    filename = models.CharField(max_length=255)
    content = models.BinaryField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PREVIEW)
    created_by = models.CharField(max_length=150, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    accepted = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created"]
