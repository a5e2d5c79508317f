"""Registration: a Patient with Vietnamese identifiers and a Coverage for the BHYT card, with a
duplicate check before anything is created, and audited merging of two records of one person."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from benhan.fhir.repository import Repository
from benhan.vn.text import fold

from ..counters import next_number
from ..errors import ClinicalError
from ..fhirutil import (
    BHYT_SYSTEM,
    CCCD_SYSTEM,
    CSKCB_SYSTEM,
    mrn_system,
    parse_vn_date,
    patient_name,
    ref,
    vn_date,
)
from ..models import PatientKey
from .common import load, modify
from .vnchecks import check_bhyt, check_cccd, read_chip_qr

GENDERS = {"male", "female", "other"}


@dataclass
class PatientInput:
    """What reception types or scans. Dates are dd/mm/yyyy as printed on Vietnamese cards."""

    name: str
    birth_date: str
    gender: str
    cccd: str = ""
    address: str = ""
    phone: str = ""
    bhyt: str = ""
    bhyt_valid_from: str = ""
    bhyt_valid_to: str = ""
    bhyt_facility: str = ""  # nơi đăng ký KCB ban đầu (5-digit facility code)


def input_from_chip_qr(text: str) -> PatientInput:
    """The fields of the chip ID card's QR code, ready for reception to add the phone and BHYT card."""
    card = read_chip_qr(text)
    return PatientInput(name=card.full_name, birth_date=card.birth_date.strftime("%d/%m/%Y"), gender=card.sex,
                        cccd=card.cccd, address=card.address)


@dataclass
class Duplicate:
    patient_id: str
    name: str
    birth_date: str
    reason: str  # "cccd" or "name_dob"


@dataclass
class DuplicateWarning(ClinicalError):
    """The person may already have a record here. Same CCCD: always refused (open that record).
    Same folded name and birth date: refused until reception confirms it is another person."""

    candidates: list[Duplicate] = field(default_factory=list)

    def __init__(self, message: str, candidates: list[Duplicate]) -> None:
        super().__init__(message, "cccd" if any(c.reason == "cccd" for c in candidates) else "name")
        self.candidates = candidates

    @property
    def overridable(self) -> bool:
        return all(c.reason != "cccd" for c in self.candidates)


@dataclass
class Registered:
    patient: dict[str, Any]
    coverage: dict[str, Any] | None


def clean(data: PatientInput) -> tuple[PatientInput, date]:
    """The input with whitespace and case normalised; raises ClinicalError for the first fault found."""
    name = " ".join(data.name.split())
    if not name:
        raise ClinicalError(_("Chưa nhập họ và tên."), "name")
    if any(ch.isdigit() for ch in name):
        raise ClinicalError(_("Họ và tên không được chứa chữ số."), "name")
    birth = parse_vn_date(data.birth_date, "birth_date", _("ngày sinh"))
    if data.gender not in GENDERS:
        raise ClinicalError(_("Chưa chọn giới tính."), "gender")
    cccd = "".join(data.cccd.split())
    if cccd:
        check_cccd(cccd, birth, data.gender)
    bhyt = "".join(data.bhyt.split()).upper()
    if bhyt:
        check_bhyt(bhyt)
    cleaned = PatientInput(
        name=name, birth_date=data.birth_date, gender=data.gender, cccd=cccd, address=" ".join(data.address.split()),
        phone="".join(data.phone.split()), bhyt=bhyt, bhyt_valid_from=data.bhyt_valid_from.strip(),
        bhyt_valid_to=data.bhyt_valid_to.strip(), bhyt_facility=data.bhyt_facility.strip(),
    )
    return cleaned, birth


def find_duplicates(repo: Repository, cccd: str, name: str, birth: date) -> list[Duplicate]:
    """Active records visible to this actor with the same CCCD, or the same folded name and birth date."""
    wanted = [("name_dob", f"{fold(name)}|{birth.isoformat()}")]
    if cccd:
        wanted.append(("cccd", cccd))
    qs = PatientKey.objects.filter(active=True)
    tenants = repo.policy.tenants(repo.actor)
    if tenants is not None:
        qs = qs.filter(tenant__in=tenants)
    hits: dict[str, str] = {}
    for kind, value in wanted:
        for pid in qs.filter(kind=kind, value=value).values_list("patient_id", flat=True)[:20]:
            if hits.get(pid) != "cccd":
                hits[pid] = kind
    if not hits:
        return []
    out = []
    for stored in repo.read_many("Patient", list(hits)):
        patient = stored.json()
        out.append(Duplicate(stored.id, patient_name(patient), vn_date(patient.get("birthDate")), hits[stored.id]))
    return sorted(out, key=lambda d: (d.reason != "cccd", d.name))


def build_patient(data: PatientInput, birth: date, mrn: str, facility: str) -> dict[str, Any]:
    identifiers: list[dict[str, Any]] = []
    if data.cccd:
        identifiers.append({"use": "official", "system": CCCD_SYSTEM, "value": data.cccd,
                            "type": {"text": _("Căn cước công dân")}})
    if data.bhyt:
        identifiers.append({"system": BHYT_SYSTEM, "value": data.bhyt, "type": {"text": _("Thẻ BHYT")}})
    identifiers.append({"use": "usual", "system": mrn_system(facility), "value": mrn,
                        "type": {"text": _("Mã lưu trữ")}})
    words = data.name.split()
    patient: dict[str, Any] = {
        "resourceType": "Patient",
        "identifier": identifiers,
        "active": True,
        "name": [{"use": "official", "text": data.name, "family": words[0], "given": words[1:] or [words[0]]}],
        "gender": data.gender,
        "birthDate": birth.isoformat(),
    }
    if data.phone:
        patient["telecom"] = [{"system": "phone", "value": data.phone, "use": "mobile"}]
    if data.address:
        patient["address"] = [{"use": "home", "text": data.address, "country": "VN"}]
    if facility:
        patient["managingOrganization"] = {"identifier": {"system": CSKCB_SYSTEM, "value": facility}}
    return patient


