"""FHIR resources of the demo: facilities as Organizations, staff as Practitioners, and about 200
patients with past outpatient visits (vital signs, ICD-10 diagnoses, prescriptions).

Everything is written through the Repository as the system actor, with the facility as tenant, and
with fixed ids so a second run finds the resources and writes nothing.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from benhan.accounts.models import Facility, User
from benhan.fhir.access import Actor
from benhan.fhir.errors import FhirError
from benhan.fhir.repository import Repository
from benhan.vn.formatting import full_name
from benhan.vn.models import Drug, Icd10

from . import DemoContext, DemoPatient
from .people import Person, make_person

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CCCD = "http://fhir.hl7.org.vn/core/sid/cccd"
BHYT = "http://fhir.hl7.org.vn/core/sid/bhyt"
CSKCB = "http://fhir.hl7.org.vn/core/sid/ma-cskcb"
CCHN = "http://fhir.hl7.org.vn/core/sid/cchn"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
DRUG = "https://benhan.vn/fhir/CodeSystem/thuoc"
BENHAN = "https://benhan.vn/fhir"

# How many demo patients each facility keeps (scaled to the requested total).
SHARE = {"25001": 0.30, "25004": 0.28, "25007": 0.27, "25050": 0.15}

# Diagnosis → (drug code, units per dose, doses a day, days). Chronic ones for older patients.
CHRONIC = {"I10": ("TH0002", 1, 1, 30), "E11.9": ("TH0003", 1, 2, 30), "E78.5": ("TH0006", 1, 1, 30),
           "J44.1": ("TH0010", 1, 3, 7), "M17.9": ("TH0016", 1, 2, 7)}
ACUTE = {"J06.9": ("TH0001", 1, 3, 5), "J02.9": ("TH0007", 1, 2, 7), "K29.7": ("TH0009", 1, 1, 14),
         "M54.5": ("TH0016", 1, 2, 5), "A09": ("TH0015", 1, 3, 3), "J18.9": ("TH0008", 1, 2, 7),
         "N39.0": ("TH0013", 1, 2, 7), "R51": ("TH0001", 1, 2, 3), "J20.9": ("TH0007", 1, 3, 7),
         "L50.9": ("TH0017", 1, 1, 7)}


def _repo(facility: str) -> Repository:
    return Repository(Actor.system("demo"), facility, purpose="TREAT", reason="benhan demo")


def _exists(repo: Repository, resource_type: str, resource_id: str) -> bool:
    try:
        repo.read(resource_type, resource_id)
    except FhirError as exc:
        if exc.status == 404:
            return False
        raise
    return True


def _ref(resource_type: str, resource_id: str, display: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {"reference": f"{resource_type}/{resource_id}"}
    if display:
        out["display"] = display
    return out


def _moment(value: datetime) -> str:
    return value.astimezone(VN).isoformat(timespec="seconds")


# --- organisations and practitioners ---------------------------------------------------------------

def organization(facility: Facility) -> dict[str, Any]:
    return {
        "resourceType": "Organization",
        "identifier": [{"system": CSKCB, "value": facility.code}],
        "active": True,
        "type": [{"text": facility.get_kind_display()}],
        "name": facility.name,
        "telecom": [{"system": "phone", "value": facility.phone}] if facility.phone else [],
        "address": [{"text": facility.address, "country": "VN"}],
    }


def practitioner(user: User) -> dict[str, Any]:
    words = f"{user.last_name} {user.first_name}".split()
    resource: dict[str, Any] = {
        "resourceType": "Practitioner",
        "identifier": [{"system": f"{BENHAN}/sid/user", "value": user.username}],
        "active": True,
        "name": [{"use": "official", "text": " ".join(words), "family": words[0], "given": words[1:]}],
    }
    if user.licence_number:
        resource["identifier"].append({"system": CCHN, "value": user.licence_number})
    return resource


def load_directory(ctx: DemoContext) -> None:
    for code, facility in ctx.facilities.items():
        repo = _repo(code)
        org_id = f"demo-org-{code}"
        if not _exists(repo, "Organization", org_id):
            resource = organization(facility)
            if not resource["telecom"]:
                del resource["telecom"]
            repo.create_many([resource], ids=[org_id])
            ctx.count("FHIR Organization")
        if facility.organization_id != org_id:
            facility.organization_id = org_id
            facility.save(update_fields=["organization_id"])
    for user in ctx.staff:
        if user.facility is None:
            continue
        repo = _repo(user.facility.code)
        prac_id = f"demo-prac-{user.username.replace('.', '-')}"
        if not _exists(repo, "Practitioner", prac_id):
            repo.create_many([practitioner(user)], ids=[prac_id])
            ctx.count("FHIR Practitioner")
        if user.practitioner_id != prac_id:
            user.practitioner_id = prac_id
            user.save(update_fields=["practitioner_id"])


# --- patients and visits -----------------------------------------------------------------------------

def patient_resource(person: Person, facility: str, mrn: str) -> dict[str, Any]:
    words = person.name.split()
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "identifier": [
            {"use": "official", "system": CCCD, "value": person.cccd, "type": {"text": "Căn cước công dân"}},
            {"system": BHYT, "value": person.bhyt, "type": {"text": "Thẻ BHYT"}},
            {"use": "usual", "system": f"{BENHAN}/sid/mrn/{facility}", "value": mrn, "type": {"text": "Mã lưu trữ"}},
        ],
        "active": True,
        "name": [{"use": "official", "text": person.name, "family": words[0], "given": words[1:]}],
        "gender": person.gender,
        "birthDate": person.birth_date.isoformat(),
        "address": [{"use": "home", "text": person.address_text, "line": [person.address_line], "country": "VN"}],
        "managingOrganization": {"identifier": {"system": CSKCB, "value": facility}},
    }
    if person.phone:
        resource["telecom"] = [{"system": "phone", "value": person.phone, "use": "mobile"}]
    return resource


def coverage_resource(person: Person, patient_id: str, facility: str, today: date) -> dict[str, Any]:
    return {
        "resourceType": "Coverage",
        "identifier": [{"system": BHYT, "value": person.bhyt}],
        "status": "active",
        "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "PUBLICPOL",
                             "display": "public healthcare"}], "text": "Bảo hiểm y tế"},
        "subscriberId": person.bhyt,
        "beneficiary": _ref("Patient", patient_id),
        "period": {"start": date(today.year, 1, 1).isoformat(), "end": date(today.year, 12, 31).isoformat()},
        "payor": [{"display": "Bảo hiểm xã hội Việt Nam"}],
        "class": [{"type": {"text": "Nơi đăng ký KCB ban đầu"}, "value": facility}],
    }


def _vital(obs_id: str, patient_id: str, enc_id: str, when: str, code: str, display: str,
           value: float | None = None, unit: str = "", ucum: str = "",
           components: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                  "code": "vital-signs", "display": "Vital Signs"}], "text": "Dấu hiệu sinh tồn"}],
        "code": {"coding": [{"system": LOINC, "code": code, "display": display}], "text": display},
        "subject": _ref("Patient", patient_id),
        "encounter": _ref("Encounter", enc_id),
        "effectiveDateTime": when,
    }
    if components is not None:
        resource["component"] = components
    else:
        resource["valueQuantity"] = {"value": value, "unit": unit, "system": UCUM, "code": ucum}
    return resource


def _bp_component(code: str, display: str, value: int) -> dict[str, Any]:
    return {"code": {"coding": [{"system": LOINC, "code": code, "display": display}]},
            "valueQuantity": {"value": value, "unit": "mmHg", "system": UCUM, "code": "mm[Hg]"}}


def visit_resources(rng: random.Random, pid: str, n: int, person: Person, age: int, doctor: User | None,
                    start: datetime, icd: Icd10, drug: Drug, dosing: tuple[int, int, int],
                    chronic: bool) -> list[tuple[str, dict[str, Any]]]:
    """One finished outpatient visit: encounter, 4 vital signs, the diagnosis and the prescription."""
    enc_id, when = f"{pid}-v{n}", _moment(start)
    end = _moment(start + timedelta(minutes=rng.randint(10, 40)))
    doctor_ref = _ref("Practitioner", doctor.practitioner_id, full_name(doctor)) \
        if doctor and doctor.practitioner_id else None
    encounter: dict[str, Any] = {
        "resourceType": "Encounter",
        "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB", "display": "ambulatory"},
        "type": [{"text": "Khám bệnh ngoại trú"}],
        "subject": _ref("Patient", pid, person.name),
        "period": {"start": when, "end": end},
        "reasonCode": [{"text": "Tái khám định kỳ" if chronic else rng.choice(["Sốt, ho", "Đau", "Mệt mỏi", "Khó chịu"])}],
        "diagnosis": [{"condition": _ref("Condition", f"{enc_id}-dx"), "rank": 1,
                       "use": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/diagnosis-role",
                                           "code": "DD", "display": "Discharge diagnosis"}]}}],
        "serviceProvider": {"identifier": {"system": CSKCB, "value": pid.split("-")[1]}},
    }
    if doctor_ref:
        encounter["participant"] = [{"individual": doctor_ref}]
    systolic = rng.randint(135, 165) if chronic and icd.code == "I10" else rng.randint(100, 135)
    temp = round(rng.uniform(37.6, 39.2) if not chronic and icd.code.startswith(("J", "A")) else rng.uniform(36.3, 37.1), 1)
    weight = round(rng.uniform(12, 30) if age < 10 else rng.uniform(42, 72), 1)
    vitals = [
        (f"{enc_id}-bp", _vital(f"{enc_id}-bp", pid, enc_id, when, "85354-9", "Huyết áp", components=[
            _bp_component("8480-6", "Huyết áp tâm thu", systolic),
            _bp_component("8462-4", "Huyết áp tâm trương", systolic - rng.randint(35, 55))])),
        (f"{enc_id}-hr", _vital(f"{enc_id}-hr", pid, enc_id, when, "8867-4", "Mạch", rng.randint(62, 104), "lần/phút", "/min")),
        (f"{enc_id}-t", _vital(f"{enc_id}-t", pid, enc_id, when, "8310-5", "Nhiệt độ", temp, "°C", "Cel")),
        (f"{enc_id}-w", _vital(f"{enc_id}-w", pid, enc_id, when, "29463-7", "Cân nặng", weight, "kg", "kg")),
    ]
    condition: dict[str, Any] = {
        "resourceType": "Condition",
        "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                       "code": "active" if chronic else "resolved"}]},
        "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                                           "code": "confirmed"}]},
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-category",
                                  "code": "encounter-diagnosis", "display": "Encounter Diagnosis"}]}],
        "code": {"coding": [{"system": ICD10, "code": icd.code, "display": icd.name}], "text": icd.name},
        "subject": _ref("Patient", pid),
        "encounter": _ref("Encounter", enc_id),
        "recordedDate": when,
    }
    if doctor_ref:
        condition["recorder"] = doctor_ref
    per_dose, per_day, days = dosing
    timing_text = f"Uống {per_dose} {drug.unit.lower()}/lần, ngày {per_day} lần, trong {days} ngày"
    medication: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "status": "completed",
        "intent": "order",
        "medicationCodeableConcept": {"coding": [{"system": DRUG, "code": drug.code, "display": drug.name}],
                                      "text": f"{drug.name} ({drug.active_ingredient} {drug.strength})"},
        "subject": _ref("Patient", pid),
        "encounter": _ref("Encounter", enc_id),
        "authoredOn": end,
        "reasonReference": [_ref("Condition", f"{enc_id}-dx")],
        "dosageInstruction": [{
            "text": timing_text,
            "timing": {"repeat": {"frequency": per_day, "period": 1, "periodUnit": "d"}},
            "route": {"text": drug.route},
            "doseAndRate": [{"doseQuantity": {"value": per_dose, "unit": drug.unit}}],
        }],
        "dispenseRequest": {"quantity": {"value": per_dose * per_day * days, "unit": drug.unit},
                            "expectedSupplyDuration": {"value": days, "unit": "ngày", "system": UCUM, "code": "d"}},
    }
    if doctor_ref:
        medication["requester"] = doctor_ref
    return [(enc_id, encounter), *vitals, (f"{enc_id}-dx", condition), (f"{enc_id}-rx", medication)]


def _catalog_rows() -> tuple[dict[str, Icd10], dict[str, Drug]]:
    icd = {i.code: i for i in Icd10.objects.filter(code__in=[*CHRONIC, *ACUTE])}
    drugs = {d.code: d for d in Drug.objects.filter(code__in={v[0] for v in (*CHRONIC.values(), *ACUTE.values())})}
    return icd, drugs


def _patient_bundle(ctx: DemoContext, rng: random.Random, facility: str, index: int, person: Person,
                    doctor: User | None, today: date) -> tuple[DemoPatient, list[tuple[str, dict[str, Any]]]]:
    pid = f"demo-{facility}-{index:04d}"
    age = (today - person.birth_date).days // 365
    resources: list[tuple[str, dict[str, Any]]] = [
        (pid, patient_resource(person, facility, f"DEMO{index:05d}")),
        (f"{pid}-bhyt", coverage_resource(person, pid, facility, today)),
    ]
    icd_by_code, drugs = _catalog_rows()
    chronic = [c for c in ("I10", "E11.9", "E78.5", "J44.1", "M17.9") if age >= 45 and rng.random() < 0.35]
    visits = rng.randint(1, 3)
    for n in range(visits):
        start = datetime.combine(today - timedelta(days=rng.randint(3, 540)), datetime.min.time(), VN) \
            + timedelta(hours=rng.randint(7, 16), minutes=rng.choice([0, 10, 20, 30, 40, 50]))
        is_chronic = bool(chronic) and rng.random() < 0.7
        code = rng.choice(chronic) if is_chronic else rng.choice(list(ACUTE))
        drug_code, per_dose, per_day, days = (CHRONIC if is_chronic else ACUTE)[code]
        resources += visit_resources(rng, pid, n + 1, person, age, doctor, start, icd_by_code[code],
                                     drugs[drug_code], (per_dose, per_day, days), is_chronic)
    demo = DemoPatient(pid, facility, person.name, person.gender, person.birth_date.isoformat(), person.cccd, person.bhyt)
    return demo, resources


# The patient from the product brief: 58, hypertension and diabetes, followed at the regional centre.
STORY_PATIENT = Person("Nguyễn Thị Hồng", "female", date(1968, 3, 5), "025168004321", "HT3252500432101",
                       "0912345678", "Khu 5", "08494")


def load_patients(ctx: DemoContext) -> None:
    today = date.today()
    used: set[str] = set()
    doctors: dict[str, User] = {}
    for u in ctx.staff:
        if u.role == User.Role.DOCTOR and u.facility:
            doctors.setdefault(u.facility.code, u)
    for code, share in SHARE.items():
        repo = _repo(code)
        wanted = max(1, round(ctx.patient_count * share))
        # Each facility's patients come from their own generator: adding a facility or changing
        # a count elsewhere does not reshuffle the others.
        rng = random.Random(f"{ctx.rng.random()}-{code}")
        batch: list[dict[str, Any]] = []
        ids: list[str | None] = []
        for index in range(1, wanted + 1):
            person = STORY_PATIENT if (code == "25004" and index == 1) else make_person(rng, today, used)
            demo, resources = _patient_bundle(ctx, rng, code, index, person, doctors.get(code), today)
            ctx.patients.append(demo)
            if _exists(repo, "Patient", demo.id):
                continue
            for rid, resource in resources:
                ids.append(rid)
                batch.append(resource)
        if batch:
            repo.create_many(batch, ids=ids)
            ctx.count("FHIR resources", len(batch))
