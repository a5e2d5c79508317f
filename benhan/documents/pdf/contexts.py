"""Contexts for the PDF forms, built from FHIR resources.

Each builder takes resources as dicts (as read from the repository) and returns the plain dict the
form's template expects; anything a builder cannot find in FHIR can be given in `extra`, which is
merged over the result. `context_from_refs` reads the resources named by references and dispatches
to the right builder, so a workflow can sign a form with nothing but the references.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from ...accounts.models import Facility
from .formatting import sex_label

# The identifier systems the clinical workflows write (benhan.clinical.fhirutil uses the same URIs).
CCCD_SYSTEM = "http://fhir.hl7.org.vn/core/sid/cccd"
BHYT_SYSTEM = "http://fhir.hl7.org.vn/core/sid/bhyt"
CSKCB_SYSTEM = "http://fhir.hl7.org.vn/core/sid/ma-cskcb"
PRESCRIPTION_CODE_SYSTEM = "http://fhir.hl7.org.vn/core/sid/ma-don-thuoc"
ICD10_SYSTEM = "http://hl7.org/fhir/sid/icd-10"
MRN_PREFIX = "https://benhan.vn/fhir/sid/mrn/"
REFERRAL_REASON_SYSTEM = "https://benhan.vn/fhir/CodeSystem/ly-do-chuyen-co-so"  # XML13 MA_LYDO_CT: 1, 2
REFERRAL_NUMBER_SYSTEM = "https://benhan.vn/fhir/sid/so-chuyen-co-so"  # XML13 SO_CHUYENTUYEN

Resource = dict[str, Any]

# v3 ObservationInterpretation codes → the flag printed in the "Cờ" column.
FLAGS = {"H": "H", "HH": "HH", "HU": "H", "L": "L", "LL": "LL", "LU": "L", "A": "A", "AA": "AA", "POS": "A",
         "N": "", "NEG": ""}


# --- small readers ---------------------------------------------------------------------------------
def identifier(resource: Resource, system: str) -> str:
    for ident in resource.get("identifier") or ():
        if ident.get("system") == system:
            return str(ident.get("value", ""))
    return ""


def human_name(resource: Resource) -> str:
    for name in resource.get("name") or ():
        if name.get("text"):
            return str(name["text"])
        # Vietnamese order: family (họ), then middle and given names (tên đệm, tên).
        return " ".join(p for p in [name.get("family", ""), *(name.get("given") or [])] if p)
    return ""


def address_text(resource: Resource) -> str:
    for addr in resource.get("address") or ():
        if addr.get("text"):
            return str(addr["text"])
        parts = [*(addr.get("line") or []), addr.get("district", ""), addr.get("city", ""), addr.get("state", "")]
        return ", ".join(p for p in parts if p)
    return ""


def concept_text(concept: Resource | None) -> str:
    if not concept:
        return ""
    if concept.get("text"):
        return str(concept["text"])
    for c in concept.get("coding") or ():
        if c.get("display"):
            return str(c["display"])
    codes = [str(c.get("code", "")) for c in concept.get("coding") or ()]
    return ", ".join(c for c in codes if c)


def concept_code(concept: Resource | None, system: str | None = None) -> str:
    for c in (concept or {}).get("coding") or ():
        if system is None or c.get("system") == system:
            return str(c.get("code", ""))
    return ""


def quantity_text(q: Resource | None) -> tuple[str, str]:
    if not q:
        return "", ""
    value = q.get("value", "")
    return _number(value), str(q.get("unit") or q.get("code") or "")


def _number(value: Any) -> str:
    """Decimal comma, the Vietnamese convention (8,2 mmol/L)."""
    if value in ("", None):
        return ""
    try:
        text = format(Decimal(str(value)).normalize(), "f")
    except InvalidOperation:
        return str(value)
    return text.replace(".", ",")


def note_text(resource: Resource) -> str:
    return "\n".join(str(n.get("text", "")) for n in resource.get("note") or () if n.get("text"))


def ref_id(reference: Resource | None) -> str:
    return str((reference or {}).get("reference", "")).rsplit("/", 1)[-1]


# --- blocks shared by every form -------------------------------------------------------------------
def facility_block(facility: Facility | None, organization: Resource | None = None) -> dict[str, Any]:
    if facility is not None:
        return {"name": facility.name, "code": facility.code, "address": facility.address, "phone": facility.phone,
                "parent": "Sở Y tế" if facility.kind != Facility.Kind.PRIVATE_HOSPITAL else ""}
    org = organization or {}
    return {"name": org.get("name", ""), "code": identifier(org, CSKCB_SYSTEM), "address": address_text(org),
            "phone": next((t.get("value", "") for t in org.get("telecom") or ()), "")}


def patient_block(patient: Resource, coverage: Resource | None = None) -> dict[str, Any]:
    bhyt = identifier(patient, BHYT_SYSTEM)
    valid_to = ""
    if coverage is not None:
        bhyt = coverage.get("subscriberId") or identifier(coverage, BHYT_SYSTEM) or bhyt
        valid_to = (coverage.get("period") or {}).get("end", "")
    mrn = next((i.get("value", "") for i in patient.get("identifier") or ()
                if str(i.get("system", "")).startswith(MRN_PREFIX)), "")
    return {
        "name": human_name(patient),
        "birth_date": patient.get("birthDate", ""),
        "sex": sex_label(patient.get("gender")),
        "address": address_text(patient),
        "cccd": identifier(patient, CCCD_SYSTEM),
        "bhyt": bhyt,
        "bhyt_valid_to": valid_to,
        "mrn": mrn,
    }


def diagnoses(conditions: Iterable[Resource], encounter: Resource | None = None) -> list[dict[str, Any]]:
    """ICD-10 diagnoses; the principal one is the encounter's diagnosis of rank 1 (else the first)."""
    conditions = list(conditions)
    principal = ""
    for d in (encounter or {}).get("diagnosis") or ():
        if d.get("rank") == 1:
            principal = ref_id(d.get("condition"))
    if not principal and conditions:
        principal = conditions[0].get("id", "")
    out = []
    for c in conditions:
        code = concept_code(c.get("code"), ICD10_SYSTEM) or concept_code(c.get("code"))
        out.append({"code": code, "display": concept_text(c.get("code")), "primary": c.get("id") == principal})
    out.sort(key=lambda d: not d["primary"])
    return out


