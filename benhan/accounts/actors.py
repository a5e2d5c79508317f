"""Who a logged-in staff member is to the FHIR repository: role → SMART `user/...` scopes + facilities.

The UI never builds a Repository by hand: `repository_for_request(request)` does it, so every screen
acts with the same scopes, the same facility bounds and the same audit identity as the REST API.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from benhan.fhir.access import Actor, parse_scopes
from benhan.fhir.repository import Repository
from benhan.vn.formatting import full_name

from .models import User

Role = User.Role

# Types a clinician reads and writes while treating a patient.
_CLINICAL_TYPES = (
    "Patient", "Encounter", "EpisodeOfCare", "Observation", "Condition", "AllergyIntolerance",
    "MedicationRequest", "MedicationStatement", "ServiceRequest", "DiagnosticReport", "Procedure",
    "CarePlan", "ClinicalImpression", "Composition", "DocumentReference", "Binary", "Appointment",
    "Communication", "CommunicationRequest", "Task", "Flag", "FamilyMemberHistory", "Immunization",
    "Consent", "Provenance", "Coverage", "RelatedPerson", "Specimen", "ImagingStudy", "Media",
    "QuestionnaireResponse", "Location",
)

# Each role reads what its work needs and writes only its own kind of entry. Clinical workflows
# may extend this table (e.g. `ROLE_SCOPES[Role.NURSE] += ("user/X.write",)`) when a screen needs it.
ROLE_SCOPES: dict[str, tuple[str, ...]] = {
    Role.RECEPTIONIST: (
        "user/Patient.*", "user/Coverage.*", "user/RelatedPerson.*", "user/Encounter.*",
        "user/Appointment.*", "user/Slot.read", "user/Schedule.read", "user/Consent.*",
        "user/Organization.read", "user/Practitioner.read", "user/PractitionerRole.read",
        "user/Location.read", "user/HealthcareService.read", "user/Task.*",
    ),
    Role.NURSE: (
        "user/*.read", "user/Patient.write", "user/Encounter.write", "user/Observation.write",
        "user/MedicationAdministration.write", "user/Procedure.write", "user/CarePlan.write",
        "user/Task.write", "user/Specimen.write", "user/Flag.write", "user/AllergyIntolerance.write",
        "user/Communication.write", "user/Provenance.write", "user/Coverage.write", "user/Appointment.write",
        "user/DocumentReference.write", "user/Binary.write", "user/Location.write",
    ),
    Role.DOCTOR: ("user/*.read", *(f"user/{t}.write" for t in _CLINICAL_TYPES)),
    Role.TECHNICIAN: (
        "user/*.read", "user/Observation.write", "user/DiagnosticReport.write", "user/Specimen.write",
        "user/ImagingStudy.write", "user/Media.write", "user/DocumentReference.write", "user/Binary.write",
        "user/ServiceRequest.write", "user/Task.write", "user/Provenance.write",
    ),
    Role.PHARMACIST: (
        "user/Patient.read", "user/Encounter.read", "user/Condition.read", "user/AllergyIntolerance.read",
        "user/Observation.read", "user/MedicationRequest.*", "user/MedicationDispense.*",
        "user/MedicationAdministration.read", "user/Medication.*", "user/Task.*",
        "user/Practitioner.read", "user/Organization.read", "user/Provenance.write",
    ),
    Role.FACILITY_ADMIN: (
        "user/Organization.*", "user/Location.*", "user/Practitioner.*", "user/PractitionerRole.*",
        "user/HealthcareService.*", "user/Endpoint.*", "user/Schedule.*", "user/Slot.*",
        "user/AuditEvent.read",
    ),
    Role.QUALITY: (
        "user/Patient.read", "user/Encounter.read", "user/Communication.*", "user/CommunicationRequest.*",
        "user/Task.*", "user/QuestionnaireResponse.read", "user/Organization.read", "user/AuditEvent.read",
    ),
    # The insurance desk reads the record a claim is built from and records the claim facts on the Encounter.
    Role.INSURANCE: ("user/*.read", "user/Encounter.write"),
    # The provincial Department of Health oversees: it reads every facility, writes nothing clinical.
    Role.PROVINCE: ("user/*.read",),
}

SESSION_FACILITY_KEY = "benhan_facility"


def facilities_of(user: User) -> frozenset[str] | None:
    """BHYT codes of the facilities a user may reach; None means every facility on the server."""
    if user.role == Role.PROVINCE or user.is_superuser:
        return None
    codes = {f.code for f in user.extra_facilities.all()}
    if user.facility_id is not None and user.facility is not None:
        codes.add(user.facility.code)
    return frozenset(codes)


def actor_for_user(user: User) -> Actor:
    """The FHIR actor for a staff member: their role's scopes, their facilities, their identity."""
    extra: dict[str, Any] = {"username": user.username}
    if user.practitioner_id:
        extra["practitioner_id"] = user.practitioner_id
    if user.licence_number:
        extra["licence_number"] = user.licence_number
    name = full_name(user)
    return Actor(
        "user",
        str(user.pk),
        f"{name} ({user.username})",
        parse_scopes(ROLE_SCOPES.get(user.role, ())),
        facilities_of(user),
        roles=frozenset({user.role}),
        extra=extra,
    )


def current_facility(request: HttpRequest) -> str:
    """The facility the staff member works for in this session (chosen in the header), or their own."""
    user = request.user
    if not isinstance(user, User):
        return ""
    allowed = facilities_of(user)
    chosen = request.session.get(SESSION_FACILITY_KEY, "")
    if chosen and (allowed is None or chosen in allowed):
        return str(chosen)
    return user.facility.code if user.facility is not None else ""


def client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))


def repository_for_request(request: HttpRequest, *, purpose: str = "TREAT", reason: str = "") -> Repository:
    """The repository a UI view uses: acting as the logged-in staff member for their current facility."""
    user = request.user
    if not isinstance(user, User) or not user.is_active:
        raise PermissionDenied
    return Repository(
        actor_for_user(user),
        current_facility(request),
        source_ip=client_ip(request),
        purpose=purpose,
        reason=reason,
    )
