from __future__ import annotations

import base64

import pytest

from benhan.clinical.errors import ClinicalError
from benhan.clinical.workflows.orders import (
    attach_file,
    enter_imaging_report,
    enter_lab_results,
    place_orders,
    worklist,
)
from benhan.clinical.workflows.visits import start_outpatient_visit
from benhan.fhir.models import ResourceRow
from benhan.fhir.repository import Repository

from .helpers import new_patient


@pytest.fixture
def visit(doctor_repo: Repository) -> dict:
    patient = new_patient(doctor_repo, gender="female", name="Trần Thị Cúc")
    return start_outpatient_visit(doctor_repo, patient["id"], "P101").encounter


def test_orders_become_service_requests_on_the_technicians_worklist(doctor_repo: Repository, technician_repo: Repository,
                                                                    visit: dict) -> None:
    lab, xray = place_orders(doctor_repo, visit["id"], ["XN-SHM", "CDHA-XQ"])
    assert lab["category"][0]["coding"][0]["code"] == "108252007"
    assert xray["category"][0]["coding"][0]["code"] == "363679005"
    assert [r["id"] for r in worklist(technician_repo)] == [lab["id"], xray["id"]]
    assert [r["id"] for r in worklist(technician_repo, "imaging")] == [xray["id"]]


def test_lab_results_carry_the_female_reference_range_and_an_abnormal_flag(doctor_repo: Repository,
                                                                          technician_repo: Repository, visit: dict) -> None:
    (lab,) = place_orders(doctor_repo, visit["id"], ["XN-SHM"])
    report = enter_lab_results(technician_repo, lab["id"], {"GLU": "8,2", "CRE": "90"})
    assert report["status"] == "preliminary" and len(report["result"]) == 2
    observations = {o.json()["code"]["coding"][0]["code"]: o.json()
                    for o in technician_repo.read_many("Observation", [r["reference"].split("/")[1] for r in report["result"]])}
    glucose, creatinine = observations["GLU"], observations["CRE"]
    assert glucose["valueQuantity"]["value"] == 8.2
    assert glucose["interpretation"][0]["coding"][0]["code"] == "H"
    assert creatinine["referenceRange"][0]["high"]["value"] == 100.0  # the female range, not the male 120
    assert creatinine["interpretation"][0]["coding"][0]["code"] == "N"
    assert technician_repo.read("ServiceRequest", lab["id"]).json()["status"] == "completed"
    assert worklist(technician_repo) == []


def test_a_result_that_is_not_a_number_stores_nothing(doctor_repo: Repository, technician_repo: Repository,
                                                      visit: dict) -> None:
    (lab,) = place_orders(doctor_repo, visit["id"], ["XN-SHM"])
    with pytest.raises(ClinicalError, match="Glucose phải là một số"):
        enter_lab_results(technician_repo, lab["id"], {"GLU": "cao", "CRE": "90"})
    assert not ResourceRow.objects.filter(resource_type__in=("Observation", "DiagnosticReport")).exists()
    assert technician_repo.read("ServiceRequest", lab["id"]).json()["status"] == "active"


def test_imaging_reports_and_attached_images(doctor_repo: Repository, technician_repo: Repository, visit: dict) -> None:
    (xray,) = place_orders(doctor_repo, visit["id"], ["CDHA-XQ"])
    report = enter_imaging_report(technician_repo, xray["id"], "Bóng tim không to. Hai phế trường sáng.", "Phổi bình thường")
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 64
    doc = attach_file(technician_repo, visit["subject"]["reference"].split("/")[1], visit["id"], "Phim X-quang ngực",
                      "image/png", png, report["id"])
    binary = technician_repo.read("Binary", doc["content"][0]["attachment"]["url"].split("/")[1]).json()
    assert base64.b64decode(binary["data"]) == png
    assert doc["context"]["related"][0]["reference"] == f"DiagnosticReport/{report['id']}"
    with pytest.raises(ClinicalError, match="JPEG/PNG"):
        attach_file(technician_repo, visit["subject"]["reference"].split("/")[1], visit["id"], "x", "text/html", b"<b>", "")


def test_an_unknown_service_cannot_be_ordered(doctor_repo: Repository, visit: dict) -> None:
    with pytest.raises(ClinicalError, match="không có trong danh mục"):
        place_orders(doctor_repo, visit["id"], ["XN-SHM", "KHONG-CO"])
    assert not ResourceRow.objects.filter(resource_type="ServiceRequest").exists()
