"""FHIR resources turned into the few plain values the templates show (dates dd/mm/yyyy)."""

from __future__ import annotations

from typing import Any

from ..fhirutil import (
    BHYT_SYSTEM,
    CCCD_SYSTEM,
    identifier_value,
    patient_name,
    vn_date,
    vn_datetime,
)
from ..workflows.inpatient import current_place

GENDER = {"male": "Nam", "female": "Nữ", "other": "Khác", "unknown": "Không rõ"}
ENCOUNTER_STATUS = {"planned": "Đã hẹn", "arrived": "Chờ khám", "triaged": "Đã phân loại", "in-progress": "Đang điều trị",
                    "finished": "Đã kết thúc", "cancelled": "Đã huỷ", "entered-in-error": "Nhập nhầm"}
CLASS = {"AMB": "Ngoại trú", "IMP": "Nội trú", "EMER": "Cấp cứu", "SS": "Điều trị ban ngày"}


def patient_summary(patient: dict[str, Any]) -> dict[str, Any]:
    mrn = next((i.get("value", "") for i in patient.get("identifier") or ()
                if str(i.get("system", "")).startswith("https://benhan.vn/fhir/sid/mrn/")), "")
    return {
        "id": patient["id"],
        "name": patient_name(patient),
        "birth_date": vn_date(patient.get("birthDate")),
        "gender": GENDER.get(patient.get("gender", ""), ""),
        "cccd": identifier_value(patient, CCCD_SYSTEM),
        "bhyt": identifier_value(patient, BHYT_SYSTEM),
        "mrn": mrn,
        "address": next((a.get("text", "") for a in patient.get("address") or ()), ""),
        "phone": next((t.get("value", "") for t in patient.get("telecom") or ()), ""),
        "active": patient.get("active", True) is not False,
        "replaced_by": next((link["other"]["reference"].split("/", 1)[1] for link in patient.get("link") or ()
                             if link.get("type") == "replaced-by"), ""),
    }


def encounter_summary(encounter: dict[str, Any]) -> dict[str, Any]:
    department, bed = current_place(encounter)
    klass = (encounter.get("class") or {}).get("code", "")
    room = next((loc["location"].get("display", "") for loc in encounter.get("location") or ()), "")
    return {
        "id": encounter["id"],
        "class": klass,
        "class_label": CLASS.get(klass, klass),
        "status": encounter.get("status", ""),
        "status_label": ENCOUNTER_STATUS.get(encounter.get("status", ""), encounter.get("status", "")),
        "start": vn_datetime((encounter.get("period") or {}).get("start")),
        "end": vn_datetime((encounter.get("period") or {}).get("end")),
        "department": department,
        "bed": bed,
        "room": room,
        "open": encounter.get("status") not in ("finished", "cancelled", "entered-in-error"),
        "diagnoses": [d["condition"].get("display", "") for d in
                      sorted(encounter.get("diagnosis") or (), key=lambda d: d.get("rank", 99))],
        "outcome": ((encounter.get("hospitalization") or {}).get("dischargeDisposition") or {}).get("text", ""),
        "locations": [{"name": loc["location"].get("display", ""), "status": loc.get("status", ""),
                       "start": vn_datetime((loc.get("period") or {}).get("start")),
                       "end": vn_datetime((loc.get("period") or {}).get("end"))}
                      for loc in encounter.get("location") or ()],
    }


def quantity(q: dict[str, Any] | None) -> str:
    if not q:
        return ""
    value = q.get("value", "")
    text = str(value).replace(".", ",") if isinstance(value, float) else str(value)
    return f"{text} {q.get('unit', '')}".strip()


def observation_value(obs: dict[str, Any]) -> str:
    if "component" in obs:
        return "/".join(str(c.get("valueQuantity", {}).get("value", "")) for c in obs["component"]) + " mmHg"
    return quantity(obs.get("valueQuantity")) or str(obs.get("valueString", ""))


def observation_row(obs: dict[str, Any]) -> dict[str, Any]:
    flag = next((c.get("code", "") for i in obs.get("interpretation") or () for c in i.get("coding") or ()), "")
    rng = next((r.get("text", "") for r in obs.get("referenceRange") or ()), "")
    return {"id": obs["id"], "name": (obs.get("code") or {}).get("text", ""), "value": observation_value(obs),
            "when": vn_datetime(obs.get("effectiveDateTime")), "flag": flag if flag in ("H", "L") else "", "range": rng}


def concept_text(concept: dict[str, Any] | None) -> str:
    if not concept:
        return ""
    return str(concept.get("text") or next((c.get("display", c.get("code", "")) for c in concept.get("coding") or ()), ""))


def chart_rows(sections: dict[str, Any], signed: set[str]) -> dict[str, list[dict[str, Any]]]:
    """Each chart section as table rows, with the signed/unsigned state of what a signature covers."""
    from ..workflows.signing import kind_of

    def sig(reference: str) -> bool:
        return reference in signed

    rows: dict[str, list[dict[str, Any]]] = {}
    rows["encounters"] = [{**encounter_summary(e), "signed": sig(f"Encounter/{e['id']}")}
                          for e in sections["encounters"].items]
    rows["problems"] = [{"code": next((c.get("code", "") for c in (c_.get("code") or {}).get("coding", [])), ""),
                         "name": (c_.get("code") or {}).get("text", ""), "when": vn_date(c_.get("recordedDate")),
                         "encounter": (c_.get("encounter") or {}).get("reference", "").split("/")[-1]}
                        for c_ in sections["problems"].items]
    rows["medications"] = [{"drug": concept_text(m.get("medicationCodeableConcept")),
                            "instructions": (m.get("dosageInstruction") or [{}])[0].get("text", ""),
                            "when": vn_date(m.get("authoredOn")), "status": m.get("status", ""),
                            "signed": sig(f"MedicationRequest/{m['id']}"),
                            "encounter": (m.get("encounter") or {}).get("reference", "").split("/")[-1]}
                           for m in sections["medications"].items]
    rows["results"] = [{"id": r["id"], "name": concept_text(r.get("code")), "when": vn_datetime(r.get("issued")),
                        "status": r.get("status", ""), "conclusion": r.get("conclusion", ""),
                        "signed": sig(f"DiagnosticReport/{r['id']}")} for r in sections["results"].items]
    rows["documents"] = [{"id": d["id"], "title": (d.get("type") or {}).get("text", "") or d.get("title", ""),
                          "when": vn_datetime(d.get("date")), "kind": kind_of(d) if d["resourceType"] == "DocumentReference" else "",
                          "final": d.get("docStatus") == "final" or d.get("status") == "final",
                          "resource_type": d["resourceType"]}
                         for d in sections["documents"].items]
    rows["allergies"] = [{"substance": concept_text(a.get("code")),
                          "reaction": "; ".join(r.get("description", "") for r in a.get("reaction") or ())}
                         for a in sections["allergies"].items]
    rows["appointments"] = [{"when": vn_datetime(a.get("start")), "description": a.get("description", ""),
                             "status": a.get("status", "")} for a in sections["appointments"].items]
    rows["vitals"] = [observation_row(o) for o in sections["vitals"].items]
    return rows
