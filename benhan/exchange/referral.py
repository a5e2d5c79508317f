"""Referral (chuyển cơ sở KCB) and back-referral between facilities, on standard FHIR resources.

The referring facility records a ServiceRequest (category: referral) and a Task that tracks it
(requested → received → accepted or rejected → in-progress → completed), signs the referral paper
(TT 01/2025 Appendix VI), and sends the referral package: a FHIR document Bundle whose Composition
carries the paper's contents and a patient summary (problems, medications, allergies, recent results,
vital signs), with the signed paper. All of it leaves through the outbox in the same transaction.

The receiving facility files the package, matches the patient to its own record (CCCD, then BHYT
card, else a new record), and shows the referral in its worklist as a Task before the patient
arrives. Each status change travels back, so the referring doctor sees where the patient is; the
discharge summary, results and follow-up plan return as the back-referral.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from benhan.accounts.models import Facility, User
from benhan.core.events import emit
from benhan.fhir.repository import Repository
from benhan.fhir.search import search

from .inbox import handler
from .messages import Message
from .outbox import enqueue

JSON = dict[str, Any]
CCCD_SYSTEM = "http://fhir.hl7.org.vn/core/sid/cccd"
BHYT_SYSTEM = "http://fhir.hl7.org.vn/core/sid/bhyt"
CSKCB_SYSTEM = "http://fhir.hl7.org.vn/core/sid/ma-cskcb"
REFERRAL_ID_SYSTEM = "https://benhan.vn/fhir/sid/ma-chuyen-co-so"
REFERRAL_REASON_SYSTEM = "https://benhan.vn/fhir/CodeSystem/ly-do-chuyen-co-so"
SOURCE_RECORD_SYSTEM = "https://benhan.vn/fhir/sid/ho-so-noi-chuyen"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"


class ReferralError(Exception):
    """A referral step refused; the message is Vietnamese, for the clinician."""


@dataclass(frozen=True)
class ReferralInput:
    destination: str  # receiving facility's code
    reason: str
    reason_code: str  # TT 01/2025: 1 = meets the conditions for transfer, 2 = at the patient's request
    clinical_signs: str
    course: str
    results_summary: str
    treatment: str
    condition: str  # condition at transfer
    transport: str
    escort: str = ""  # name and title of the escort
    direction: str = ""  # treatment direction


@dataclass
class Referral:
    service_request: JSON
    task: JSON
    bundle: JSON
    document: Any  # benhan.documents.SignedDocument


def _ref(resource_type: str, resource_id: str, display: str = "") -> JSON:
    out: JSON = {"reference": f"{resource_type}/{resource_id}"}
    if display:
        out["display"] = display
    return out


def _facility_ref(code: str) -> JSON:
    name = Facility.objects.filter(code=code).values_list("name", flat=True).first() or code
    return {"identifier": {"system": CSKCB_SYSTEM, "value": code}, "display": name}


def _all(repo: Repository, resource_type: str, params: list[tuple[str, str]]) -> list[JSON]:
    return [e.stored().json() for e in search(repo, resource_type, params, base_url="").matches]


def _narrative(text: str) -> JSON:
    from html import escape

    body = "<br/>".join(escape(line) for line in (text or "").splitlines()) or escape(_("Không"))
    return {"status": "generated", "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{body}</div>'}


def _section(title: str, code: str, text: str, entries: list[JSON] = ()) -> JSON:  # type: ignore[assignment]
    section: JSON = {"title": title, "code": {"coding": [{"system": LOINC, "code": code}]}, "text": _narrative(text)}
    if entries:
        section["entry"] = [_ref(e["resourceType"], e["id"]) for e in entries]
    return section


def _check(data: ReferralInput) -> None:
    required = [(data.destination, _("Chưa chọn cơ sở nhận.")), (data.reason, _("Cần ghi lý do chuyển cơ sở.")),
                (data.condition, _("Cần ghi tình trạng người bệnh lúc chuyển.")),
                (data.transport, _("Cần ghi phương tiện vận chuyển."))]
    for value, message in required:
        if not value.strip():
            raise ReferralError(message)
    if data.reason_code not in ("1", "2"):
        raise ReferralError(_("Lý do chuyển phải là 1 (đủ điều kiện chuyển) hoặc 2 (theo yêu cầu người bệnh)."))


def refer(repo: Repository, signer: User, encounter_id: str, data: ReferralInput) -> Referral:
    """Refer the encounter's patient to another facility: record, sign, and send the package, in one step."""
    from benhan.clinical.workflows.common import performer
    from benhan.clinical.workflows.signing import coverage_of, facility_of, sign
    from benhan.documents.pdf.contexts import referral_context

    _check(data)
    if data.destination == repo.facility:
        raise ReferralError(_("Không thể chuyển người bệnh đến chính cơ sở đang điều trị."))
    from .models import Node

    if not Node.objects.filter(code=data.destination, active=True).exists():
        raise ReferralError(_("Cơ sở nhận %(code)s chưa có trong danh bạ trao đổi dữ liệu.") % {"code": data.destination})
    encounter = repo.read("Encounter", encounter_id).json()
    patient_id = encounter["subject"]["reference"].split("/", 1)[1]
    patient = repo.read("Patient", patient_id).json()
    ranked = sorted(encounter.get("diagnosis") or (), key=lambda d: d.get("rank", 99))
    conditions = [s.json() for s in repo.read_many("Condition", [d["condition"]["reference"].split("/", 1)[1] for d in ranked])]
    if not conditions:
        raise ReferralError(_("Cần có chẩn đoán (mã ICD-10) trước khi chuyển cơ sở."))
    subject = f"Patient/{patient_id}"
    problems = _all(repo, "Condition", [("patient", subject), ("clinical-status", "active"), ("_count", "50")])
    medications = _all(repo, "MedicationRequest", [("patient", subject), ("status", "active"), ("_count", "50")])
    allergies = _all(repo, "AllergyIntolerance", [("patient", subject), ("_count", "50")])
    results = _all(repo, "Observation", [("patient", subject), ("category", "laboratory"), ("_sort", "-date"), ("_count", "20")])
    vitals = _all(repo, "Observation", [("patient", subject), ("category", "vital-signs"), ("_sort", "-date"), ("_count", "20")])
    now, who = timezone.localtime().isoformat(timespec="seconds"), performer(repo)
    referral_id = str(uuid.uuid4())
    with repo.atomic():
        request: JSON = {
            "resourceType": "ServiceRequest", "status": "active", "intent": "order",
            "identifier": [{"system": REFERRAL_ID_SYSTEM, "value": referral_id}],
            "category": [{"coding": [{"system": SNOMED, "code": "3457005", "display": "Patient referral"}],
                          "text": _("Chuyển cơ sở khám bệnh, chữa bệnh")}],
            "code": {"text": _("Chuyển cơ sở khám bệnh, chữa bệnh")},
            "subject": _ref("Patient", patient_id), "encounter": _ref("Encounter", encounter_id),
            "authoredOn": now, "requester": who, "performer": [_facility_ref(data.destination)],
            "reasonCode": [{"text": data.reason.strip()},
                           {"coding": [{"system": REFERRAL_REASON_SYSTEM, "code": data.reason_code}]}],
        }
        if data.course.strip():
            request["note"] = [{"text": data.course.strip()}]
        service_request = repo.create(request).json()
        task = repo.create({
            "resourceType": "Task", "status": "requested", "intent": "order",
            "identifier": [{"system": REFERRAL_ID_SYSTEM, "value": referral_id}],
            "focus": _ref("ServiceRequest", service_request["id"]), "for": _ref("Patient", patient_id),
            "encounter": _ref("Encounter", encounter_id), "authoredOn": now, "lastModified": now,
            "requester": who, "owner": _facility_ref(data.destination),
            "businessStatus": {"text": _("Đã gửi, chờ cơ sở nhận")},
        }).json()
        composition = repo.create({
            "resourceType": "Composition", "status": "final",
            "type": {"coding": [{"system": LOINC, "code": "57133-1", "display": "Referral note"}],
                     "text": _("Giấy chuyển cơ sở khám bệnh, chữa bệnh")},
            "subject": _ref("Patient", patient_id), "encounter": _ref("Encounter", encounter_id), "date": now,
            "author": [who], "title": _("Giấy chuyển cơ sở khám bệnh, chữa bệnh"),
            "section": [
                _section(_("Chẩn đoán"), "42347-5", "; ".join(
                    f"{(c['code'].get('coding') or [{}])[0].get('code', '')} {c['code'].get('text', '')}".strip() for c in conditions), conditions),
                _section(_("Dấu hiệu lâm sàng"), "10210-3", data.clinical_signs),
                _section(_("Quá trình bệnh lý và diễn biến lâm sàng"), "10164-2", data.course),
                _section(_("Tóm tắt kết quả cận lâm sàng"), "30954-2", data.results_summary, results),
                _section(_("Phương pháp, thủ thuật, kỹ thuật, thuốc đã sử dụng"), "18776-5", data.treatment),
                _section(_("Tình trạng người bệnh lúc chuyển"), "8716-3", data.condition),
                _section(_("Lý do chuyển"), "42349-1", data.reason),
                _section(_("Hướng điều trị"), "18776-5", data.direction),
                _section(_("Phương tiện vận chuyển; người hộ tống"), "74213-0", f"{data.transport}\n{data.escort}".strip()),
                _section(_("Vấn đề sức khỏe"), "11450-4", "", problems),
                _section(_("Thuốc đang dùng"), "10160-0", "", medications),
                _section(_("Dị ứng"), "48765-2", "", allergies),
                _section(_("Dấu hiệu sinh tồn"), "8716-3", "", vitals),
            ],
        }).json()
        unique: dict[tuple[str, str], JSON] = {}
        for r in [composition, patient, encounter, service_request, *conditions, *problems, *medications, *allergies,
                  *results, *vitals]:
            unique.setdefault((r["resourceType"], r["id"]), r)
        entries = list(unique.values())
        bundle = {
            "resourceType": "Bundle", "type": "document",
            "identifier": {"system": REFERRAL_ID_SYSTEM, "value": referral_id}, "timestamp": now,
            "entry": [{"fullUrl": f"urn:benhan:{repo.facility}:{r['resourceType']}/{r['id']}", "resource": r} for r in entries],
        }
        context = referral_context(patient, service_request, encounter, conditions, facility=facility_of(repo),
                                   coverage=coverage_of(repo, patient_id), extra={
                                       "clinical_signs": data.clinical_signs, "course": data.course,
                                       "results_summary": data.results_summary, "treatment": data.treatment,
                                       "condition": data.condition, "transport": data.transport,
                                       "escort": data.escort, "direction": data.direction, "reason": data.reason})
        document = sign(repo, signer, "referral", [f"Patient/{patient_id}", f"Encounter/{encounter_id}",
                                                   f"ServiceRequest/{service_request['id']}",
                                                   f"Composition/{composition['id']}"], context)
        pdf = repo.read("Binary", document.binary_id).json() if getattr(document, "binary_id", "") else None
        enqueue(repo.facility, data.destination, "referral.request", {
            "referral_id": referral_id, "bundle": bundle,
            "signed_paper": {"contentType": "application/pdf", "data": pdf.get("data", "")} if pdf else None,
        })
    return Referral(service_request, task, bundle, document)


