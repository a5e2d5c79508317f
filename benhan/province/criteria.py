"""The self-assessment checklist: TT 13/2025/TT-BYT (electronic medical records) and the criteria
groups of TT 54/2017/TT-BYT (IT maturity), as in VN-STANDARDS.md section 1.

The status follows from the answers, so it is the same at the node and at the hub: nothing met is
"not started", every required criterion met is "live", anything between is "in progress".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import EmrStatus


@dataclass(frozen=True)
class Criterion:
    code: str
    circular: str
    text: str | Promise
    required: bool = True  # needed to count as live


CRITERIA: tuple[Criterion, ...] = (
    Criterion("tt13-content", "TT 13/2025", _("Bệnh án điện tử có đủ nội dung hồ sơ bệnh án theo Chương X Thông tư 32/2023/TT-BYT")),
    Criterion("tt13-identity", "TT 13/2025", _("Bệnh án điện tử liên kết với số định danh cá nhân (CCCD)")),
    Criterion("tt13-signing", "TT 13/2025", _("Mỗi nội dung được người chịu trách nhiệm ký số / ký điện tử")),
    Criterion("tt13-patient-sign", "TT 13/2025", _("Người bệnh ký hoặc xác nhận điện tử (VNeID, chữ ký điện tử, xác nhận khác)")),
    Criterion("tt13-rules", "TT 13/2025", _("Có quy chế sử dụng chữ ký số, chữ ký điện tử và quản lý bệnh án điện tử")),
    Criterion("tt13-storage", "TT 13/2025", _("Lưu trữ, sao lưu bệnh án điện tử theo thời hạn luật định (10/15/20 năm)")),
    Criterion("tt13-privacy", "TT 13/2025", _("Tuân thủ an toàn thông tin và bảo vệ dữ liệu cá nhân")),
    Criterion("tt13-decision", "TT 13/2025", _("Thủ trưởng cơ sở quyết định triển khai và báo cáo Sở Y tế")),
    Criterion("tt54-infrastructure", "TT 54/2017", _("Nhóm 1: hạ tầng công nghệ thông tin")),
    Criterion("tt54-management", "TT 54/2017", _("Nhóm 2: phần mềm quản lý điều hành"), required=False),
    Criterion("tt54-emr", "TT 54/2017", _("Nhóm 3: bệnh án điện tử (EMR)")),
    Criterion("tt54-his", "TT 54/2017", _("Nhóm 4: hệ thống thông tin bệnh viện (HIS)")),
    Criterion("tt54-lis", "TT 54/2017", _("Nhóm 5: hệ thống xét nghiệm (LIS)"), required=False),
    Criterion("tt54-ris", "TT 54/2017", _("Nhóm 6: chẩn đoán hình ảnh (RIS)"), required=False),
    Criterion("tt54-pacs", "TT 54/2017", _("Nhóm 7: lưu trữ và truyền hình ảnh (PACS)"), required=False),
    Criterion("tt54-security", "TT 54/2017", _("Nhóm 8: phi chức năng, bảo mật và an toàn thông tin")),
)
CODES = frozenset(c.code for c in CRITERIA)


def clean(answers: Mapping[str, object]) -> dict[str, bool]:
    """Only known criteria, as booleans (a report from a newer node may carry codes we do not know)."""
    return {c.code: bool(answers.get(c.code)) for c in CRITERIA}


def status_of(answers: Mapping[str, object]) -> str:
    met = clean(answers)
    if not any(met.values()):
        return EmrStatus.NOT_STARTED
    if all(met[c.code] for c in CRITERIA if c.required):
        return EmrStatus.LIVE
    return EmrStatus.IN_PROGRESS


def score(answers: Mapping[str, object]) -> tuple[int, int]:
    met = clean(answers)
    return sum(met.values()), len(CRITERIA)
