from __future__ import annotations

from decimal import Decimal

import pytest

from benhan.clinical.errors import ClinicalError
from benhan.clinical.workflows.prescriptions import (
    Line,
    PrescriptionWarning,
    prescribe,
    prescription_group,
    quantity,
    record_allergy,
)
from benhan.clinical.workflows.visits import set_diagnoses, start_outpatient_visit
from benhan.fhir.models import ResourceRow
from benhan.fhir.repository import Repository

from .helpers import new_patient


def _visit(repo: Repository, main: str = "J06.9", patient: dict | None = None) -> dict:
    patient = patient or new_patient(repo)
    encounter = start_outpatient_visit(repo, patient["id"], "P101").encounter
    set_diagnoses(repo, encounter["id"], main, [])
    return encounter


def test_total_quantity_is_dose_times_frequency_times_days_rounded_up() -> None:
    assert quantity(Decimal(1), 2, 7) == 14
    assert quantity(Decimal("0.5"), 3, 5) == 8


def test_a_prescription_line_is_a_medication_request_with_vietnamese_instructions(doctor_repo: Repository) -> None:
    encounter = _visit(doctor_repo)
    (request,) = prescribe(doctor_repo, encounter["id"], [Line("PARA500", "1", "3", "5", "oral", "sau ăn")])
    dosage = request["dosageInstruction"][0]
    assert dosage["text"] == "Uống, mỗi lần 1 viên, ngày 3 lần, trong 5 ngày; sau ăn"
    assert dosage["timing"]["repeat"]["frequency"] == 3
    assert request["dispenseRequest"]["quantity"] == {"value": 15, "unit": "viên"}
    assert request["medicationCodeableConcept"]["text"] == "Paracetamol 500mg 500mg"
    assert list(prescription_group(doctor_repo, encounter["id"])) == [request["groupIdentifier"]["value"]]


def test_more_than_thirty_days_is_refused_unless_the_diagnosis_is_chronic(doctor_repo: Repository) -> None:
    acute = _visit(doctor_repo)
    with pytest.raises(ClinicalError, match="vượt quá 30 ngày"):
        prescribe(doctor_repo, acute["id"], [Line("AMLO5", "1", "1", "60")])
    chronic = _visit(doctor_repo, "I10", new_patient(doctor_repo, name="Đỗ Văn Hùng"))
    (request,) = prescribe(doctor_repo, chronic["id"], [Line("AMLO5", "1", "1", "60")])
    assert request["dispenseRequest"]["quantity"]["value"] == 60
    with pytest.raises(ClinicalError, match="vượt quá 90 ngày"):
        prescribe(doctor_repo, chronic["id"], [Line("METF850", "1", "2", "91")])


def test_the_chronic_list_is_configurable(doctor_repo: Repository, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BENHAN_CHRONIC_ICD10", "J06")
    encounter = _visit(doctor_repo, "J06.9")
    assert prescribe(doctor_repo, encounter["id"], [Line("PARA500", "1", "1", "45")])


def test_an_allergy_or_a_duplicate_ingredient_warns_before_anything_is_stored(doctor_repo: Repository) -> None:
    patient = new_patient(doctor_repo)
    record_allergy(doctor_repo, patient["id"], "Amoxicillin", "nổi mẩn")
    encounter = _visit(doctor_repo, patient=patient)
    lines = [Line("AMOX500", "1", "2", "5"), Line("PARA500", "1", "2", "3"), Line("EFFE500", "1", "2", "3")]
    with pytest.raises(PrescriptionWarning) as exc:
        prescribe(doctor_repo, encounter["id"], lines)
    assert any("Dị ứng" in w and "Amoxicillin" in w for w in exc.value.warnings)
    assert any("Trùng thuốc" in w and "Efferalgan" in w for w in exc.value.warnings)
    assert not ResourceRow.objects.filter(resource_type="MedicationRequest").exists()
    assert len(prescribe(doctor_repo, encounter["id"], lines, confirm_warnings=True)) == 3


def test_a_drug_still_running_from_another_prescription_is_warned_about(doctor_repo: Repository) -> None:
    patient = new_patient(doctor_repo)
    prescribe(doctor_repo, _visit(doctor_repo, "I10", patient)["id"], [Line("AMLO5", "1", "1", "30")])
    again = _visit(doctor_repo, "I10", patient)
    with pytest.raises(PrescriptionWarning) as exc:
        prescribe(doctor_repo, again["id"], [Line("AMLO5", "1", "1", "30")])
    assert "Amlodipin 5mg đang có trong đơn" in exc.value.warnings[0]


def test_prescribing_needs_a_diagnosis_first(doctor_repo: Repository) -> None:
    patient = new_patient(doctor_repo)
    encounter = start_outpatient_visit(doctor_repo, patient["id"], "P101").encounter
    with pytest.raises(ClinicalError, match="chẩn đoán"):
        prescribe(doctor_repo, encounter["id"], [Line("PARA500", "1", "2", "3")])
