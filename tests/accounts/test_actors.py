from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from benhan.accounts.actors import ROLE_SCOPES, SESSION_FACILITY_KEY, actor_for_user, repository_for_request
from benhan.accounts.models import Facility, User
from benhan.fhir.access import READ, WRITE, AccessPolicy
from benhan.fhir.errors import FhirError

pytestmark = pytest.mark.django_db


@pytest.fixture
def facilities() -> tuple[Facility, Facility, Facility]:
    return (Facility.objects.create(code="25001", name="Bệnh viện Đa khoa tỉnh"),
            Facility.objects.create(code="25002", name="Trung tâm Y tế khu vực A"),
            Facility.objects.create(code="25003", name="Trung tâm Y tế khu vực B"))


def make(role: str, facility: Facility | None, **kw: str) -> User:
    return User.objects.create_user(username=f"u-{role}", password="x", role=role, facility=facility, **kw)


def allows(user: User, rtype: str, action: str) -> bool:
    return any(s.allows(rtype, action) for s in actor_for_user(user).scopes)


def test_every_role_has_user_context_scopes() -> None:
    for role in User.Role.values:
        scopes = ROLE_SCOPES[role]
        assert scopes and all(s.startswith("user/") for s in scopes)


def test_doctor_writes_conditions_and_prescriptions_but_not_dispensing(facilities: tuple[Facility, ...]) -> None:
    doctor = make(User.Role.DOCTOR, facilities[0])
    assert allows(doctor, "Condition", WRITE)
    assert allows(doctor, "MedicationRequest", WRITE)
    assert allows(doctor, "AuditEvent", READ)
    assert not allows(doctor, "MedicationDispense", WRITE)


def test_receptionist_registers_patients_but_cannot_diagnose(facilities: tuple[Facility, ...]) -> None:
    receptionist = make(User.Role.RECEPTIONIST, facilities[0])
    assert allows(receptionist, "Patient", WRITE)
    assert allows(receptionist, "Encounter", WRITE)
    assert not allows(receptionist, "Condition", WRITE)
    assert not allows(receptionist, "Observation", READ)


def test_pharmacist_dispenses_and_technician_reports_results(facilities: tuple[Facility, ...]) -> None:
    assert allows(make(User.Role.PHARMACIST, facilities[0]), "MedicationDispense", WRITE)
    technician = make(User.Role.TECHNICIAN, facilities[0])
    assert allows(technician, "DiagnosticReport", WRITE)
    assert not allows(technician, "MedicationRequest", WRITE)


def test_facility_admin_manages_structure_but_reads_no_clinical_record(facilities: tuple[Facility, ...]) -> None:
    admin = make(User.Role.FACILITY_ADMIN, facilities[0])
    assert allows(admin, "Location", WRITE)
    assert allows(admin, "Practitioner", WRITE)
    assert not allows(admin, "Patient", READ)
    assert not allows(admin, "Observation", READ)


def test_staff_reach_their_own_facility_plus_granted_ones(facilities: tuple[Facility, ...]) -> None:
    nurse = make(User.Role.NURSE, facilities[0])
    assert actor_for_user(nurse).facilities == frozenset({"25001"})
    nurse.extra_facilities.add(facilities[2])
    actor = actor_for_user(nurse)
    assert actor.facilities == frozenset({"25001", "25003"})
    policy = AccessPolicy()
    assert policy.tenant_visible(actor, "25003")
    assert not policy.tenant_visible(actor, "25002")


def test_province_role_reads_every_facility_and_writes_nothing(facilities: tuple[Facility, ...]) -> None:
    officer = make(User.Role.PROVINCE, None)
    actor = actor_for_user(officer)
    assert actor.facilities is None
    assert allows(officer, "Patient", READ)
    assert not allows(officer, "Patient", WRITE)


def test_actor_carries_identity_role_and_practitioner(facilities: tuple[Facility, ...]) -> None:
    doctor = make(User.Role.DOCTOR, facilities[0], first_name="An", last_name="Nguyễn Văn",
                  practitioner_id="prac-1", licence_number="000123/BYT-CCHN")
    actor = actor_for_user(doctor)
    assert actor.kind == "user" and actor.id == str(doctor.pk)
    assert actor.display == "Nguyễn Văn An (u-doctor)"
    assert actor.roles == frozenset({"doctor"})
    assert actor.extra["practitioner_id"] == "prac-1"
    assert actor.extra["licence_number"] == "000123/BYT-CCHN"


def test_repository_for_request_acts_for_the_chosen_facility_only_when_allowed(
        facilities: tuple[Facility, ...]) -> None:
    doctor = make(User.Role.DOCTOR, facilities[0])
    doctor.extra_facilities.add(facilities[1])
    request = RequestFactory().get("/ui/", REMOTE_ADDR="10.0.0.7")
    request.user = doctor
    request.session = {}  # type: ignore[assignment]
    assert repository_for_request(request).facility == "25001"
    request.session[SESSION_FACILITY_KEY] = "25002"
    repo = repository_for_request(request)
    assert repo.facility == "25002" and repo.source_ip == "10.0.0.7"
    request.session[SESSION_FACILITY_KEY] = "25003"  # not granted: falls back to the home facility
    assert repository_for_request(request).facility == "25001"


def test_repository_for_request_refuses_anonymous_users() -> None:
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/ui/")
    request.user = AnonymousUser()
    with pytest.raises(PermissionDenied):
        repository_for_request(request)


def test_repository_from_a_receptionist_refuses_writing_a_condition(facilities: tuple[Facility, ...]) -> None:
    receptionist = make(User.Role.RECEPTIONIST, facilities[0])
    request = RequestFactory().post("/ui/")
    request.user = receptionist
    request.session = {}  # type: ignore[assignment]
    repo = repository_for_request(request)
    patient = repo.create({"resourceType": "Patient", "name": [{"family": "Trần", "given": ["Bình"]}]})
    with pytest.raises(FhirError) as exc:
        repo.create({"resourceType": "Condition", "subject": {"reference": f"Patient/{patient.id}"}})
    assert exc.value.status == 403
