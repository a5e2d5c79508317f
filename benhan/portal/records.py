"""What the patient sees, read through the patient's Repository (compartment-checked and audited).

Plain functions over a Repository and the profile's Patient ids: the views only render their output.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from benhan.accounts.models import Facility, User
from benhan.clinical.index import parse_moment
from benhan.clinical.release import is_held, withheld, withheld_documents
from benhan.documents.kinds import KINDS
from benhan.documents.models import SignedDocument
from benhan.documents.records import KIND_SYSTEM
from benhan.fhir.access import Actor
from benhan.fhir.errors import FhirError, Issue
from benhan.fhir.models import AuditRow
from benhan.fhir.repository import Repository
from benhan.fhir.search import search

LIST_SIZE = 100


def _patients(patient_ids: frozenset[str]) -> str:
    return ",".join(f"Patient/{i}" for i in sorted(patient_ids))


def _search(repo: Repository, rtype: str, params: list[tuple[str, str]]) -> list[tuple[dict[str, Any], str, str]]:
    """(resource, tenant, mode) of each entry; an empty profile searches nothing."""
    result = search(repo, rtype, [*params, ("_count", str(LIST_SIZE))], base_url=settings.FHIR_BASE_URL)
    return [(e.stored().json(), e.tenant, e.mode) for e in result.entries]


def facility_names(codes: set[str]) -> dict[str, str]:
    return dict(Facility.objects.filter(code__in=codes).values_list("code", "name"))


def _moment(text: str | None) -> datetime | None:
    moment = parse_moment(text) if text else None
    return timezone.localtime(moment) if moment else None


# --- visits --------------------------------------------------------------------------------------
ENCOUNTER_CLASS = {"AMB": gettext_lazy("Khám ngoại trú"), "IMP": gettext_lazy("Điều trị nội trú"), "EMER": gettext_lazy("Cấp cứu"),
                   "SS": gettext_lazy("Điều trị ban ngày")}
ENCOUNTER_STATUS = {"planned": gettext_lazy("Đã hẹn"), "arrived": gettext_lazy("Đã đến"), "in-progress": gettext_lazy("Đang khám"),
                    "finished": gettext_lazy("Đã xong"), "cancelled": gettext_lazy("Đã huỷ")}


@dataclass
class Visit:
    id: str
    start: datetime | None
    kind: str
    status: str
    facility: str
    diagnosis: str


def visits(repo: Repository, patient_ids: frozenset[str]) -> list[Visit]:
    if not patient_ids:
        return []
    found = _search(repo, "Encounter", [("patient", _patients(patient_ids)), ("_sort", "-date")])
    names = facility_names({t for _r, t, _m in found})
    out = []
    for enc, tenant, _mode in found:
        cls = (enc.get("class") or {}).get("code", "")
        diagnosis = ", ".join(d.get("condition", {}).get("display", "") for d in enc.get("diagnosis") or ()
                              if d.get("condition", {}).get("display"))
        out.append(Visit(enc["id"], _moment((enc.get("period") or {}).get("start")),
                         str(ENCOUNTER_CLASS.get(cls, cls)), str(ENCOUNTER_STATUS.get(enc.get("status", ""), "")),
                         names.get(tenant, tenant), diagnosis or ", ".join(r.get("text", "") for r in enc.get("reasonCode") or ())))
    return out


# --- results -------------------------------------------------------------------------------------
NOTE_HIGH = gettext_lazy("Cao hơn bình thường")
NOTE_LOW = gettext_lazy("Thấp hơn bình thường")
NOTE_NORMAL = gettext_lazy("Trong giới hạn bình thường")
NOTE_CRIT_HIGH = gettext_lazy("Cao hơn nhiều so với bình thường, hãy liên hệ bác sĩ")
NOTE_CRIT_LOW = gettext_lazy("Thấp hơn nhiều so với bình thường, hãy liên hệ bác sĩ")
_FLAG_NOTES = {"H": NOTE_HIGH, "L": NOTE_LOW, "N": NOTE_NORMAL, "HH": NOTE_CRIT_HIGH, "LL": NOTE_CRIT_LOW,
               "A": gettext_lazy("Bất thường, hãy hỏi bác sĩ"), "AA": gettext_lazy("Bất thường, hãy liên hệ bác sĩ")}


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if value is not None else None
    except InvalidOperation:
        return None


def plain_note(observation: dict[str, Any]) -> tuple[str, str]:
    """A plain-Vietnamese note and a level (high, low, normal, '') for one result: the lab's own flag
    first, else the value against the reference range."""
    for concept in observation.get("interpretation") or ():
        for coding in concept.get("coding") or ():
            code = str(coding.get("code", ""))
            if code in _FLAG_NOTES:
                level = "high" if code.startswith("H") else "low" if code.startswith("L") else \
                    "normal" if code == "N" else "high"
                return str(_FLAG_NOTES[code]), level
    value = _decimal((observation.get("valueQuantity") or {}).get("value"))
    rng = (observation.get("referenceRange") or [{}])[0]
    low, high = _decimal((rng.get("low") or {}).get("value")), _decimal((rng.get("high") or {}).get("value"))
    if value is None or (low is None and high is None):
        return "", ""
    if low is not None and value < low:
        return str(NOTE_LOW), "low"
    if high is not None and value > high:
        return str(NOTE_HIGH), "high"
    return str(NOTE_NORMAL), "normal"


def _number(value: Any) -> str:
    """Vietnamese decimal comma: 8,2 not 8.2."""
    d = _decimal(value)
    if d is None:
        return ""
    text = format(d.normalize(), "f") if d == d.to_integral_value() else str(d)
    return text.replace(".", ",")


def range_text(observation: dict[str, Any]) -> str:
    """The normal range as the lab printed it (with its unit), else built from the low and high values."""
    rng = (observation.get("referenceRange") or [{}])[0]
    if rng.get("text"):
        return str(rng["text"])
    low, high = rng.get("low") or {}, rng.get("high") or {}
    unit = str(high.get("unit") or low.get("unit") or "")
    if low.get("value") is not None and high.get("value") is not None:
        text = f"{_number(low['value'])} – {_number(high['value'])}"
    elif high.get("value") is not None:
        text = f"≤ {_number(high['value'])}"
    elif low.get("value") is not None:
        text = f"≥ {_number(low['value'])}"
    else:
        return ""
    return f"{text} {unit}".strip()


@dataclass
class ResultLine:
    name: str
    value: str
    unit: str
    range: str
    note: str
    level: str


@dataclass
class Result:
    id: str
    title: str
    issued: datetime | None
    facility: str
    conclusion: str
    lines: list[ResultLine] = field(default_factory=list)


def _is_lab(report: dict[str, Any]) -> bool:
    return any(c.get("code") == "LAB" for cat in report.get("category") or () for c in cat.get("coding") or ())


def _line(obs: dict[str, Any]) -> ResultLine:
    quantity = obs.get("valueQuantity") or {}
    value = _number(quantity.get("value")) if quantity else str(obs.get("valueString", ""))
    note, level = plain_note(obs)
    return ResultLine((obs.get("code") or {}).get("text", ""), value, str(quantity.get("unit", "")),
                      range_text(obs), note, level)


def _released(report: dict[str, Any]) -> bool:
    """A lab report the responsible person made final; holds (remote signature, review) are checked
    apart, in benhan.clinical.release (decision 0024)."""
    return report.get("status") in ("final", "amended", "corrected") and _is_lab(report)


def _result(report: dict[str, Any], facility: str, observations: dict[str, dict[str, Any]]) -> Result:
    lines = [_line(observations[i]) for i in _result_ids(report) if i in observations]
    code = report.get("code") or {}
    title = code.get("text") or next((c.get("display", "") for c in code.get("coding") or ()), "")
    return Result(report["id"], title, _moment(report.get("issued")), facility, report.get("conclusion", ""), lines)


def _result_ids(report: dict[str, Any]) -> list[str]:
    return [r["reference"].split("/", 1)[1] for r in report.get("result") or () if "/" in r.get("reference", "")]


def results(repo: Repository, patient_ids: frozenset[str]) -> list[Result]:
    """Signed (final) lab reports, newest first, with their values. A report still preliminary is not
    released to the patient: the search asks for final ones and each is checked again here."""
    if not patient_ids:
        return []
    found = _search(repo, "DiagnosticReport", [("patient", _patients(patient_ids)), ("status", "final,amended,corrected"),
                                               ("_sort", "-date"), ("_include", "DiagnosticReport:result")])
    observations = {o["id"]: o for o, _t, mode in found if mode == "include" and o.get("resourceType") == "Observation"}
    reports = [(r, t) for r, t, mode in found if mode == "match" and _released(r)]
    held = withheld(r["id"] for r, _t in reports)
    reports = [(r, t) for r, t in reports if r["id"] not in held]
    names = facility_names({t for _r, t in reports})
    return [_result(report, names.get(tenant, tenant), observations) for report, tenant in reports]


def result(repo: Repository, report_id: str) -> Result | None:
    """One report by id. The read goes through the repository first: a report outside the patient's
    compartments is refused there (403, audited), and one not yet signed or still held is not shown (None)."""
    if is_held(report_id):  # the repository would refuse it too (benhan.fhir.holds); the page says "not found"
        return None
    stored = repo.read("DiagnosticReport", report_id)
    report = stored.json()
    if not _released(report):
        return None
    observations = {s.id: s.json() for s in repo.read_many("Observation", _result_ids(report))}
    return _result(report, facility_names({stored.tenant}).get(stored.tenant, stored.tenant), observations)


# --- appointments --------------------------------------------------------------------------------
@dataclass
class Reexam:
    start: datetime | None
    description: str
    facility: str
    upcoming: bool


def appointments(repo: Repository, patient_ids: frozenset[str]) -> list[Reexam]:
    if not patient_ids:
        return []
    found = _search(repo, "Appointment", [("patient", _patients(patient_ids)), ("_sort", "-date")])
    names = facility_names({t for _r, t, _m in found})
    now = timezone.now()
    out = []
    for appt, tenant, _mode in found:
        if appt.get("status") in ("cancelled", "entered-in-error"):
            continue
        start = _moment(appt.get("start"))
        out.append(Reexam(start, appt.get("description", ""), names.get(tenant, tenant),
                          bool(start and start >= now)))
    return out


# --- signed documents ----------------------------------------------------------------------------
@dataclass
class Paper:
    id: str
    title: str
    signed: datetime | None
    facility: str


def _kind(document: dict[str, Any]) -> str:
    for cat in document.get("category") or ():
        for coding in cat.get("coding") or ():
            if coding.get("system") == KIND_SYSTEM and coding.get("code") in KINDS:
                return str(coding["code"])
    return ""


def papers(repo: Repository, patient_ids: frozenset[str]) -> list[Paper]:
    """Current signed papers (visit record, prescription, lab report, discharge paper...)."""
    if not patient_ids:
        return []
    found = _search(repo, "DocumentReference", [("patient", _patients(patient_ids)), ("status", "current"),
                                                ("_sort", "-date")])
    names = facility_names({t for _r, t, _m in found})
    signed = set(SignedDocument.objects.filter(pk__in=[d["id"] for d, _t, _m in found],
                                               status=SignedDocument.Status.CURRENT).values_list("pk", flat=True))
    signed -= withheld_documents(signed)  # the paper of a result still held shows its values too
    out = []
    for doc, tenant, _mode in found:
        kind = _kind(doc)
        if doc["id"] in signed and kind and doc.get("docStatus", "final") == "final":
            out.append(Paper(doc["id"], KINDS[kind].title.capitalize(), _moment(doc.get("date")), names.get(tenant, tenant)))
    return out


def download(repo: Repository, document_id: str) -> tuple[SignedDocument, bytes]:
    """The signed PDF, if the patient's repository can read its DocumentReference (else FhirError 403/404).

    Access is decided on the DocumentReference, read by the patient's own repository (compartment
    checked, refusals audited). The PDF itself is a Binary, which the R4 Patient compartment does not
    include, so a patient-context actor can never read it directly: it is read by a system repository
    only after that check, and only the Binary this very DocumentReference points to.
    """
    stored = repo.read("DocumentReference", document_id)
    document = SignedDocument.objects.filter(pk=document_id).first()
    attachment_urls = {str((c.get("attachment") or {}).get("url", "")) for c in stored.json().get("content") or ()}
    if document is None or f"Binary/{document.binary_id}" not in attachment_urls or withheld_documents([document_id]):
        raise FhirError(404, [Issue("not-found", "no signed PDF for this document")])
    system = Repository(Actor.system("portal-download"), stored.tenant, purpose="PATRQT")
    pdf = base64.b64decode(system.read("Binary", document.binary_id).json().get("data", ""))
    repo.audit_event("download", resource_type="DocumentReference", resource_id=document_id,
                     patient_id=document.patient_ref.removeprefix("Patient/"))
    return document, pdf


# --- who opened my record ------------------------------------------------------------------------
WHAT = {"read": gettext_lazy("xem"), "vread": gettext_lazy("xem"), "search": gettext_lazy("tra cứu"), "history": gettext_lazy("xem lịch sử"),
        "create": gettext_lazy("ghi mới"), "update": gettext_lazy("sửa"), "patch": gettext_lazy("sửa"), "delete": gettext_lazy("xoá"),
        "download": gettext_lazy("tải giấy tờ"), "open-shared": gettext_lazy("mở hồ sơ liên thông"), "print": gettext_lazy("in giấy tờ"), "operation": gettext_lazy("xử lý")}
TYPES = {"Patient": gettext_lazy("thông tin hành chính"), "Encounter": gettext_lazy("lượt khám"), "Observation": gettext_lazy("kết quả/sinh hiệu"),
         "DiagnosticReport": gettext_lazy("phiếu kết quả"), "Condition": gettext_lazy("chẩn đoán"), "MedicationRequest": gettext_lazy("đơn thuốc"),
         "DocumentReference": gettext_lazy("giấy tờ"), "Appointment": gettext_lazy("lịch hẹn"), "ServiceRequest": gettext_lazy("chỉ định"),
         "Coverage": gettext_lazy("thẻ BHYT"), "Binary": gettext_lazy("tệp"), "Provenance": gettext_lazy("chữ ký số"),
         "AllergyIntolerance": gettext_lazy("dị ứng"), "Procedure": gettext_lazy("thủ thuật")}
STAFF_KINDS = ("user", "client", "node")


@dataclass
class Access:
    when: datetime
    who: str
    role: str
    facility: str
    what: str
    emergency_reason: str = ""  # an emergency override (break the glass) and why


def who_opened(patient_ids: frozenset[str], own_actor_id: str = "", limit: int = 200) -> list[Access]:
    """Staff, systems, other facilities and family members who opened or changed these records, newest
    first. Reads made from the holder's own account (`own_actor_id`) are left out: the question is
    who else looked."""
    if not patient_ids:
        return []
    others = Q(actor_kind__in=STAFF_KINDS) | (Q(actor_kind="patient") & ~Q(actor_id=own_actor_id))
    rows = list(AuditRow.objects.filter(others, patient_id__in=patient_ids, outcome="0")
                .order_by("-recorded", "-id")[:limit])
    user_ids = {int(r.actor_id) for r in rows if r.actor_kind == "user" and r.actor_id.isdigit()}
    roles = {str(pk): str(User.Role(role).label) for pk, role in
             User.objects.filter(pk__in=user_ids).values_list("pk", "role") if role in User.Role.values}
    names = facility_names({r.facility for r in rows})
    out = []
    for r in rows:
        who = r.actor_display.split(" (")[0] if r.actor_kind == "user" else (r.actor_display or r.actor_id)
        role = roles.get(r.actor_id, "") if r.actor_kind == "user" else \
            str(_("Ứng dụng được cấp quyền")) if r.actor_id.startswith("smart:") else \
            str(_("Người nhà")) if r.actor_kind == "patient" else str(_("Hệ thống"))
        what = f"{WHAT.get(r.interaction, r.interaction)} {TYPES.get(r.resource_type, r.resource_type)}".strip()
        out.append(Access(timezone.localtime(r.recorded), who, role, names.get(r.facility, r.facility), what,
                          r.reason if r.purpose == "ETREAT" else ""))
    return out


def today() -> date:
    return timezone.localdate()
