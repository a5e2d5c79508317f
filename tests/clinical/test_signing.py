from __future__ import annotations

import pytest

from benhan.accounts.models import User
from benhan.clinical.errors import ClinicalError
from benhan.clinical.workflows.chart import open_chart
from benhan.clinical.workflows.inpatient import admit, discharge
from benhan.clinical.workflows.orders import enter_lab_results, place_orders, sign_report
from benhan.clinical.workflows.prescriptions import Line, prescribe, sign_prescription
from benhan.clinical.workflows.signing import kind_of, signed_documents, signed_targets
from benhan.clinical.workflows.visits import (
    conclude_visit,
    record_note,
    record_vitals,
    set_diagnoses,
    start_outpatient_visit,
)
from benhan.documents import verify
from benhan.documents.models import SignedDocument
from benhan.fhir.repository import Repository

from .helpers import new_patient


def _visit(repo: Repository) -> dict:
    patient = new_patient(repo)
    encounter = start_outpatient_visit(repo, patient["id"], "P101").encounter
    record_vitals(repo, encounter["id"], {"pulse": "88", "systolic": "150", "diastolic": "90"})
    record_note(repo, encounter["id"], "exam", "Tim đều, phổi trong.")
    set_diagnoses(repo, encounter["id"], "I10", [])
    return encounter


def test_concluding_a_visit_signs_the_visit_record_and_the_signature_verifies(doctor_repo: Repository,
                                                                             signing_doctor: User) -> None:
    encounter = _visit(doctor_repo)
    done = conclude_visit(doctor_repo, signing_doctor, encounter["id"], "reexam", "Ổn định, điều trị ngoại trú",
                          reexam_date="01/01/2099")
    assert done.encounter["status"] == "finished"
    assert done.appointment is not None and done.appointment_paper is not None
    result = verify(doctor_repo, done.visit_record)
    assert result.ok, result.problems
    kinds = sorted(kind_of(d) for d in signed_documents(doctor_repo, encounter["id"]))
    assert kinds == ["reexam_appointment", "visit_record"]


def test_a_visit_whose_doctor_cannot_sign_stays_open(doctor_repo: Repository, doctor: User) -> None:
    encounter = _visit(doctor_repo)  # the doctor has no signing certificate
    with pytest.raises(ClinicalError, match="Không ký số được"):
        conclude_visit(doctor_repo, doctor, encounter["id"], "home", "Về nhà")
    assert doctor_repo.read("Encounter", encounter["id"]).json()["status"] == "in-progress"
    assert not SignedDocument.objects.exists()


def test_a_visit_without_a_main_diagnosis_cannot_be_concluded(doctor_repo: Repository, signing_doctor: User) -> None:
    patient = new_patient(doctor_repo)
    encounter = start_outpatient_visit(doctor_repo, patient["id"], "P101").encounter
    with pytest.raises(ClinicalError, match="Chưa nhập chẩn đoán chính"):
        conclude_visit(doctor_repo, signing_doctor, encounter["id"], "home", "")


def test_a_signed_prescription_covers_its_lines_and_cannot_be_signed_twice(doctor_repo: Repository,
                                                                          signing_doctor: User) -> None:
    encounter = _visit(doctor_repo)
    lines = prescribe(doctor_repo, encounter["id"], [Line("AMLO5", "1", "1", "30")])
    group = lines[0]["groupIdentifier"]["value"]
    document = sign_prescription(doctor_repo, signing_doctor, encounter["id"], group)
    assert verify(doctor_repo, document).ok
    assert f"MedicationRequest/{lines[0]['id']}" in signed_targets(signed_documents(doctor_repo, encounter["id"]))
    with pytest.raises(ClinicalError, match="đã được ký"):
        sign_prescription(doctor_repo, signing_doctor, encounter["id"], group)


def test_signing_a_lab_report_makes_it_final(doctor_repo: Repository, signing_doctor: User) -> None:
    encounter = _visit(doctor_repo)
    (order,) = place_orders(doctor_repo, encounter["id"], ["XN-SHM"])
    report = enter_lab_results(doctor_repo, order["id"], {"GLU": "9,1"})
    document = sign_report(doctor_repo, signing_doctor, report["id"])
    assert doctor_repo.read("DiagnosticReport", report["id"]).json()["status"] == "final"
    assert verify(doctor_repo, document).ok
    with pytest.raises(ClinicalError, match="đã được duyệt"):
        sign_report(doctor_repo, signing_doctor, report["id"])


