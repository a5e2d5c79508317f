from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from benhan.accounts.actors import actor_for_user
from benhan.accounts.models import Facility, User
from benhan.facilities import demo
from benhan.facilities.demo.clinical import SHARE
from benhan.facilities.models import Bed, Department
from benhan.fhir.access import Actor
from benhan.fhir.models import ResourceRow, ResourceVersionRow
from benhan.fhir.repository import Repository
from benhan.vn.identifiers import parse_bhyt, parse_cccd
from benhan.vn.models import Icd10

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture(scope="module")
def loaded(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo loaded once for the module, inside a transaction rolled back at the end: every test
    sees the same province (each test's own writes roll back to a savepoint) and nothing leaks out."""
    from django.db import transaction
    from django.test import override_settings

    keys = override_settings(BENHAN_PKI_DIR=str(tmp_path_factory.mktemp("pki")), BENHAN_PKI_CA_KEY_BITS=2048)
    with keys, django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        call_command("demo", "--patients", "10", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def test_demo_province_has_four_facilities_with_valid_codes_and_beds(loaded: str) -> None:
    kinds = Counter(Facility.objects.values_list("kind", flat=True))
    assert kinds == {"provincial_hospital": 1, "regional_center": 2, "commune_station": 1}
    assert all(len(c) == 5 and c.startswith("25") for c in Facility.objects.values_list("code", flat=True))
    assert Department.objects.filter(facility__code="25001", inpatient=True).count() >= 4
    assert Bed.objects.filter(room__department__facility__code="25004").count() >= 10


def test_demo_creates_one_account_per_role_and_prints_the_password(loaded: str) -> None:
    roles = set(User.objects.values_list("role", flat=True))
    assert roles == set(User.Role.values)
    assert "bs.an" in loaded and demo.DEMO_PASSWORD in loaded
    assert User.objects.get(username="bs.an").check_password(demo.DEMO_PASSWORD)
    assert User.objects.get(username="bs.an").practitioner_id == "demo-prac-bs-an"


def test_demo_patients_carry_valid_cccd_and_bhyt_numbers(loaded: str) -> None:
    repo = Repository(Actor.system("test"))
    patients = [r for r in ResourceRow.objects.filter(resource_type="Patient")]
    assert len(patients) == sum(max(1, round(10 * share)) for share in SHARE.values())
    for row in patients:
        patient = repo.read("Patient", row.resource_id).json()
        ids = {i["system"].rsplit("/", 1)[-1]: i["value"] for i in patient["identifier"]}
        parse_cccd(ids["cccd"], birth_date=date.fromisoformat(patient["birthDate"]), sex=patient["gender"])
        parse_bhyt(ids["bhyt"])
        assert row.tenant == patient["managingOrganization"]["identifier"]["value"]


def test_demo_visits_have_vitals_icd10_diagnoses_and_prescriptions(loaded: str) -> None:
    types = Counter(ResourceRow.objects.values_list("resource_type", flat=True))
    assert types["Encounter"] >= 10 and types["Observation"] == 4 * types["Encounter"]
    assert types["Condition"] == types["Encounter"] == types["MedicationRequest"]
    condition = Repository(Actor.system("test")).read("Condition", "demo-25004-0001-v1-dx").json()
    code = condition["code"]["coding"][0]["code"]
    assert Icd10.objects.filter(code=code).exists()


def test_the_story_patient_is_followed_at_the_regional_centre(loaded: str) -> None:
    patient = Repository(Actor.system("test")).read("Patient", "demo-25004-0001").json()
    assert patient["name"][0]["text"] == "Nguyễn Thị Hồng"
    assert patient["address"][0]["text"] == "Khu 5, Xã Lâm Thao, Phú Thọ"


def test_a_regional_doctor_sees_their_centres_patients_but_not_the_hospitals(loaded: str) -> None:
    from benhan.fhir.errors import FhirError

    repo = Repository(actor_for_user(User.objects.get(username="bs.lam")))
    assert repo.read("Patient", "demo-25004-0001").id == "demo-25004-0001"
    with pytest.raises(FhirError):
        repo.read("Patient", "demo-25001-0001")


def test_running_the_demo_twice_adds_nothing(loaded: str) -> None:
    counts = (Facility.objects.count(), User.objects.count(), Bed.objects.count(), ResourceRow.objects.count(),
              ResourceVersionRow.objects.count(), Icd10.objects.count())
    out = StringIO()
    call_command("demo", "--patients", "10", stdout=out)
    assert (Facility.objects.count(), User.objects.count(), Bed.objects.count(), ResourceRow.objects.count(),
            ResourceVersionRow.objects.count(), Icd10.objects.count()) == counts
    assert "không có gì mới" in out.getvalue()


def test_other_apps_can_add_a_demo_step_after_an_existing_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo, "STEPS", [("a", lambda ctx: None), ("c", lambda ctx: None)])
    demo.register_step("b", lambda ctx: None, after="a")
    demo.register_step("d", lambda ctx: None)
    assert [name for name, _ in demo.STEPS] == ["a", "b", "c", "d"]