def build_coverage(data: PatientInput, patient_id: str) -> dict[str, Any]:
    coverage: dict[str, Any] = {
        "resourceType": "Coverage",
        "identifier": [{"system": BHYT_SYSTEM, "value": data.bhyt}],
        "status": "active",
        "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "PUBLICPOL",
                             "display": "public healthcare"}], "text": _("Bảo hiểm y tế")},
        "subscriberId": data.bhyt,
        "beneficiary": ref("Patient", patient_id),
        "payor": [{"display": _("Bảo hiểm xã hội Việt Nam")}],
    }
    period: dict[str, str] = {}
    if data.bhyt_valid_from:
        period["start"] = parse_vn_date(data.bhyt_valid_from, "bhyt_valid_from", _("ngày thẻ có giá trị")).isoformat()
    if data.bhyt_valid_to:
        try:
            end = datetime.strptime(data.bhyt_valid_to, "%d/%m/%Y").date()
        except ValueError as exc:
            raise ClinicalError(_("Hạn thẻ BHYT không hợp lệ (định dạng ngày/tháng/năm)."), "bhyt_valid_to") from exc
        if end < timezone.localdate():
            raise ClinicalError(_("Thẻ BHYT đã hết hạn ngày %(date)s.") % {"date": data.bhyt_valid_to}, "bhyt_valid_to")
        period["end"] = end.isoformat()
    if period:
        coverage["period"] = period
    if data.bhyt_facility:
        coverage["class"] = [{"type": {"text": _("Nơi đăng ký KCB ban đầu")}, "value": data.bhyt_facility}]
    return coverage


def register_patient(repo: Repository, data: PatientInput, *, confirm_not_duplicate: bool = False) -> Registered:
    """Create the Patient (and Coverage when a BHYT card is given) after the duplicate check."""
    cleaned, birth = clean(data)
    duplicates = find_duplicates(repo, cleaned.cccd, cleaned.name, birth)
    if duplicates:
        warning = DuplicateWarning(_("Người bệnh có thể đã có hồ sơ tại cơ sở."), duplicates)
        if not warning.overridable:
            warning.message = _("Số CCCD %(cccd)s đã có hồ sơ: mở hồ sơ đó thay vì tạo mới.") % {"cccd": cleaned.cccd}
            raise warning
        if not confirm_not_duplicate:
            raise warning
    with repo.atomic():
        year = timezone.localdate().year % 100
        mrn = f"{year:02d}{next_number(f'mrn:{repo.facility}:{year}'):06d}"
        patient = repo.create(build_patient(cleaned, birth, mrn, repo.facility)).json()
        coverage = repo.create(build_coverage(cleaned, patient["id"])).json() if cleaned.bhyt else None
    return Registered(patient, coverage)


def merge_patients(repo: Repository, duplicate_id: str, surviving_id: str, reason: str) -> dict[str, Any]:
    """Mark `duplicate_id` as replaced by `surviving_id` (inactive), both linked, the act audited.

    Nothing is moved: the chart of the surviving record reads the replaced record's entries through the
    link, so the merge can be reviewed and undone without rewriting clinical history.
    """
    if duplicate_id == surviving_id:
        raise ClinicalError(_("Không thể gộp một hồ sơ với chính nó."))
    if not reason.strip():
        raise ClinicalError(_("Cần ghi lý do gộp hồ sơ."), "reason")
    _stored, duplicate = load(repo, "Patient", duplicate_id)
    if duplicate.get("active") is False:
        raise ClinicalError(_("Hồ sơ này đã được gộp hoặc ngừng sử dụng."))
    _stored, surviving = load(repo, "Patient", surviving_id)
    if surviving.get("active") is False:
        raise ClinicalError(_("Không thể gộp vào một hồ sơ đã ngừng sử dụng."))

    def retire(resource: dict[str, Any]) -> None:
        resource["active"] = False
        resource.setdefault("link", []).append({"other": ref("Patient", surviving_id), "type": "replaced-by"})

    def absorb(resource: dict[str, Any]) -> None:
        resource.setdefault("link", []).append({"other": ref("Patient", duplicate_id), "type": "replaces"})

    with repo.atomic():
        modify(repo, "Patient", duplicate_id, retire)
        result = modify(repo, "Patient", surviving_id, absorb)
        repo.audit_event("merge", resource_type="Patient", resource_id=duplicate_id, patient_id=surviving_id,
                         reason=f"replaced-by Patient/{surviving_id}: {reason.strip()}")
    return result


def replaced_ids(patient: dict[str, Any]) -> list[str]:
    """Ids of the records this one replaces (merged into it)."""
    out = []
    for link in patient.get("link") or ():
        other = (link.get("other") or {}).get("reference", "")
        if link.get("type") == "replaces" and other.startswith("Patient/"):
            out.append(other.split("/", 1)[1])
    return out
