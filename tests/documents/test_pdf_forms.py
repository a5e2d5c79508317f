"""Each form renders from FHIR resources into a PDF that opens and carries its Vietnamese text."""

from __future__ import annotations

from io import BytesIO

import pytest
import segno
from pypdf import PdfReader
from pypdf.generic import DictionaryObject, PdfObject

from benhan.accounts.models import Facility
from benhan.documents import render_pdf
from benhan.documents.kinds import KINDS
from benhan.documents.pdf import contexts
from benhan.documents.pdf.formatting import vn_date, vn_datetime, vn_long_date, vnd
from benhan.documents.pdf.render import qr_data_uri, render_html

from .conftest import BHYT, CCCD, ICD10

MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
PRESCRIPTION_CODE = "00001A0000123C"

FACILITY = Facility(code="00001", name="Trung tâm Y tế khu vực Phú Xuyên", address="Xã Phú Xuyên, Hà Nội",
                    kind=Facility.Kind.REGIONAL_CENTER)
PATIENT = {
    "resourceType": "Patient", "id": "p1",
    "identifier": [{"system": CCCD, "value": "001167012345"}, {"system": BHYT, "value": "HT4790123456789"}],
    "name": [{"family": "Nguyễn", "given": ["Thị", "Hồng", "Nhung"]}], "gender": "female", "birthDate": "1967-03-05",
    "address": [{"line": ["Thôn Phú Mỹ"], "city": "Xã Phượng Dực", "state": "Hà Nội"}],
}
COVERAGE = {"resourceType": "Coverage", "subscriberId": "HT4790123456789", "period": {"end": "2026-12-31"}}
ENCOUNTER = {
    "resourceType": "Encounter", "id": "e1", "period": {"start": "2026-11-20T08:15:00+07:00", "end": "2026-11-25T09:00:00+07:00"},
    "reasonCode": [{"text": "Đau đầu, chóng mặt"}], "serviceProvider": {"display": "Khoa Nội tổng hợp"},
    "diagnosis": [{"condition": {"reference": "Condition/c2"}, "rank": 1}],
    "hospitalization": {"dischargeDisposition": {"text": "Đỡ, giảm"}},
}
CONDITIONS = [
    {"resourceType": "Condition", "id": "c1", "code": {"coding": [{"system": ICD10, "code": "E11", "display": "Đái tháo đường típ 2"}]}},
    {"resourceType": "Condition", "id": "c2", "code": {"coding": [{"system": ICD10, "code": "I10", "display": "Tăng huyết áp vô căn"}]}},
]
GLUCOSE = {
    "resourceType": "Observation", "id": "o1", "code": {"text": "Glucose máu"},
    "valueQuantity": {"value": 8.2, "unit": "mmol/L"},
    "referenceRange": [{"low": {"value": 3.9}, "high": {"value": 6.4}}],
    "interpretation": [{"coding": [{"code": "H"}]}],
}
CREATININE = {
    "resourceType": "Observation", "id": "o2", "code": {"text": "Creatinin"},
    "valueQuantity": {"value": 80, "unit": "µmol/L"}, "referenceRange": [{"text": "62 - 120"}],
}


