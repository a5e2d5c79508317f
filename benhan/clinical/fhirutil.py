"""Identifier systems, code systems and small builders shared by the clinical workflows."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import ClinicalError

CCCD_SYSTEM = "http://fhir.hl7.org.vn/core/sid/cccd"
BHYT_SYSTEM = "http://fhir.hl7.org.vn/core/sid/bhyt"
CSKCB_SYSTEM = "http://fhir.hl7.org.vn/core/sid/ma-cskcb"
# The VN Core IG names a NamingSystem for the national prescription code (vn-prescription-code-ns);
# its URI is not settled in the draft, so ours is one constant to change.
PRESCRIPTION_CODE_SYSTEM = "http://fhir.hl7.org.vn/core/sid/ma-don-thuoc"
ICD10_SYSTEM = "http://hl7.org/fhir/sid/icd-10"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
DIAG_ROLE = "http://terminology.hl7.org/CodeSystem/diagnosis-role"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
BENHAN = "https://benhan.vn/fhir"
SERVICE_SYSTEM = f"{BENHAN}/CodeSystem/dich-vu"
DRUG_SYSTEM = f"{BENHAN}/CodeSystem/thuoc"
LABTEST_SYSTEM = f"{BENHAN}/CodeSystem/xet-nghiem"
NOTE_KIND_SYSTEM = f"{BENHAN}/CodeSystem/loai-ghi-chep"
LOCATION_SYSTEM = f"{BENHAN}/sid/vi-tri"


def mrn_system(facility: str) -> str:
    """Each facility numbers its own records (mã lưu trữ); the system names the facility."""
    return f"{BENHAN}/sid/mrn/{facility}"


def ref(resource_type: str, resource_id: str, display: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {"reference": f"{resource_type}/{resource_id}"}
    if display:
        out["display"] = display
    return out


def coding(system: str, code: str, display: str = "") -> dict[str, Any]:
    out = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def concept(system: str, code: str, display: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {"coding": [coding(system, code, display)]}
    if display:
        out["text"] = display
    return out


def now_iso() -> str:
    return timezone.localtime().isoformat(timespec="seconds")


def instant(moment: datetime) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds")


def parse_vn_date(text: str, field: str, label: str) -> date:
    """A date typed as dd/mm/yyyy (the Vietnamese convention), or ISO yyyy-mm-dd from a date picker."""
    text = (text or "").strip()
    if not text:
        raise ClinicalError(_("Chưa nhập %(label)s.") % {"label": label}, field)
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d%m%Y"):
        try:
            value = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if value > timezone.localdate():
            raise ClinicalError(_("%(label)s không được ở tương lai.") % {"label": label.capitalize()}, field)
        if value.year < 1900:
            raise ClinicalError(_("%(label)s không hợp lệ.") % {"label": label.capitalize()}, field)
        return value
    raise ClinicalError(_("%(label)s không hợp lệ (định dạng ngày/tháng/năm).") % {"label": label.capitalize()}, field)


def vn_date(value: str | date | datetime | None) -> str:
    """dd/mm/yyyy from a FHIR date or dateTime (its date part in the facility's time zone)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        if len(value) <= 10:
            value = date.fromisoformat(value)
        else:
            value = timezone.localtime(datetime.fromisoformat(value.replace("Z", "+00:00")))
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.strftime("%d/%m/%Y")
    return value.strftime("%d/%m/%Y")


def vn_datetime(value: str | datetime | None) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        if len(value) <= 10:
            return vn_date(value)
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return timezone.localtime(value).strftime("%H:%M %d/%m/%Y")


def identifier_value(resource: dict[str, Any], system: str) -> str:
    for ident in resource.get("identifier") or ():
        if ident.get("system") == system:
            return str(ident.get("value", ""))
    return ""


def patient_name(patient: dict[str, Any]) -> str:
    for name in patient.get("name") or ():
        if name.get("text"):
            return str(name["text"])
        parts = [name.get("family", ""), *(name.get("given") or [])]
        return " ".join(p for p in parts if p)
    return ""
