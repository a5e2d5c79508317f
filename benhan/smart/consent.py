"""The consent screen's words: what each requested scope lets the app see, in plain Vietnamese."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from benhan.fhir.access import Scope

from .server import CONSENT_DAYS

_TYPES = {
    "*": gettext_lazy("Toàn bộ hồ sơ sức khoẻ: lượt khám, chẩn đoán, kết quả, đơn thuốc, giấy tờ"),
    "Patient": gettext_lazy("Thông tin hành chính: họ tên, ngày sinh, giới tính, địa chỉ"),
    "Observation": gettext_lazy("Chỉ số xét nghiệm và sinh hiệu"),
    "DiagnosticReport": gettext_lazy("Phiếu kết quả xét nghiệm, chẩn đoán hình ảnh"),
    "Encounter": gettext_lazy("Các lượt khám, nằm viện"),
    "Condition": gettext_lazy("Chẩn đoán, bệnh"),
    "MedicationRequest": gettext_lazy("Đơn thuốc"),
    "DocumentReference": gettext_lazy("Giấy tờ đã ký (PDF): ra viện, chuyển tuyến, hẹn tái khám"),
    "AllergyIntolerance": gettext_lazy("Dị ứng"),
    "Immunization": gettext_lazy("Tiêm chủng"),
    "Appointment": gettext_lazy("Lịch hẹn"),
    "Procedure": gettext_lazy("Thủ thuật, phẫu thuật"),
}


@dataclass(frozen=True)
class DataLine:
    what: str
    access: str


def data_lines(scopes: tuple[str, ...]) -> list[DataLine]:
    out: list[DataLine] = []
    for text in scopes:
        scope = Scope.parse(text)
        if scope is None or scope.context != "patient":
            continue
        what = str(_TYPES.get(scope.resource_type, scope.resource_type))
        access = _("xem và ghi thêm") if scope.write and scope.read else _("ghi thêm") if scope.write else _("chỉ xem")
        out.append(DataLine(what, access))
    return out


@dataclass(frozen=True)
class Duration:
    days: int
    label: str
    until: datetime


def durations(now: datetime | None = None) -> list[Duration]:
    now = now or timezone.now()
    labels = {1: _("1 ngày"), 30: _("30 ngày"), 90: _("90 ngày"), 365: _("1 năm")}
    return [Duration(d, labels[d], now + timedelta(days=d)) for d in CONSENT_DAYS]