# --- at the receiving facility ---------------------------------------------------------------------
def _match_patient(repo: Repository, source: JSON) -> tuple[str, str]:
    """The receiver's own record of the patient: by CCCD, then BHYT card, else a new record."""
    for system, how in ((CCCD_SYSTEM, "cccd"), (BHYT_SYSTEM, "bhyt")):
        value = next((i.get("value") for i in source.get("identifier") or () if i.get("system") == system), "")
        if value:
            found = _all(repo, "Patient", [("identifier", f"{system}|{value}"), ("_count", "2")])
            if len(found) == 1:
                return found[0]["id"], how
    copy = {k: v for k, v in source.items() if k not in ("id", "meta", "managingOrganization", "link")}
    copy["identifier"] = [i for i in source.get("identifier") or () if i.get("system") in (CCCD_SYSTEM, BHYT_SYSTEM)]
    copy["identifier"].append({"system": SOURCE_RECORD_SYSTEM, "value": source.get("id", "")})
    copy["managingOrganization"] = {"identifier": {"system": CSKCB_SYSTEM, "value": repo.facility}}
    return repo.create(copy).id, "new"


def _status_back(repo: Repository, message: Message, referral_id: str, status: str, reason: str = "") -> None:
    enqueue(message.destination, message.sender, "referral.status",
            {"referral_id": referral_id, "status": status, "reason": reason, "at": timezone.now().isoformat()})


