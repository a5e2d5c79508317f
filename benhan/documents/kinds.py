"""The paper forms benhan signs, with their Vietnamese titles and the LOINC document type each is filed under."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    code: str
    title: str  # as printed on the form
    loinc: str
    loinc_display: str
    signer_title: str  # the responsible person's role, printed above the signature


KINDS: dict[str, Kind] = {k.code: k for k in (
    Kind("visit_record", "PHIẾU KHÁM BỆNH", "34108-1", "Outpatient Note", "Bác sĩ khám bệnh"),
    Kind("prescription", "ĐƠN THUỐC", "57833-6", "Prescription for medication", "Bác sĩ kê đơn"),
    Kind("lab_report", "PHIẾU KẾT QUẢ XÉT NGHIỆM", "11502-2", "Laboratory report", "Người duyệt kết quả"),
    Kind("imaging_report", "PHIẾU KẾT QUẢ CHẨN ĐOÁN HÌNH ẢNH", "18748-4", "Diagnostic imaging study",
         "Bác sĩ / kỹ thuật viên đọc kết quả"),
    Kind("discharge", "GIẤY RA VIỆN", "18842-5", "Discharge summary", "Trưởng khoa / Bác sĩ điều trị"),
    Kind("referral", "GIẤY CHUYỂN CƠ SỞ KHÁM BỆNH, CHỮA BỆNH", "57133-1", "Referral note", "Người có thẩm quyền chuyển"),
    Kind("reexam_appointment", "GIẤY HẸN KHÁM LẠI", "56446-8", "Appointment summary Document", "Bác sĩ hẹn khám"),
)}


class UnknownKind(ValueError):
    pass


def get_kind(code: str) -> Kind:
    try:
        return KINDS[code]
    except KeyError as exc:
        raise UnknownKind(f"unknown document kind {code!r}; known: {', '.join(KINDS)}") from exc
