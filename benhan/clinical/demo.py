"""`benhan demo` step: an inpatient stay to a signed discharge and today's outpatient clinic, written
with the clinical workflow functions (so the demo exercises the same code as the clinicians).

Idempotent: a patient whose stay or visit the step already wrote is left alone.
"""

from __future__ import annotations

from benhan.accounts.actors import actor_for_user
from benhan.accounts.models import Facility, User
from benhan.facilities.demo import DemoContext
from benhan.fhir.repository import Repository

from .models import ChartEntry, QueueTicket
from .workflows import inpatient, orders, prescriptions, visits

FACILITY = "25001"


def _signing_ready(doctor: User) -> None:
    """The demo doctor (and technician) signs with a certificate from the facility's own CA (created on first run)."""
    from benhan.documents.models import CertificateAuthority, SigningCredential
    from benhan.documents.pki.authority import init_facility_ca, issue_user_certificate

    facility = Facility.objects.get(code=FACILITY)
    if not CertificateAuthority.objects.filter(facility_code=FACILITY).exists():
        init_facility_ca(facility)
    if not SigningCredential.objects.filter(user=doctor, active=True).exists():
        issue_user_certificate(doctor)


def load_clinical_workflows(ctx: DemoContext) -> None:
    doctor = User.objects.filter(username="bs.an").first()
    nurse = User.objects.filter(username="dd.binh").first()
    technician = User.objects.filter(username="ktv.dung").first()
    patients = [p for p in ctx.patients if p.facility == FACILITY]
    if doctor is None or nurse is None or technician is None or len(patients) < 5:
        ctx.out("  (bỏ qua: thiếu nhân viên hoặc người bệnh mẫu của cơ sở 25001)")
        return
    _signing_ready(doctor)
    _signing_ready(technician)
    as_doctor = Repository(actor_for_user(doctor), FACILITY, purpose="TREAT", reason="benhan demo")
    as_nurse = Repository(actor_for_user(nurse), FACILITY, purpose="TREAT", reason="benhan demo")
    as_technician = Repository(actor_for_user(technician), FACILITY, purpose="TREAT", reason="benhan demo")

    stay_patient = patients[0]
    if not ChartEntry.objects.filter(patient_id=stay_patient.id, resource_type="Composition").exists():
        stay = inpatient.admit(as_doctor, stay_patient.id, "K02", "C001", "J18.9", "Sốt cao 39°C, ho khạc đờm, khó thở 4 ngày")
        visits.record_vitals(as_nurse, stay["id"], {"pulse": "104", "temperature": "39,2", "systolic": "110",
                                                    "diastolic": "70", "respiratory_rate": "26", "spo2": "91"})
        visits.record_note(as_doctor, stay["id"], "exam", "Ran nổ đáy phổi phải. Tim nhịp nhanh đều.")
        (blood,) = orders.place_orders(as_doctor, stay["id"], ["XN.01"])
        report = orders.enter_lab_results(as_technician, blood["id"], {"WBC": "15,8", "HGB": "128", "PLT": "310"},
                                          "Bạch cầu tăng")
        orders.sign_report(as_doctor, doctor, report["id"])
        (xray,) = orders.place_orders(as_doctor, stay["id"], ["CDHA.01"], "Sốt, ho đờm, ran nổ phổi phải")
        film = orders.enter_imaging_report(as_technician, xray["id"], "Đám mờ không đều thuỳ dưới phổi phải, "
                                           "xoá góc sườn hoành phải. Bóng tim không to.", "Viêm phổi thuỳ dưới phải")
        orders.sign_report(as_technician, technician, film["id"])
        inpatient.transfer(as_doctor, stay["id"], "K03", "H001")
        inpatient.record_course(as_doctor, stay["id"], "Ngày 2: còn sốt 38°C, ho giảm, SpO2 95% thở khí trời.",
                                "Amoxicilin + Acid clavulanic 625mg x 2 viên/ngày")
        inpatient.record_course(as_doctor, stay["id"], "Ngày 5: hết sốt, ăn ngủ được, phổi giảm ran.", "Tiếp tục kháng sinh")
        inpatient.discharge(as_doctor, doctor, stay["id"], "J18.9", [], "Kháng sinh đường uống 7 ngày, hạ sốt, bù dịch",
                            "Khỏi bệnh, hết sốt, tỉnh táo", "Tái khám sau 7 ngày hoặc khi sốt lại")
        ctx.count("đợt điều trị nội trú (đã ký giấy ra viện)")

    clinic = patients[1:4]
    if not QueueTicket.objects.filter(patient_id__in=[p.id for p in clinic]).exists():
        done, waiting, measured = clinic
        visit = visits.start_outpatient_visit(as_doctor, done.id, "P101", "Phòng khám 1", "Tái khám tăng huyết áp")
        eid = visit.encounter["id"]
        visits.record_vitals(as_nurse, eid, {"pulse": "78", "systolic": "150", "diastolic": "92", "weight": "62",
                                             "height": "158"})
        visits.record_note(as_doctor, eid, "history", "Tăng huyết áp 3 năm, uống thuốc không đều.")
        visits.record_note(as_doctor, eid, "exam", "Tim đều, phổi trong, không phù.")
        visits.set_diagnoses(as_doctor, eid, "I10", [])
        lines = prescriptions.prescribe(as_doctor, eid, [prescriptions.Line("TH0002", "1", "1", "30", "oral", "uống buổi sáng")],
                                        confirm_warnings=True)
        prescriptions.sign_prescription(as_doctor, doctor, eid, lines[0]["groupIdentifier"]["value"])
        visits.conclude_visit(as_doctor, doctor, eid, "home", "Huyết áp chưa đạt mục tiêu, tiếp tục điều trị ngoại trú.")
        later = visits.start_outpatient_visit(as_doctor, measured.id, "P101", "Phòng khám 1", "Ho, sốt nhẹ 2 ngày")
        visits.record_vitals(as_nurse, later.encounter["id"], {"pulse": "90", "temperature": "37,8"})
        visits.start_outpatient_visit(as_doctor, waiting.id, "P101", "Phòng khám 1", "Đau thượng vị")
        ctx.count("lượt khám ngoại trú hôm nay", 3)
