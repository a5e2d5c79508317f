"""The app's prescriptions page: each prescription with its drugs, dose, days and quantity, and the
national e-prescription code with its QR for the pharmacy."""

from __future__ import annotations

import pytest
from django.test import Client

from benhan.clinical.workflows.prescriptions import Line, prescribe, set_national_code
from benhan.clinical.workflows.visits import set_diagnoses, start_outpatient_visit
from benhan.portal.prescriptions import prescriptions
from benhan.vn.models import Drug, Icd10

from .conftest import PHONE, World
from .helpers import linked_account, log_in
from .sms_standin import Gateway

pytestmark = pytest.mark.django_db


def _prescription(world: World, patient_id: str, code: str = "") -> list[dict[str, object]]:
    Icd10.objects.get_or_create(code="J06.9", defaults={"name": "Nhiễm trùng hô hấp trên cấp"})
    for drug, name, ingredient in (("PARA500", "Paracetamol 500mg", "Paracetamol"), ("AMOX500", "Amoxicillin 500mg", "Amoxicillin")):
        Drug.objects.get_or_create(code=drug, defaults={"name": name, "active_ingredient": ingredient, "strength": "500mg",
                                                        "unit": "viên"})
    encounter = start_outpatient_visit(world.regional_repo, patient_id, "P101").encounter
    set_diagnoses(world.regional_repo, encounter["id"], "J06.9", [])
    lines = prescribe(world.regional_repo, encounter["id"], [Line("PARA500", "1", "3", "5", "oral", "sau ăn"),
                                                              Line("AMOX500", "1", "2", "7")])
    if code:
        set_national_code(world.regional_repo, lines, code)
    return lines


def test_a_prescription_shows_each_drug_with_dose_days_quantity_and_the_national_code_as_a_qr(
        world: World, sms: Gateway) -> None:
    _account, opened = linked_account(PHONE, world.binh_regional, world.binh_provincial)
    _prescription(world, world.binh_regional, code="79001A1B2C3D4E")
    _prescription(world, world.cuc, code="79001ZZZZZZZZZ")  # someone else's
    client = Client()
    log_in(client, sms, PHONE)
    page = client.get(f"/app/ho-so/{opened.profile.pk}/don-thuoc/")
    body = page.content.decode()
    assert page.status_code == 200 and body.count('data-testid="prescription"') == 1
    assert "Paracetamol 500mg" in body and "sau ăn" in body and "5 ngày" in body and "15 viên" in body
    assert "Amoxicillin 500mg" in body and "7 ngày" in body and "14 viên" in body
    assert "79001A1B2C3D4E" in body and 'src="data:image/svg+xml' in body and "79001ZZZZZZZZZ" not in body
    assert "Trung tâm Y tế khu vực Thủ Đức" in body


def test_a_prescription_not_yet_sent_to_the_national_system_says_so(world: World) -> None:
    account, opened = linked_account(PHONE, world.binh_regional)
    _prescription(world, world.binh_regional)
    from benhan.portal.access import repository_for

    (only,) = prescriptions(repository_for(account, opened), opened.patient_ids)
    assert only.code == "" and only.qr == "" and sorted(d.days or 0 for d in only.drugs) == [5, 7]