@handler("referral.request")
def _receive_referral(repo: Repository, message: Message) -> JSON:
    body = message.body
    bundle = body["bundle"]
    source_patient = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    patient_id, matched_by = _match_patient(repo, source_patient)
    filed = repo.create(dict(bundle))
    inputs = [{"type": {"text": "referral-package"}, "valueReference": _ref("Bundle", filed.id)}]
    if body.get("signed_paper"):
        binary = repo.create({"resourceType": "Binary", **body["signed_paper"]})
        inputs.append({"type": {"text": "signed-referral-paper"}, "valueReference": _ref("Binary", binary.id)})
    now = timezone.localtime().isoformat(timespec="seconds")
    task = repo.create({
        "resourceType": "Task", "status": "received", "intent": "order",
        "identifier": [{"system": REFERRAL_ID_SYSTEM, "value": body["referral_id"]}],
        "focus": _ref("Bundle", filed.id), "for": _ref("Patient", patient_id), "authoredOn": now, "lastModified": now,
        "requester": _facility_ref(message.sender), "owner": _facility_ref(message.destination),
        "businessStatus": {"text": _("Đã nhận, chờ tiếp nhận")}, "input": inputs,
        "note": [{"text": _("Khớp hồ sơ theo %(how)s") % {"how": {"cccd": "CCCD", "bhyt": _("thẻ BHYT"),
                                                                  "new": _("hồ sơ mới")}[matched_by]}}],
    })
    _status_back(repo, message, body["referral_id"], "received")
    emit("referral_arrived", patient=f"Patient/{patient_id}", facility=message.destination, link="/app/ho-so/{profile}/")
    return {"task": task.id, "patient": patient_id, "matched_by": matched_by}