def period(resource: Resource) -> tuple[str, str]:
    p = resource.get("period") or {}
    return p.get("start", ""), p.get("end", "")


def _merge(base: dict[str, Any], extra: dict[str, Any] | None) -> dict[str, Any]:
    for key, value in (extra or {}).items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = _merge(dict(base[key]), value)
        else:
            base[key] = value
    return base


def _common(patient: Resource, facility: Facility | None, coverage: Resource | None) -> dict[str, Any]:
    return {"facility": facility_block(facility), "patient": patient_block(patient, coverage)}


# --- one builder per form --------------------------------------------------------------------------
def visit_record_context(patient: Resource, encounter: Resource, conditions: Iterable[Resource] = (),
                         observations: Iterable[Resource] = (), *, facility: Facility | None = None,
                         coverage: Resource | None = None, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    start, end = period(encounter)
    vitals = []
    for obs in observations:
        if "component" in obs:  # blood pressure: systolic/diastolic as one cell
            parts = [quantity_text(c.get("valueQuantity")) for c in obs["component"]]
            vitals.append({"name": concept_text(obs.get("code")), "value": "/".join(v for v, _ in parts),
                           "unit": parts[0][1] if parts else ""})
        else:
            value, unit = quantity_text(obs.get("valueQuantity"))
            vitals.append({"name": concept_text(obs.get("code")), "value": value or obs.get("valueString", ""),
                           "unit": unit})
    ctx = {
        **_common(patient, facility, coverage),
        "encounter": {"start": start, "end": end, "reason": "; ".join(concept_text(r) for r in encounter.get("reasonCode") or ()),
                      "department": (encounter.get("serviceProvider") or {}).get("display", "")},
        "vitals": vitals,
        "diagnoses": diagnoses(conditions, encounter),
        "conclusion": note_text(encounter),
    }
    return _merge(ctx, extra)


def _dosage_text(request: Resource) -> str:
    texts = [d.get("text", "") for d in request.get("dosageInstruction") or () if d.get("text")]
    return "; ".join(texts)


def prescription_context(patient: Resource, requests: Iterable[Resource], conditions: Iterable[Resource] = (), *,
                         facility: Facility | None = None, coverage: Resource | None = None,
                         encounter: Resource | None = None, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    requests = list(requests)
    code = ""
    items, total, priced, days = [], Decimal(0), False, 0
    for r in requests:
        # The national code names the whole prescription: groupIdentifier, else a request identifier.
        group = r.get("groupIdentifier") or {}
        if not code and group.get("system") == PRESCRIPTION_CODE_SYSTEM:
            code = str(group.get("value", ""))
        code = code or identifier(r, PRESCRIPTION_CODE_SYSTEM)
        supply = r.get("dispenseRequest") or {}
        qty, unit = quantity_text(supply.get("quantity"))
        duration = (supply.get("expectedSupplyDuration") or {}).get("value")
        if duration:
            days = max(days, int(duration))
        amount = None
        for ext in r.get("extension") or ():
            if str(ext.get("url", "")).endswith("/thanh-tien") and "valueMoney" in ext:
                amount = Decimal(str(ext["valueMoney"].get("value", 0)))
                total += amount
                priced = True
        items.append({"name": concept_text(r.get("medicationCodeableConcept")) or (r.get("medicationReference") or {}).get("display", ""),
                      "strength": "", "quantity": qty, "unit": unit, "dosage": _dosage_text(r), "amount": amount})
    ctx = {
        **_common(patient, facility, coverage),
        "prescription_code": code,
        "diagnoses": diagnoses(conditions, encounter),
        "items": items,
        "days": days or "",
        "show_prices": priced,
        "total": total if priced else "",
        "advice": "; ".join(note_text(r) for r in requests if note_text(r)),
    }
    return _merge(ctx, extra)


def _reference_range(obs: Resource) -> str:
    for rr in obs.get("referenceRange") or ():
        if rr.get("text"):
            return str(rr["text"])
        low, _ = quantity_text(rr.get("low"))
        high, _ = quantity_text(rr.get("high"))
        if low and high:
            return f"{low} - {high}"
        if low:
            return f"≥ {low}"
        if high:
            return f"≤ {high}"
    return ""


def lab_result_row(obs: Resource) -> dict[str, Any]:
    value, unit = quantity_text(obs.get("valueQuantity"))
    if not value:
        value = obs.get("valueString") or concept_text(obs.get("valueCodeableConcept"))
    flag = ""
    for interp in obs.get("interpretation") or ():
        flag = FLAGS.get(concept_code(interp), concept_code(interp)) or flag
    return {"name": concept_text(obs.get("code")), "value": value, "unit": unit, "range": _reference_range(obs),
            "flag": flag, "abnormal": bool(flag)}


def lab_report_context(patient: Resource, report: Resource, observations: Iterable[Resource], *,
                       conditions: Iterable[Resource] = (), facility: Facility | None = None,
                       coverage: Resource | None = None, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    by_id = {o.get("id"): o for o in observations}
    ordered = [by_id[ref_id(r)] for r in report.get("result") or () if ref_id(r) in by_id]
    ordered += [o for o in by_id.values() if o not in ordered]
    ctx = {
        **_common(patient, facility, coverage),
        "report": {"name": concept_text(report.get("code")), "issued": report.get("issued", ""),
                   "collected": report.get("effectiveDateTime", ""),
                   "specimen": "; ".join(r.get("display", "") for r in report.get("specimen") or () if r.get("display"))},
        "results": [lab_result_row(o) for o in ordered],
        "diagnoses": diagnoses(conditions),
        "conclusion": report.get("conclusion", ""),
    }
    return _merge(ctx, extra)


def presented_text(report: Resource) -> str:
    """The findings typed by the reader, kept as text/plain in DiagnosticReport.presentedForm."""
    texts = []
    for form in report.get("presentedForm") or ():
        if str(form.get("contentType", "")).startswith("text/plain") and form.get("data"):
            texts.append(base64.b64decode(form["data"]).decode("utf-8", errors="replace"))
    return "\n".join(texts)


def imaging_report_context(patient: Resource, report: Resource, request: Resource | None = None, *,
                           conditions: Iterable[Resource] = (), facility: Facility | None = None,
                           coverage: Resource | None = None, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """An imaging (or procedure) report: the study, the clinical question from the order, findings, conclusion."""
    request = request or {}
    ctx = {
        **_common(patient, facility, coverage),
        "report": {"name": concept_text(report.get("code")), "issued": report.get("issued", ""),
                   "performed": report.get("effectiveDateTime", ""),
                   "requested": request.get("authoredOn", ""),
                   "requester": (request.get("requester") or {}).get("display", ""),
                   "clinical_note": note_text(request)},
        "findings": presented_text(report),
        "diagnoses": diagnoses(conditions),
        "conclusion": report.get("conclusion", ""),
    }
    return _merge(ctx, extra)


def discharge_context(patient: Resource, encounter: Resource, conditions: Iterable[Resource] = (), *,
                      facility: Facility | None = None, coverage: Resource | None = None,
                      extra: dict[str, Any] | None = None) -> dict[str, Any]:
    start, end = period(encounter)
    hosp = encounter.get("hospitalization") or {}
    ctx = {
        **_common(patient, facility, coverage),
        "admission": start,
        "discharge": end,
        "department": (encounter.get("serviceProvider") or {}).get("display", ""),
        "diagnoses": diagnoses(conditions, encounter),
        "outcome": concept_text(hosp.get("dischargeDisposition")),
        "notes": note_text(encounter),
    }
    return _merge(ctx, extra)


def referral_context(patient: Resource, referral: Resource, encounter: Resource | None = None,
                     conditions: Iterable[Resource] = (), *, facility: Facility | None = None,
                     coverage: Resource | None = None, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """TT 01/2025 Appendix VI fields; `referral` is the ServiceRequest (category: referral)."""
    start, end = period(encounter or {})
    performer: Resource = next(iter(referral.get("performer") or ()), {})
    # TT 01/2025 reason: 1 = meets the conditions for transfer, 2 = at the patient's request.
    reason_code = next((c.get("code", "") for r in referral.get("reasonCode") or () for c in r.get("coding") or ()
                        if c.get("system") == REFERRAL_REASON_SYSTEM), "")
    ctx = {
        **_common(patient, facility, coverage),
        "to_facility": {"name": performer.get("display", ""), "code": (performer.get("identifier") or {}).get("value", "")},
        "admission": start,
        "discharge": end,
        "diagnoses": diagnoses(conditions, encounter),
        "reason": "; ".join(concept_text(r) for r in referral.get("reasonCode") or ()
                            if not any(c.get("system") == REFERRAL_REASON_SYSTEM for c in r.get("coding") or ())),
        "reason_code": reason_code,
        "referral_number": identifier(referral, REFERRAL_NUMBER_SYSTEM),
        "transfer_time": referral.get("authoredOn", ""),
        "course": note_text(referral),
    }
    return _merge(ctx, extra)


def reexam_context(patient: Resource, appointment: Resource, encounter: Resource | None = None,
                   conditions: Iterable[Resource] = (), *, facility: Facility | None = None,
                   coverage: Resource | None = None, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    start, end = period(encounter or {})
    ctx = {
        **_common(patient, facility, coverage),
        "admission": start,
        "discharge": end,
        "diagnoses": diagnoses(conditions, encounter),
        "appointment_time": appointment.get("start", ""),
        "location": "; ".join(p.get("actor", {}).get("display", "") for p in appointment.get("participant") or ()
                              if str(p.get("actor", {}).get("reference", "")).startswith(("Location/", "HealthcareService/"))),
        "notes": appointment.get("comment") or appointment.get("description", ""),
    }
    return _merge(ctx, extra)


# --- dispatch from references ----------------------------------------------------------------------
def context_from_resources(kind: str, resources: list[Resource], *, facility: Facility | None = None,
                           extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Pick the resources each form needs out of a list (the signed resources, in any order)."""
    by_type: dict[str, list[Resource]] = {}
    for r in resources:
        by_type.setdefault(r["resourceType"], []).append(r)

    def one(rtype: str) -> Resource | None:
        found = by_type.get(rtype)
        return found[0] if found else None

    patient = one("Patient")
    if patient is None:
        raise ValueError("the signed resources must include the Patient")
    encounter, coverage = one("Encounter"), one("Coverage")
    conditions = by_type.get("Condition", [])
    observations = by_type.get("Observation", [])
    common: dict[str, Any] = {"facility": facility, "coverage": coverage, "extra": extra}
    if kind == "visit_record":
        if encounter is None:
            raise ValueError("a visit record needs the Encounter")
        return visit_record_context(patient, encounter, conditions, observations, **common)
    if kind == "prescription":
        return prescription_context(patient, by_type.get("MedicationRequest", []), conditions, encounter=encounter, **common)
    if kind == "lab_report":
        report = one("DiagnosticReport") or {"code": {}, "result": []}
        return lab_report_context(patient, report, observations, conditions=conditions, **common)
    if kind == "imaging_report":
        report = one("DiagnosticReport") or {"code": {}}
        return imaging_report_context(patient, report, one("ServiceRequest"), conditions=conditions, **common)
    if kind == "discharge":
        if encounter is None:
            raise ValueError("a discharge paper needs the Encounter")
        return discharge_context(patient, encounter, conditions, **common)
    if kind == "referral":
        return referral_context(patient, one("ServiceRequest") or {}, encounter, conditions, **common)
    if kind == "reexam_appointment":
        return reexam_context(patient, one("Appointment") or {}, encounter, conditions, **common)
    raise ValueError(f"unknown document kind {kind!r}")