def test_discharge_finishes_the_stay_with_a_signed_discharge_paper(doctor_repo: Repository, signing_doctor: User,
                                                                  wards: None) -> None:
    patient = new_patient(doctor_repo)
    stay = admit(doctor_repo, patient["id"], "NOI", "H001", "J18.9")
    out = discharge(doctor_repo, signing_doctor, stay["id"], "J18.9", [], "Kháng sinh 7 ngày", "Khỏi", "Tái khám sau 1 tuần")
    assert out.encounter["status"] == "finished" and out.summary["status"] == "final"
    assert verify(doctor_repo, out.paper).ok
    chart = open_chart(doctor_repo, patient["id"])
    assert any(kind_of(d) == "discharge" for d in chart.sections["documents"].items)


def test_admitting_from_the_clinic_signs_the_visit_and_opens_the_stay_or_does_neither(
        doctor_repo: Repository, signing_doctor: User, wards: None) -> None:
    from benhan.clinical.workflows.inpatient import conclude_and_admit

    encounter = _visit(doctor_repo)
    with pytest.raises(ClinicalError, match="Chưa chọn khoa"):
        conclude_and_admit(doctor_repo, signing_doctor, encounter["id"], "KHONG-CO", "", "Nhập viện")
    assert doctor_repo.read("Encounter", encounter["id"]).json()["status"] == "in-progress"
    stay = conclude_and_admit(doctor_repo, signing_doctor, encounter["id"], "NOI", "H003", "Tăng huyết áp khó kiểm soát")
    assert stay["class"]["code"] == "IMP" and stay["partOf"]["reference"] == f"Encounter/{encounter['id']}"
    assert doctor_repo.read("Encounter", encounter["id"]).json()["status"] == "finished"
    assert [kind_of(d) for d in signed_documents(doctor_repo, encounter["id"])] == ["visit_record"]


def test_a_referral_runs_the_exchange_hooks_inside_the_conclusion(doctor_repo: Repository, signing_doctor: User,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from benhan.clinical.workflows import visits

    seen: list[tuple[str, str]] = []
    monkeypatch.setattr(visits, "referral_hooks", [lambda repo, enc, reason: seen.append((enc["id"], reason))])
    encounter = _visit(doctor_repo)
    with pytest.raises(ClinicalError, match="lý do chuyển"):
        conclude_visit(doctor_repo, signing_doctor, encounter["id"], "referral", "Chuyển tuyến")
    conclude_visit(doctor_repo, signing_doctor, encounter["id"], "referral", "Chuyển", referral_reason="Cần chụp CT")
    assert seen == [(encounter["id"], "Cần chụp CT")]


def test_an_imaging_report_is_signed_by_the_technician_who_read_it_and_verifies(
        doctor_repo: Repository, technician_repo: Repository, signing_technician: User) -> None:
    from benhan.clinical.workflows.orders import awaiting_signature, enter_imaging_report
    from benhan.documents import signed_pdf

    encounter = _visit(doctor_repo)
    (xray,) = place_orders(doctor_repo, encounter["id"], ["CDHA-XQ"], note="Ho kéo dài 3 tuần")
    report = enter_imaging_report(technician_repo, xray["id"], "Bóng tim không to. Hai phế trường sáng.",
                                  "Phổi bình thường")
    assert [r["id"] for r in awaiting_signature(technician_repo)] == [report["id"]]
    document = sign_report(technician_repo, signing_technician, report["id"])
    assert document.kind == "imaging_report"
    assert technician_repo.read("DiagnosticReport", report["id"]).json()["status"] == "final"
    assert awaiting_signature(technician_repo) == []
    result = verify(doctor_repo, document)
    assert result.ok, result.problems
    assert kind_of(signed_documents(doctor_repo, encounter["id"])[0]) == "imaging_report"
    pdf = signed_pdf(doctor_repo, document)
    assert pdf.startswith(b"%PDF") and b"/ByteRange" in pdf
    with pytest.raises(ClinicalError, match="đã được duyệt"):
        sign_report(technician_repo, signing_technician, report["id"])


def test_a_technician_cannot_approve_a_lab_report(doctor_repo: Repository, technician_repo: Repository,
                                                  signing_technician: User) -> None:
    encounter = _visit(doctor_repo)
    (order,) = place_orders(doctor_repo, encounter["id"], ["XN-SHM"])
    report = enter_lab_results(technician_repo, order["id"], {"GLU": "5,1"})
    with pytest.raises(ClinicalError, match="bác sĩ duyệt"):
        sign_report(technician_repo, signing_technician, report["id"])
    assert technician_repo.read("DiagnosticReport", report["id"]).json()["status"] == "preliminary"
    assert not SignedDocument.objects.exists()