def text_of(pdf: bytes) -> str:
    reader = PdfReader(BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def common_checks(kind: str, pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF")
    text = text_of(pdf)
    for needed in (*MOTTO, KINDS[kind].title, "TRUNG TÂM Y TẾ KHU VỰC PHÚ XUYÊN", "00001", "NGUYỄN THỊ HỒNG NHUNG",
                   "05/03/1967", "Nữ", "001167012345", "HT4790123456789", "Thôn Phú Mỹ, Xã Phượng Dực, Hà Nội"):
        assert needed in text, f"{needed!r} missing from the {kind} PDF"
    return text


def test_the_visit_record_shows_diagnoses_with_the_principal_first_and_vital_signs() -> None:
    bp = {"resourceType": "Observation", "code": {"text": "Huyết áp"},
          "component": [{"valueQuantity": {"value": 150, "unit": "mmHg"}}, {"valueQuantity": {"value": 90, "unit": "mmHg"}}]}
    ctx = contexts.visit_record_context(PATIENT, ENCOUNTER, CONDITIONS, [bp], facility=FACILITY, coverage=COVERAGE)
    assert [d["code"] for d in ctx["diagnoses"]] == ["I10", "E11"] and ctx["diagnoses"][0]["primary"]
    text = common_checks("visit_record", render_pdf("visit_record", ctx))
    assert "Bệnh chính" in text and "150/90 mmHg" in text and "Đau đầu, chóng mặt" in text
    assert "31/12/2026" in text  # BHYT card valid-to, dd/mm/yyyy


def test_the_prescription_carries_the_national_code_its_qr_and_dosage() -> None:
    request = {
        "resourceType": "MedicationRequest",
        "groupIdentifier": {"system": contexts.PRESCRIPTION_CODE_SYSTEM, "value": PRESCRIPTION_CODE},
        "medicationCodeableConcept": {"text": "Amlodipin 5mg"},
        "dosageInstruction": [{"text": "Uống 1 viên/lần, 1 lần/ngày, buổi sáng"}],
        "dispenseRequest": {"quantity": {"value": 30, "unit": "viên"}, "expectedSupplyDuration": {"value": 30}},
        "extension": [{"url": "https://benhan.vn/fhir/StructureDefinition/thanh-tien", "valueMoney": {"value": 45000, "currency": "VND"}}],
    }
    ctx = contexts.prescription_context(PATIENT, [request], CONDITIONS, facility=FACILITY)
    assert ctx["prescription_code"] == PRESCRIPTION_CODE and len(PRESCRIPTION_CODE) == 14
    pdf = render_pdf("prescription", ctx)
    text = common_checks("prescription", pdf)
    assert PRESCRIPTION_CODE in text and "Amlodipin 5mg" in text and "Uống 1 viên/lần" in text
    assert "45.000 đ" in text and "30 ngày" in text
    # The QR encodes the code itself (what a pharmacy scanner reads), and the page carries it.
    html = render_html("prescription", ctx)
    assert qr_data_uri(PRESCRIPTION_CODE) in html
    assert segno.make(PRESCRIPTION_CODE, error="m").designator  # a valid symbol for the 14 characters


def test_the_lab_report_shows_reference_ranges_and_flags_abnormal_results() -> None:
    report = {"resourceType": "DiagnosticReport", "code": {"text": "Sinh hóa máu"}, "issued": "2026-11-25T10:30:00+07:00",
              "result": [{"reference": "Observation/o1"}, {"reference": "Observation/o2"}], "conclusion": "Glucose máu tăng."}
    ctx = contexts.lab_report_context(PATIENT, report, [CREATININE, GLUCOSE], facility=FACILITY)
    glucose, creatinine = ctx["results"]
    assert glucose == {"name": "Glucose máu", "value": "8,2", "unit": "mmol/L", "range": "3,9 - 6,4", "flag": "H", "abnormal": True}
    assert creatinine["flag"] == "" and not creatinine["abnormal"] and creatinine["range"] == "62 - 120"
    text = common_checks("lab_report", render_pdf("lab_report", ctx))
    assert "Chỉ số bình thường" in text and "3,9 - 6,4" in text and "10:30 25/11/2026" in text
    assert "Glucose máu tăng." in text


def test_the_imaging_report_shows_the_order_findings_and_conclusion() -> None:
    import base64

    findings = "Bóng tim không to.\nHai phế trường sáng, không thấy tổn thương khu trú."
    report = {"resourceType": "DiagnosticReport", "code": {"text": "Chụp X-quang ngực thẳng"},
              "effectiveDateTime": "2026-11-25T09:40:00+07:00", "issued": "2026-11-25T10:05:00+07:00",
              "presentedForm": [{"contentType": "text/plain; charset=utf-8",
                                 "data": base64.b64encode(findings.encode()).decode()}],
              "conclusion": "Hình ảnh X-quang ngực bình thường."}
    request = {"resourceType": "ServiceRequest", "authoredOn": "2026-11-25T09:00:00+07:00",
               "requester": {"display": "Trần Thị Lan"}, "note": [{"text": "Ho kéo dài 3 tuần"}]}
    ctx = contexts.imaging_report_context(PATIENT, report, request, facility=FACILITY)
    assert ctx["findings"] == findings
    text = common_checks("imaging_report", render_pdf("imaging_report", ctx))
    assert "Chụp X-quang ngực thẳng" in text and "Ho kéo dài 3 tuần" in text and "Trần Thị Lan" in text
    assert "Hai phế trường sáng" in text and "Hình ảnh X-quang ngực bình thường." in text
    assert "09:40 25/11/2026" in text


def test_the_discharge_paper_shows_admission_discharge_and_outcome() -> None:
    ctx = contexts.discharge_context(PATIENT, ENCOUNTER, CONDITIONS, facility=FACILITY,
                                     extra={"treatment": "Nội khoa", "head_of_unit": "Phạm Văn Đức"})
    text = common_checks("discharge", render_pdf("discharge", ctx))
    assert "08:15 20/11/2026" in text and "09:00 25/11/2026" in text and "Đỡ, giảm" in text
    assert "Thủ trưởng đơn vị" in text and "Phạm Văn Đức" in text


def test_the_referral_paper_has_the_tt_01_2025_fields() -> None:
    referral = {"resourceType": "ServiceRequest", "authoredOn": "2026-11-25T14:00:00+07:00",
                "performer": [{"display": "Bệnh viện Đa khoa tỉnh", "identifier": {"value": "01001"}}],
                "identifier": [{"system": contexts.REFERRAL_NUMBER_SYSTEM, "value": "CT-2026-0042"}],
                "reasonCode": [{"coding": [{"system": contexts.REFERRAL_REASON_SYSTEM, "code": "1"}]},
                               {"text": "Vượt quá khả năng chuyên môn"}],
                "note": [{"text": "Huyết áp không kiểm soát"}]}
    ctx = contexts.referral_context(PATIENT, referral, ENCOUNTER, CONDITIONS, facility=FACILITY, extra={
        "clinical_signs": "Đau ngực trái", "results_summary": "Điện tim: ST chênh", "treatment": "Amlodipin",
        "condition": "Tỉnh, mạch 90", "direction": "Điều trị chuyên khoa tim mạch", "transport": "Xe cứu thương",
        "escort": "Lê Văn Cường, điều dưỡng", "patient": {"ethnicity": "Kinh", "nationality": "Việt Nam"}})
    assert ctx["reason_code"] == "1" and ctx["reason"] == "Vượt quá khả năng chuyên môn"
    text = common_checks("referral", render_pdf("referral", ctx))
    for field in ("Kính gửi:", "Bệnh viện Đa khoa tỉnh", "01001", "Dấu hiệu lâm sàng:", "Đau ngực trái",
                  "Tóm tắt kết quả xét nghiệm", "Lý do chuyển:", "Vượt quá khả năng chuyên môn", "Hướng điều trị:",
                  "Xe cứu thương", "Lê Văn Cường, điều dưỡng", "Tình trạng người bệnh lúc chuyển:", "14:00 25/11/2026",
                  "Số chuyển cơ sở: CT-2026-0042", "☒ 1. Đủ điều kiện chuyển cơ sở", "☐ 2. Theo yêu cầu", "Dân tộc: Kinh"):
        assert field in text


def test_the_reexam_appointment_shows_the_date_and_place() -> None:
    appointment = {"resourceType": "Appointment", "start": "2026-12-25T07:30:00+07:00",
                   "participant": [{"actor": {"reference": "Location/l1", "display": "Phòng khám Nội số 3"}}],
                   "comment": "Nhịn ăn sáng để xét nghiệm"}
    ctx = contexts.reexam_context(PATIENT, appointment, ENCOUNTER, CONDITIONS, facility=FACILITY)
    text = common_checks("reexam_appointment", render_pdf("reexam_appointment", ctx))
    assert "07:30 25/12/2026" in text and "Phòng khám Nội số 3" in text and "Nhịn ăn sáng" in text


def _dictionary(value: PdfObject) -> DictionaryObject:
    """A PDF dictionary entry read through pypdf, which resolves indirect objects but types the result loosely."""
    assert isinstance(value, DictionaryObject), type(value)
    return value


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_form_embeds_only_our_dejavu_face_so_no_fallback_font_mangles_diacritics(kind: str) -> None:
    ctx = contexts.context_from_resources(kind, [PATIENT, ENCOUNTER, *CONDITIONS, GLUCOSE], facility=FACILITY)
    reader = PdfReader(BytesIO(render_pdf(kind, ctx)))
    fonts = [f.get_object() for f in _dictionary(_dictionary(reader.pages[0]["/Resources"])["/Font"]).values()]
    names = {str(f["/BaseFont"]).split("+")[-1] for f in fonts}
    assert names <= {"BenhanSans", "BenhanSans-Bold", "BenhanSans-Oblique", "BenhanSans-BoldOblique"}
    for font in fonts:  # embedded (a subset), not left to the reader's machine
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"] if "/DescendantFonts" in font else font["/FontDescriptor"]
        assert "/FontFile2" in descriptor.get_object()


def test_vietnamese_display_formats() -> None:
    assert vn_date("1967-03-05") == "05/03/1967" and vn_date("1967-03") == "03/1967" and vn_date("1967") == "1967"
    assert vn_datetime("2026-11-25T02:30:00Z") == "09:30 25/11/2026"  # shown in Vietnam time
    assert vnd(1234500) == "1.234.500 đ" and vnd("45000.4") == "45.000 đ"
    from datetime import date

    assert vn_long_date(date(2026, 3, 5)) == "ngày 05 tháng 03 năm 2026"