def _task_by_referral(repo: Repository, referral_id: str) -> tuple[Any, JSON]:
    found = search(repo, "Task", [("identifier", f"{REFERRAL_ID_SYSTEM}|{referral_id}"), ("_count", "2")], base_url="").matches
    if len(found) != 1:
        raise ReferralError(_("Không tìm thấy yêu cầu chuyển cơ sở %(id)s.") % {"id": referral_id})
    stored = found[0].stored()
    return stored, stored.json()


STATUS_TEXT = {
    "received": "Cơ sở nhận đã nhận hồ sơ", "accepted": "Cơ sở nhận đồng ý tiếp nhận", "rejected": "Cơ sở nhận từ chối",
    "in-progress": "Người bệnh đã đến, đang điều trị", "completed": "Đã điều trị xong, có thông tin chuyển về",
}


def _set_status(repo: Repository, referral_id: str, status: str, reason: str = "", **changes: Any) -> JSON:
    stored, task = _task_by_referral(repo, referral_id)
    task["status"], task["lastModified"] = status, timezone.localtime().isoformat(timespec="seconds")
    task["businessStatus"] = {"text": _(STATUS_TEXT[status])}
    if reason:
        task["statusReason"] = {"text": reason}
    task.update(changes)
    repo.update(task, stored.id, if_match=stored.version_id)
    return task


@handler("referral.status")
def _status_update(repo: Repository, message: Message) -> JSON:
    """At the referring facility: the receiver's progress shows on the referral's Task."""
    body = message.body
    if body.get("status") not in STATUS_TEXT:
        raise ValueError(f"unknown referral status {body.get('status')!r}")
    task = _set_status(repo, body["referral_id"], body["status"], body.get("reason", ""))
    return {"task": task["id"], "status": task["status"]}


def worklist(repo: Repository, statuses: tuple[str, ...] = ("received", "accepted", "in-progress")) -> list[JSON]:
    """Incoming referrals for this facility, before and after the patient arrives."""
    owner = f"{CSKCB_SYSTEM}|{repo.facility}"
    tasks = _all(repo, "Task", [("status", ",".join(statuses)), ("_sort", "-authored-on"), ("_count", "100")])
    return [t for t in tasks if (t.get("owner") or {}).get("identifier", {}).get("value") == repo.facility
            or owner == ""]


def _referral_id(task: JSON) -> str:
    return next(i["value"] for i in task.get("identifier") or () if i.get("system") == REFERRAL_ID_SYSTEM)


def _reply(repo: Repository, task: JSON, status: str, reason: str = "") -> None:
    origin = (task.get("requester") or {}).get("identifier", {}).get("value", "")
    enqueue(repo.facility, origin, "referral.status",
            {"referral_id": _referral_id(task), "status": status, "reason": reason, "at": timezone.now().isoformat()})


def accept(repo: Repository, task_id: str) -> JSON:
    with repo.atomic():
        task = repo.read("Task", task_id).json()
        if task["status"] != "received":
            raise ReferralError(_("Chỉ tiếp nhận được yêu cầu đang chờ."))
        task = _set_status(repo, _referral_id(task), "accepted")
        _reply(repo, task, "accepted")
    return task


def reject(repo: Repository, task_id: str, reason: str) -> JSON:
    if not reason.strip():
        raise ReferralError(_("Cần ghi lý do từ chối."))
    with repo.atomic():
        task = repo.read("Task", task_id).json()
        if task["status"] not in ("received", "accepted"):
            raise ReferralError(_("Yêu cầu này không còn từ chối được."))
        task = _set_status(repo, _referral_id(task), "rejected", reason.strip())
        _reply(repo, task, "rejected", reason.strip())
    return task


def arrived(repo: Repository, task_id: str, encounter_id: str) -> JSON:
    """The referred patient arrived: their new encounter is linked to the referral."""
    with repo.atomic():
        task = repo.read("Task", task_id).json()
        if task["status"] not in ("received", "accepted"):
            raise ReferralError(_("Yêu cầu chuyển cơ sở này không ở trạng thái chờ người bệnh."))
        task = _set_status(repo, _referral_id(task), "in-progress", encounter=_ref("Encounter", encounter_id))
        _reply(repo, task, "in-progress")
    return task


def send_back(repo: Repository, task_id: str, *, summary_id: str, follow_up: str, reexam_date: str = "") -> JSON:
    """Back-referral: the discharge summary, results and follow-up plan go to the referring facility."""
    if not follow_up.strip():
        raise ReferralError(_("Cần ghi kế hoạch theo dõi cho cơ sở chuyển đến."))
    with repo.atomic():
        task = repo.read("Task", task_id).json()
        if task["status"] != "in-progress":
            raise ReferralError(_("Chỉ gửi thông tin chuyển về khi người bệnh đang điều trị tại cơ sở."))
        summary = repo.read("Composition", summary_id).json()
        patient = repo.read("Patient", task["for"]["reference"].split("/", 1)[1]).json()
        subject = f"Patient/{patient['id']}"
        results = _all(repo, "Observation", [("patient", subject), ("category", "laboratory"), ("_sort", "-date"), ("_count", "20")])
        conditions = [s.json() for s in repo.read_many("Condition", [
            e["reference"].split("/", 1)[1] for sec in summary.get("section") or () for e in sec.get("entry") or ()
            if e.get("reference", "").startswith("Condition/")])]
        plan = {"resourceType": "CarePlan", "status": "active", "intent": "plan", "subject": _ref("Patient", patient["id"]),
                "title": _("Kế hoạch theo dõi sau ra viện"), "description": follow_up.strip()}
        if reexam_date:
            plan["period"] = {"start": reexam_date}
        bundle = {"resourceType": "Bundle", "type": "document",
                  "identifier": {"system": REFERRAL_ID_SYSTEM, "value": _referral_id(task)},
                  "timestamp": timezone.localtime().isoformat(timespec="seconds"),
                  "entry": [{"fullUrl": f"urn:benhan:{repo.facility}:{r['resourceType']}/{r.get('id', 'plan')}", "resource": r}
                            for r in {(r["resourceType"], r.get("id", "")): r
                                      for r in [summary, patient, *conditions, *results, plan]}.values()]}
        task = _set_status(repo, _referral_id(task), "completed")
        origin = (task.get("requester") or {}).get("identifier", {}).get("value", "")
        enqueue(repo.facility, origin, "referral.back", {"referral_id": _referral_id(task), "bundle": bundle,
                                                         "follow_up": follow_up.strip(), "reexam_date": reexam_date})
    return task


@handler("referral.back")
def _receive_back(repo: Repository, message: Message) -> JSON:
    """At the referring facility: the back-referral is filed and the Task shows it, for the follow-up worklist."""
    body = message.body
    filed = repo.create(dict(body["bundle"]))
    task = _set_status(repo, body["referral_id"], "completed",
                       output=[{"type": {"text": "back-referral"}, "valueReference": _ref("Bundle", filed.id)}],
                       note=[{"text": body.get("follow_up", "")}] if body.get("follow_up") else [])
    patient = (task.get("for") or {}).get("reference", "")
    if patient.startswith("Patient/"):
        emit("referral_arrived", patient=patient, facility=message.destination, link="/app/ho-so/{profile}/")
    return {"task": task["id"], "bundle": filed.id}


def follow_up_worklist(repo: Repository) -> list[JSON]:
    """Referrals that came back: the patients this facility follows up."""
    tasks = _all(repo, "Task", [("status", "completed"), ("_sort", "-modified"), ("_count", "100")])
    return [t for t in tasks if any((o.get("type") or {}).get("text") == "back-referral" for o in t.get("output") or ())]


